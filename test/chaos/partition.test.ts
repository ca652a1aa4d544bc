// Network partition of one node from Redis (issue 7): two nodes on one Redis behind a
// health-checking load balancer; node A reaches Redis through a fault proxy, node B directly.
// Clients (the real @sinyal/client) publish commands continuously into durable rooms while
// A's link is black-holed (the proxy stalls: nothing gets through either way, TCP stays open
// — no error, no close, only silence) or cut (connections reset, new ones refused). A must report itself
// unhealthy within a bounded time and shed its clients, they must end up on B, and the
// delivery promise must hold throughout: every published event reaches every member exactly
// once in one per-room order, every command is acked exactly once, nothing is lost. Healed,
// A reports healthy again and serves clients. See docs/scaling.md, "Failures".
import { RedisStore, type SinyalServer } from '@sinyal/server';
import { afterEach, expect, it } from 'vitest';
import { createFaultProxy, type FaultProxy } from '../../test-utils/faultProxy';
import { connect, record, startServer, sleep, until } from '../../test-utils/harness';
import { createLoadBalancer, type LoadBalancer } from '../../test-utils/loadBalancer';
import { deleteKeys, describeWithRedis, REDIS_URL, testPrefix } from '../../test-utils/redis';
import { FULL, report } from './scale';

const describeRedis = await describeWithRedis();

const size = {
  /** Clients behind the balancer (half land on A). */
  clients: FULL ? 20 : 6,
  /** Durable rooms; every client is in all of them. */
  rooms: FULL ? 4 : 2,
  /** Pause between two commands of one client. */
  publishEveryMs: FULL ? 40 : 30,
};

/** A's Redis link watchdog (RedisStoreOptions.pingIntervalMs / pingTimeoutMs), short for the test. */
const PING = { pingIntervalMs: 200, pingTimeoutMs: 600 };
/** Generous bound on "A reports unhealthy" (the watchdog needs at most interval + timeout). */
const DETECT_WITHIN_MS = 10_000;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function healthOf(server: SinyalServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.httpUrl}/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `/health` until `check` holds; resolves with how long it took. */
async function healthUntil(server: SinyalServer, check: (status: number) => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (check((await healthOf(server)).status)) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`/health did not change within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** {@link until} that names the stage and dumps `state()` when it times out. */
async function stage(label: string, check: () => boolean, timeoutMs: number, state: () => unknown): Promise<void> {
  try {
    await until(check, timeoutMs);
  } catch {
    throw new Error(`${label}: not reached within ${timeoutMs} ms; state: ${JSON.stringify(state())}`);
  }
}

interface Cluster {
  a: SinyalServer;
  b: SinyalServer;
  link: FaultProxy;
  lb: LoadBalancer;
}

/** Upgrades `server` refused with 503 so far (its /metrics). */
async function refused503(server: SinyalServer): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  return Number(/^sinyal_upgrades_refused_total\{status="503"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function cluster(healthChecks: boolean): Promise<Cluster> {
  const prefix = testPrefix();
  cleanups.push(() => deleteKeys(prefix));
  const redis = new URL(REDIS_URL);
  const link = await createFaultProxy({ targetPort: Number(redis.port || 6379), targetHost: redis.hostname });
  cleanups.push(() => link.close());
  // A short command lease: a command whose node lost Redis mid-run is taken over sooner.
  const storeA = new RedisStore({ url: `redis://127.0.0.1:${link.port}`, prefix, commandLeaseMs: 2000, ...PING });
  const storeB = new RedisStore({ url: REDIS_URL, prefix, commandLeaseMs: 2000, ...PING });
  cleanups.push(() => storeA.close(), () => storeB.close());
  const limits = { messagesPerSecond: 10_000, burst: 10_000 };
  const a = await startServer({ store: storeA, limits });
  const b = await startServer({ store: storeB, limits });
  cleanups.push(() => a.close(), () => b.close());
  const lb = await createLoadBalancer({ backends: [a.port, b.port], ...(healthChecks ? { healthCheck: { intervalMs: 100, timeoutMs: 1000 } } : {}) });
  cleanups.push(() => lb.close());
  return { a, b, link, lb };
}

interface Member {
  user: string;
  /** The node the client first landed on. */
  home: 'a' | 'b';
  client: ReturnType<typeof connect>;
  rooms: Array<ReturnType<typeof record>>;
}

