// Away status over real sockets: each connection of a user flags itself idle or active with
// `presence:set_activity`, and watchers of `status:<user>` see the merge — online while any
// connection is active, away while all are idle, offline with none — on one node (memory
// store) and across two nodes sharing Redis.
import type { PresenceStatus, ServerFrame } from '@sinyal/protocol';
import { describe, expect, it } from 'vitest';
import { presenceFeature, type PresenceOptions } from '../src/features/presence';
import { RedisPresenceStore } from '../src/features/presence/redisPresenceStore';
import { createServer, type SinyalServer } from '../src';
import { redisTestScope } from '../../../test-utils/redis';
import { RawClient, SECRET, startServer } from './helpers';

const redisTest = await redisTestScope();

type EventFrame = Extract<ServerFrame, { t: 'event' }>;

let commands = 0;
/** Sends `presence:set_activity` with `data` and resolves with its answer (`ack` or `nack`). */
async function setActivity(client: RawClient, data: unknown): Promise<Extract<ServerFrame, { t: 'ack' | 'nack' }>> {
  const id = `activity-${++commands}`;
  client.send({ t: 'cmd', id, name: 'presence:set_activity', data });
  return (await client.next(undefined, (f) => (f.t === 'ack' || f.t === 'nack') && f.id === id)) as Extract<ServerFrame, { t: 'ack' | 'nack' }>;
}

/** The status the answer to a `presence:set_activity` carries. */
async function answeredStatus(client: RawClient, idle: boolean): Promise<PresenceStatus> {
  const answer = await setActivity(client, { idle });
  if (answer.t !== 'ack') throw new Error(`set_activity refused: ${JSON.stringify(answer)}`);
  return answer.data as PresenceStatus;
}

/** Every `presence:status` the watcher received so far, in order. */
function statusEvents(watcher: RawClient): PresenceStatus[] {
  return watcher.log.filter((f): f is EventFrame => f.t === 'event' && f.name === 'presence:status').map((f) => f.data as PresenceStatus);
}

/** How many of the watcher's `presence:status` pushes {@link nextPush} has looked past. */
const seenPushes = new WeakMap<RawClient, number>();

/**
 * Waits for the first `presence:status` push saying `presence` that came after the one the
 * previous call returned (earlier pushes — e.g. repeats a shared store sends — are passed over).
 */
async function nextPush(watcher: RawClient, presence: PresenceStatus['presence']): Promise<PresenceStatus> {
  const from = seenPushes.get(watcher) ?? 0;
  let found = -1;
  await expect.poll(() => (found = statusEvents(watcher).findIndex((s, i) => i >= from && s.presence === presence)), { timeout: 10_000, interval: 10 }).toBeGreaterThanOrEqual(0);
  seenPushes.set(watcher, found + 1);
  return statusEvents(watcher)[found]!;
}

/** Where the two connections of one user and the watcher connect. */
interface Nodes {
  laptop: SinyalServer;
  phone: SinyalServer;
  watcher: SinyalServer;
  /** A shared store: every connect is pushed, even when the status stays the same. */
  shared: boolean;
}

/**
 * The scenario of the issue, on any arrangement of nodes: dewi has a laptop and a phone open;
 * a watcher follows `status:dewi`.
 */
async function twoDevices(nodes: Nodes, connect: (server: SinyalServer, user: string) => Promise<RawClient>): Promise<void> {
  const watcher = await connect(nodes.watcher, 'watcher');
  watcher.send({ t: 'join', id: 'w', room: 'status:dewi' });
  expect(await watcher.next('joined')).toMatchObject({ state: { userId: 'dewi', online: false, presence: 'offline' } });

  const laptop = await connect(nodes.laptop, 'dewi');
  await nextPush(watcher, 'online');
  const phone = await connect(nodes.phone, 'dewi');
  if (nodes.shared) await nextPush(watcher, 'online');

  // One idle, one active: online. The answer says so at once; watchers are told nothing
  // (the merged state did not change).
  const pushedBefore = statusEvents(watcher).length;
  expect(await answeredStatus(phone, true)).toMatchObject({ userId: 'dewi', online: true, presence: 'online' });
  expect(await answeredStatus(phone, true)).toMatchObject({ presence: 'online' }); // repeating it changes nothing

  // Both idle: away (still online: a connection is open).
  expect(await answeredStatus(laptop, true)).toMatchObject({ online: true, presence: 'away' });
  expect(await nextPush(watcher, 'away')).toMatchObject({ userId: 'dewi', online: true, presence: 'away', agentStatus: null });
  // The phone going idle announced nothing: the first push after it is `away`.
  expect(statusEvents(watcher).slice(pushedBefore).map((status) => status.presence)).toEqual(['away']);

  // Activity on the laptop: online again.
  expect(await answeredStatus(laptop, false)).toMatchObject({ presence: 'online' });
  await nextPush(watcher, 'online');

  // The idle phone disconnects while the laptop is active: still online; its flag is gone,
  // so the laptop alone going idle makes dewi away, and active again online.
  phone.close();
  await phone.closed;
  expect(await answeredStatus(laptop, true)).toMatchObject({ presence: 'away' });
  await nextPush(watcher, 'away');
  expect(await answeredStatus(laptop, false)).toMatchObject({ presence: 'online' });
  await nextPush(watcher, 'online');

  // A new connection starts active: with the laptop idle, dewi is online thanks to it.
  expect(await answeredStatus(laptop, true)).toMatchObject({ presence: 'away' });
  await nextPush(watcher, 'away');
  const tablet = await connect(nodes.phone, 'dewi');
  await nextPush(watcher, 'online');

  // The active tablet closes, leaving only the idle laptop: away; the laptop closes: offline.
  tablet.close();
  await nextPush(watcher, 'away');
  laptop.close();
  const offline = await nextPush(watcher, 'offline');
  expect(offline).toMatchObject({ online: false, presence: 'offline' });
  expect(offline.lastSeen).toEqual(expect.any(Number));
}

