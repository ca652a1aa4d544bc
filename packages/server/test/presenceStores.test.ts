// RedisPresenceStore on a real Redis: the PresenceStore contract, then what only a shared
// store has to do — several nodes counting one property, membership of a dead node expiring,
// self-repair after Redis lost the data, and an unreachable Redis — and the presence feature
// announcing an expiry nobody else would announce.
import { expect, it } from 'vitest';
import type { ServerFrame } from '@sinyal/protocol';
import { presenceFeature } from '../src/features/presence';
import { RedisPresenceStore } from '../src/features/presence/redisPresenceStore';
import { createServer, RedisStore, SinyalServerError, type SinyalServer } from '../src';
import { deleteKeys, REDIS_URL, redisTestScope } from '../../../test-utils/redis';
import { until } from '../../../test-utils/harness';
import { presenceStoreContract } from './presenceStoreContract';
import { RawClient, SECRET, sleep } from './helpers';

const redisTest = await redisTestScope();
const { freshPrefix, closeAfter } = redisTest;

/** A RedisStore (= one node's connection) on `keyPrefix`, closed after the test. */
const redisNode = (keyPrefix: string, url = REDIS_URL): RedisStore => redisTest.node({ prefix: keyPrefix, url });

function presenceStore(redisStore: RedisStore, ttlMs?: number): RedisPresenceStore {
  return closeAfter(new RedisPresenceStore(redisStore, ttlMs === undefined ? {} : { ttlMs }));
}

presenceStoreContract(redisTest.describe, 'RedisPresenceStore', () => presenceStore(redisNode(freshPrefix())));