/** Publish commands sent by the clients, with their ids, outcomes and how often each was acked. */
interface Sent {
  id: string;
  user: string;
  room: string;
  n: number;
  acks: number;
  /** Answered `unavailable` at least once (and re-sent by the outbox). */
  refused: number;
  failed?: unknown;
  result?: { epoch: string; seq: number } | undefined;
}

/** Publishes `{from: user, n}` into `room` and records the command: its id, every ack, a failure. */
function send(rec: ReturnType<typeof record>, user: string, n: number, sent: Sent[]): void {
  const command = rec.room.publish('demo:message', { from: user, n });
  const entry: Sent = { id: command.id, user, room: rec.room.name, n, acks: 0, refused: 0 };
  sent.push(entry);
  let lastError: unknown;
  command.subscribe(() => {
    const { error } = command.getSnapshot();
    if (error !== undefined && error !== lastError) entry.refused++;
    lastError = error;
    if (command.status !== 'acked') return;
    entry.acks++;
    entry.result = command.getSnapshot().result as Sent['result'];
  });
  command.done.catch((error: unknown) => (entry.failed = error));
}

const variants = [
  { mode: 'stall', healthChecks: true, title: 'black-holed link (proxy stalls, TCP stays open), balancer checking /health' },
  { mode: 'cut', healthChecks: true, title: 'link cut (reset, reconnects refused), balancer checking /health' },
  // A plain TCP round robin sends reconnecting clients to A as often as to B: A must turn them away itself.
  { mode: 'stall', healthChecks: false, title: 'black-holed link, plain TCP balancer without health checks' },
] as const;