describe('away status on one node (memory store)', () => {
  async function server(presence: PresenceOptions = {}): Promise<SinyalServer> {
    return startServer({ features: [presenceFeature({ coalesceMs: 20, logger: null, propertyExists: () => true, statusVisibility: 'everyone', ...presence })] });
  }
  const opened: RawClient[] = [];
  const connect = async (s: SinyalServer, user: string) => {
    const client = await RawClient.ready(s, user);
    opened.push(client);
    return client;
  };

  it('two connections of one user: online if either is active, away when both are idle, offline when both closed', async () => {
    const s = await server();
    try {
      await twoDevices({ laptop: s, phone: s, watcher: s, shared: false }, connect);
    } finally {
      for (const client of opened.splice(0)) client.close();
    }
  });

  it('answers bad data with invalid_frame and changes nothing', async () => {
    const s = await server();
    const dewi = await RawClient.ready(s, 'dewi');
    for (const data of [{}, { idle: 'yes' }, { idle: 1 }, { idle: true, since: 5 }, true, null, 'idle']) {
      const answer = await setActivity(dewi, data);
      expect(answer, JSON.stringify(data)).toMatchObject({ t: 'nack', code: 'invalid_frame' });
      expect((answer as { msg: string }).msg).toMatch(/^presence:set_activity: /);
    }
    expect(await answeredStatus(dewi, false)).toMatchObject({ presence: 'online' });
    dewi.close();
  });

  it('has a default per-action limit: a flood is answered rate_limited with retryAfterMs', async () => {
    const s = await server();
    const dewi = await RawClient.ready(s, 'dewi');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => setActivity(dewi, { idle: i % 2 === 0 })));
    const limited = answers.filter((a) => a.t === 'nack' && a.code === 'rate_limited');
    expect(limited.length).toBeGreaterThanOrEqual(20);
    expect((limited[0] as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
    dewi.close();
  });

  it("respects statusVisibility: with the default, a stranger cannot watch a buyer's away state; the buyer can", async () => {
    const s = await server({ statusVisibility: 'agents' });
    const buyer = await RawClient.ready(s, 'buyer-1');
    const stranger = await RawClient.ready(s, 'mallory');
    expect(await answeredStatus(buyer, true)).toMatchObject({ userId: 'buyer-1', presence: 'away' });
    stranger.send({ t: 'join', id: 'peek', room: 'status:buyer-1' });
    expect(await stranger.next('nack', (f) => f.id === 'peek')).toMatchObject({ code: 'forbidden' });
    buyer.send({ t: 'join', id: 'own', room: 'status:buyer-1' });
    expect(await buyer.next('joined')).toMatchObject({ state: { presence: 'away', online: true } });
    buyer.close();
    stranger.close();
  });
});

redisTest.describe('away status across two nodes (Redis)', () => {
  /**
   * A node on the shared Redis, its presence store on `presenceRedis`. The default TTL is long
   * so no periodic recount pushes within a test: every push comes from a change.
   */
  async function node(keys: string, presenceRedis = redisTest.node({ prefix: keys }), ttlMs = 60_000): Promise<SinyalServer> {
    return redisTest.closeAfter(
      await createServer({
        auth: { secret: SECRET },
        logger: null,
        store: redisTest.node({ prefix: keys }),
        features: [presenceFeature({ store: new RedisPresenceStore(presenceRedis, { ttlMs }), coalesceMs: 20, logger: null, propertyExists: () => true, statusVisibility: 'everyone' })],
      }),
    );
  }
  const connect = async (s: SinyalServer, user: string) => redisTest.closeAfter(await RawClient.ready(s, user));

  it('laptop on node A, phone on node B, watcher on node A: the merge holds across nodes', async () => {
    const keys = redisTest.freshPrefix();
    const [a, b] = [await node(keys), await node(keys)];
    await twoDevices({ laptop: a, phone: b, watcher: a, shared: true }, connect);
  });

  it('a watcher on the node that holds neither connection sees the same', async () => {
    const keys = redisTest.freshPrefix();
    const [a, b, c] = [await node(keys), await node(keys), await node(keys)];
    await twoDevices({ laptop: a, phone: b, watcher: c, shared: true }, connect);
  });

  it("a dead node's active session expires: the user's idle session on the live node leaves them away", async () => {
    const keys = redisTest.freshPrefix();
    // Short TTLs: node a recounts what its watcher follows every 500 ms.
    const a = await node(keys, undefined, 500);
    const bPresence = redisTest.node({ prefix: keys }); // node b's presence connection, cut below
    const b = await node(keys, bPresence, 500);
    const watcher = await connect(a, 'watcher');
    watcher.send({ t: 'join', id: 'w', room: 'status:dewi' });
    await watcher.next('joined');
    const laptop = await connect(a, 'dewi');
    const phone = await connect(b, 'dewi');
    expect(await answeredStatus(phone, true)).toMatchObject({ presence: 'online' });
    expect(await answeredStatus(phone, false)).toMatchObject({ presence: 'online' });
    expect(await answeredStatus(laptop, true)).toMatchObject({ presence: 'online' }); // the phone is active
    // Node b's presence store dies without a word: nobody announces that the active phone's
    // session expires, the recount of node a finds dewi away.
    bPresence.connection.client.disconnect();
    expect(await nextPush(watcher, 'away')).toMatchObject({ online: true, presence: 'away' });
    expect(await answeredStatus(laptop, false)).toMatchObject({ presence: 'online' });
    await nextPush(watcher, 'online');
  });
});