redisTest.describe('RedisPresenceStore across nodes', () => {
  it('two nodes adding and removing viewers concurrently get exact unique counts', async () => {
    const keys = freshPrefix();
    const [a, b] = [presenceStore(redisNode(keys)), presenceStore(redisNode(keys))];
    const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
    // Each user has one session on each node, and a second one on node a.
    const adds = await Promise.all(
      users.flatMap((user) => [a.addViewer('p', user, `${user}-a1`), b.addViewer('p', user, `${user}-b`), a.addViewer('p', user, `${user}-a2`)]),
    );
    expect(Math.max(...adds)).toBe(30);
    expect(await a.viewerCount('p')).toBe(30);
    expect(await b.viewerCount('p')).toBe(30);
    // Users 0-9 close every session; users 10-29 keep one.
    await Promise.all(
      users.flatMap((user, i) => [
        a.removeViewer('p', user, `${user}-a1`),
        b.removeViewer('p', user, `${user}-b`),
        ...(i < 10 ? [a.removeViewer('p', user, `${user}-a2`)] : []),
      ]),
    );
    expect(await a.viewerCount('p')).toBe(20);
    expect(await b.viewerCount('p')).toBe(20);
    expect(await b.isViewing('p', 'user-3')).toBe(false);
    expect(await b.isViewing('p', 'user-13')).toBe(true);

    // Sessions too: a user is online while any node has a session of theirs.
    await Promise.all([a.connectSession('dewi', 'd1', 10, false), b.connectSession('dewi', 'd2', 20, false)]);
    expect((await b.getUser('dewi')).sessions).toBe(2);
    await a.disconnectSession('dewi', 'd1', 30);
    expect(await b.getUser('dewi')).toMatchObject({ sessions: 1 });
    expect(await b.disconnectSession('dewi', 'd2', 40)).toMatchObject({ sessions: 0, lastSeen: 40 });
  });

  it("a node that dies without cleaning up stops counting after ttlMs; the live node's members stay", async () => {
    const keys = freshPrefix();
    // Short TTLs for a quick test; node a's is longer so a stalled test machine cannot expire it.
    const a = presenceStore(redisNode(keys), 1500);
    const b = presenceStore(redisNode(keys), 600);
    await a.addViewer('p', 'alice', 'a1');
    await a.connectSession('alice', 'a1', Date.now(), false);
    await b.addViewer('p', 'bob', 'b1');
    await b.connectSession('bob', 'b1', Date.now(), true);
    await a.addViewer('p', 'carol', 'a2');
    await b.addViewer('p', 'carol', 'b2');
    await a.connectSession('carol', 'a2', Date.now(), false);
    await b.connectSession('carol', 'b2', Date.now(), false);
    // Well past the TTLs, refreshes keep everyone.
    await sleep(2000);
    expect(await a.viewerCount('p')).toBe(3);
    expect((await a.getUser('bob')).sessions).toBe(1);

    // kill -9 of node b: it neither removes nor refreshes any more.
    const died = Date.now();
    await b.close();
    await expectEventually(async () => (await a.viewerCount('p')) === 2);
    expect(await a.isViewing('p', 'bob')).toBe(false);
    expect(await a.isViewing('p', 'carol')).toBe(true); // still viewing from node a
    const bob = await a.getUser('bob');
    expect(bob.sessions).toBe(0);
    expect(bob.agent).toEqual({ status: 'online', availableAt: null }); // the chosen status is kept, the feature shows it offline
    // lastSeen: roughly when bob's session expired (Redis's clock, compared loosely).
    expect(bob.lastSeen).toBeGreaterThan(died - 5_000);
    expect(bob.lastSeen).toBeLessThan(Date.now() + 5_000);
    expect((await a.getUser('carol')).sessions).toBe(1);
    // Node a keeps refreshing its own.
    await sleep(2000);
    expect(await a.viewerCount('p')).toBe(2);
    expect((await a.getUser('alice')).sessions).toBe(1);
  });

  it('re-adds what a live node still has when Redis lost it (flush, restart)', async () => {
    const keys = freshPrefix();
    const a = presenceStore(redisNode(keys), 300);
    await a.addViewer('p', 'alice', 's1');
    await a.addViewer('p', 'bob', 's2');
    await a.connectSession('alice', 's1', 5, true);
    await a.removeViewer('p', 'bob', 's2');
    await deleteKeys(keys); // Redis lost everything
    await expectEventually(async () => (await a.viewerCount('p')) === 1 && (await a.getUser('alice')).sessions === 1);
    expect(await a.isViewing('p', 'bob')).toBe(false); // removed before: not re-added
    expect((await a.getUser('alice')).agent).toEqual({ status: 'online', availableAt: null });
  });

  it("idle flags are shared by the nodes and expire with a dead node's sessions", async () => {
    const keys = freshPrefix();
    const a = presenceStore(redisNode(keys), 1500);
    const b = presenceStore(redisNode(keys), 600);
    await a.connectSession('dewi', 'laptop', 10, false);
    await b.connectSession('dewi', 'phone', 20, false);
    expect(await b.setSessionIdle('dewi', 'phone', true)).toMatchObject({ changed: true, record: { sessions: 2, idleSessions: 1 } });
    expect(await a.getUser('dewi')).toMatchObject({ sessions: 2, idleSessions: 1 });
    // A node flags only sessions that exist, its own or another node's.
    expect(await a.setSessionIdle('dewi', 'laptop', true)).toMatchObject({ changed: true, record: { sessions: 2, idleSessions: 2 } });
    await a.setSessionIdle('dewi', 'laptop', false);

    // Node b dies: its idle phone expires, flag and all; only the laptop (active) is left.
    await b.close();
    await expectEventually(async () => (await a.getUser('dewi')).sessions === 1);
    expect(await a.getUser('dewi')).toMatchObject({ sessions: 1, idleSessions: 0 });
    expect(await a.setSessionIdle('dewi', 'phone', true)).toMatchObject({ changed: false, record: { sessions: 1, idleSessions: 0 } });
  });

  it('re-adds a session with its idle flag when Redis lost it', async () => {
    const keys = freshPrefix();
    const a = presenceStore(redisNode(keys), 300);
    await a.connectSession('dewi', 'laptop', 5, false);
    await a.connectSession('dewi', 'phone', 6, false);
    await a.setSessionIdle('dewi', 'phone', true);
    await deleteKeys(keys); // Redis lost everything
    await expectEventually(async () => (await a.getUser('dewi')).sessions === 2);
    expect(await a.getUser('dewi')).toMatchObject({ sessions: 2, idleSessions: 1 });
    // The flag cleared after the loss stays cleared after the next one.
    await a.setSessionIdle('dewi', 'phone', false);
    await deleteKeys(keys);
    await expectEventually(async () => (await a.getUser('dewi')).sessions === 2);
    expect(await a.getUser('dewi')).toMatchObject({ sessions: 2, idleSessions: 0 });
  });

  it('rejects with unavailable when Redis is unreachable', async () => {
    const down = presenceStore(redisNode(freshPrefix(), 'redis://127.0.0.1:1'));
    const error = await down.addViewer('p', 'alice', 's1').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SinyalServerError);
    expect(error).toMatchObject({ code: 'unavailable' });
    await expect(down.viewerCount('p')).rejects.toMatchObject({ code: 'unavailable' });
    await expect(down.getUser('alice')).rejects.toMatchObject({ code: 'unavailable' });
    await expect(down.recordActivity('wishlist', 'p', 'd:1', 'alice')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('rejects a ttlMs it cannot work with', () => {
    const redis = redisNode(freshPrefix());
    expect(() => new RedisPresenceStore(redis, { ttlMs: 0 })).toThrow(TypeError);
    expect(() => new RedisPresenceStore(redis, { ttlMs: 1.5 })).toThrow(TypeError);
  });
});

redisTest.describe('presence feature on Redis stores', () => {
  async function node(keys: string, presenceRedis: RedisStore, ttlMs = 500): Promise<SinyalServer> {
    const store = redisNode(keys);
    return closeAfter(
      await createServer({
        auth: { secret: SECRET },
        logger: null,
        store,
        features: [presenceFeature({ store: new RedisPresenceStore(presenceRedis, { ttlMs }), coalesceMs: 20, logger: null, propertyExists: () => true, statusVisibility: 'everyone' })],
      }),
    );
  }

  async function rawClient(server: SinyalServer, user: string): Promise<RawClient> {
    return closeAfter(await RawClient.ready(server, user));
  }

  const events = (client: RawClient, name: string) =>
    client.pending().filter((f): f is Extract<ServerFrame, { t: 'event' }> => (f as ServerFrame).t === 'event' && (f as { name: string }).name === name);

  it("announces the drop when a dead node's viewers expire, and shows its user offline", async () => {
    const keys = freshPrefix();
    const a = await node(keys, redisNode(keys));
    const bPresence = redisNode(keys); // node b's presence connection: cut below to "kill" it
    const b = await node(keys, bPresence);
    const alice = await rawClient(a, 'alice');
    const bob = await rawClient(b, 'bob');
    alice.send({ t: 'join', id: 'j1', room: 'viewers:rumah-1' });
    expect(await alice.next('joined')).toMatchObject({ state: { count: 1 } });
    bob.send({ t: 'join', id: 'j2', room: 'viewers:rumah-1' });
    expect(await bob.next('joined')).toMatchObject({ state: { count: 2 } });
    alice.send({ t: 'join', id: 'j3', room: 'status:bob' });
    expect(await alice.next('joined')).toMatchObject({ state: { userId: 'bob', online: true } });
    await until(() => events(alice, 'presence:viewers').some((e) => (e.data as { count: number }).count === 2));

    // Node b's presence store dies without a word (its server stays up): nothing it had is
    // removed or refreshed any more.
    bPresence.connection.client.disconnect();
    await until(() => events(alice, 'presence:viewers').some((e) => (e.data as { count: number }).count === 1), 10_000);
    await until(() => events(alice, 'presence:status').some((e) => (e.data as { online: boolean }).online === false), 10_000);
    const offline = events(alice, 'presence:status').find((e) => (e.data as { online: boolean }).online === false)!;
    expect(offline.data).toMatchObject({ userId: 'bob', online: false, agentStatus: null });
    expect((offline.data as { lastSeen: number }).lastSeen).toBeGreaterThan(0);
  });

  it('a count that returns to what this node last pushed is pushed again (another node pushed in between)', async () => {
    const keys = freshPrefix();
    // A long TTL: no periodic recount within the test, so only the push on the change can fix the count.
    const a = await node(keys, redisNode(keys), 60_000);
    const b = await node(keys, redisNode(keys), 60_000);
    const watcher = await rawClient(a, 'watcher');
    watcher.send({ t: 'join', id: 'w', room: 'viewers:rumah-2' });
    await watcher.next('joined');
    const last = () => (events(watcher, 'presence:viewers').at(-1)?.data as { count: number } | undefined)?.count;
    const leaver = await rawClient(a, 'leaver');
    leaver.send({ t: 'join', id: 'l', room: 'viewers:rumah-2' });
    await until(() => last() === 2); // pushed by node a
    const other = await rawClient(b, 'other');
    other.send({ t: 'join', id: 'o', room: 'viewers:rumah-2' });
    await until(() => last() === 3); // pushed by node b
    leaver.send({ t: 'leave', id: 'l2', room: 'viewers:rumah-2' });
    // Back to 2, which is what node a pushed last: it must say so, or the watcher keeps 3.
    await until(() => last() === 2, 5000);
  });
});

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