for (const { mode, healthChecks, title } of variants) {
  describeRedis(`partition of one node from Redis (${mode}${healthChecks ? '' : ', no health checks'})`, () => {
    it(`${title}: A turns 503 degraded, its clients move to B, every event once and in order, every command acked once; healed, A serves again`, async () => {
      const { a, b, link, lb } = await cluster(healthChecks);
      const tag = `${mode}${healthChecks ? '' : '-tcp'}`;
      const rooms = Array.from({ length: size.rooms }, (_, i) => `demo:part-${tag}-${i}`);
      const members: Member[] = [];
      // One at a time, so each client's node is known (round robin: A, B, A, B…).
      for (let i = 0; i < size.clients; i++) {
        const user = `${tag}-u${i}`;
        const before = a.connections();
        const client = connect(`ws://127.0.0.1:${lb.port}/ws`, user);
        cleanups.push(() => client.close());
        const recs = rooms.map((room) => record(client, room));
        await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'));
        members.push({ user, home: a.connections() > before ? 'a' : 'b', client, rooms: recs });
      }
      const onA = members.filter((m) => m.home === 'a');
      expect(onA.length).toBe(size.clients / 2);

      // Every client publishes continuously, round robin over the rooms; ids and acks recorded.
      const sent: Sent[] = [];
      let publishing = true;
      const publishers = members.map(async (m, mi) => {
        let n = 0;
        while (publishing) {
          n++;
          send(m.rooms[(mi + n) % rooms.length]!, m.user, n, sent);
          await sleep(size.publishEveryMs);
        }
      });
      const state = () => ({
        a: { connections: a.connections(), lbHealthy: lb.healthy(a.port) },
        b: { connections: b.connections() },
        clients: members.map((m) => `${m.user}@${m.home}:${m.client.getSnapshot().state}/${m.rooms.map((r) => r.room.getSnapshot().status).join(',')}`),
        sent: sent.length,
        acked: sent.filter((x) => x.acks > 0).length,
        unacked: sent.filter((x) => x.acks === 0).slice(0, 10).map((x) => `${x.user}#${x.n}${x.failed ? ' failed' : ''}`),
      });
      await stage('first acks', () => sent.filter((s) => s.acks > 0).length >= size.clients * 3, 10_000, state);

      // Partition A from Redis.
      const onAUsers = new Set(onA.map((m) => m.user));
      const partitionedAt = Date.now();
      if (mode === 'stall') link.stall(true);
      else {
        link.refuse(true);
        link.cutAll();
      }
      // Commands of A's clients not acked yet: on the wire, running, or about to be sent.
      const inFlightAtPartition = sent.filter((s) => s.acks === 0 && onAUsers.has(s.user)).length;
      const detectMs = await healthUntil(a, (status) => status === 503, DETECT_WITHIN_MS);
      const degraded = await healthOf(a);
      expect(degraded.status).toBe(503);
      expect(degraded.body).toMatchObject({ status: 'degraded', redis: 'down' });
      expect((await healthOf(b)).status).toBe(200);

      // A's clients end up on B, with every room joined again; none stays on A.
      await stage('all clients on B', () => a.connections() === 0 && b.connections() === size.clients, 20_000, state);
      await stage('all rooms joined again', () => members.every((m) => m.client.getSnapshot().state === 'open' && m.rooms.every((r) => r.room.getSnapshot().status === 'joined')), 20_000, state);
      const movedMs = Date.now() - partitionedAt;
      if (healthChecks) await stage('balancer skips A', () => !lb.healthy(a.port), 10_000, state);
      else expect(await refused503(a)).toBeGreaterThan(0); // the balancer sent clients to A; A turned them away
      // Commands keep landing while A is cut off: each client gets more acks on B.
      const ackedDuring = sent.filter((s) => s.acks > 0).length;
      await stage('acks while A is cut off', () => sent.filter((s) => s.acks > 0).length >= ackedDuring + size.clients * 3, 20_000, state);
      expect(a.connections()).toBe(0);

      // Heal: A reports healthy again, the balancer sends it clients, and they are served.
      if (mode === 'stall') link.stall(false);
      else link.refuse(false);
      const healedAt = Date.now();
      await healthUntil(a, (status) => status === 200, 20_000);
      expect((await healthOf(a)).body).toMatchObject({ status: 'ok', redis: 'up' });
      const recoverMs = Date.now() - healedAt;
      if (healthChecks) await stage('balancer sends to A again', () => lb.healthy(a.port), 10_000, state);
      const late: Member[] = [];
      for (let i = 0; i < 2; i++) {
        const user = `${tag}-late${i}`;
        const before = a.connections();
        const client = connect(`ws://127.0.0.1:${lb.port}/ws`, user);
        cleanups.push(() => client.close());
        const recs = rooms.map((room) => record(client, room));
        await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'), 20_000);
        late.push({ user, home: a.connections() > before ? 'a' : 'b', client, rooms: recs });
      }
      expect(late.map((m) => m.home).sort()).toEqual(['a', 'b']); // round robin over two healthy nodes again
      const lateOnA = late.find((m) => m.home === 'a')!;
      send(lateOnA.rooms[0]!, lateOnA.user, 1, sent);
      const lateEntry = sent.at(-1)!;
      await sleep(300);

      // Stop publishing; everything sent must be acked, and every member must have every event.
      publishing = false;
      await Promise.all(publishers);
      await stage('every command answered', () => sent.every((s) => s.acks > 0 || s.failed !== undefined), 30_000, state);
      expect(sent.filter((s) => s.failed !== undefined).map((s) => [s.id, String(s.failed)])).toEqual([]);
      const perRoom = new Map(rooms.map((room) => [room, sent.filter((s) => s.room === room)]));
      await stage('every event delivered', () => members.every((m) => m.rooms.every((r, i) => r.items.length >= perRoom.get(rooms[i]!)!.length)), 30_000, state);
      await sleep(300); // room for a stray duplicate

      // Every command acked exactly once, with a distinct position.
      expect(sent.filter((s) => s.acks !== 1).map((s) => [s.id, s.acks])).toEqual([]);
      expect(new Set(sent.map((s) => s.id)).size).toBe(sent.length);
      for (const room of rooms) {
        const commands = perRoom.get(room)!;
        // The room's one order: the seq each command was acked with.
        const bySeq = [...commands].sort((x, y) => x.result!.seq - y.result!.seq);
        const order = bySeq.map((s) => ({ from: s.user, n: s.n, seq: s.result!.seq }));
        expect(order.map((o) => o.seq)).toEqual(Array.from({ length: commands.length }, (_, i) => i + 1));
        // Every original member: exactly that order, each event once, nothing missed, no reset.
        for (const m of members) {
          const r = m.rooms[rooms.indexOf(room)]!;
          expect(r.items, `${m.user} (${m.home}) in ${room}`).toEqual(order);
          expect(r.resets).toEqual([]);
        }
        // The late joiners: the same order from where they joined.
        for (const m of late) {
          const items = m.rooms[rooms.indexOf(room)]!.items;
          expect(items).toEqual(order.slice(order.length - items.length));
        }
      }
      expect(lateEntry.acks).toBe(1);
      report(`partition (${tag})`, {
        clients: size.clients,
        rooms: size.rooms,
        commands: sent.length,
        refusedThenAcked: sent.filter((s) => s.refused > 0).length,
        sentOnAWhenCut: inFlightAtPartition,
        detectMs,
        movedMs,
        recoverMs,
        movedClients: onA.length,
      });
    });
  });
}
