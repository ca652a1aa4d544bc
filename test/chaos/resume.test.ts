// Resume windows: a client cut off while others keep publishing must, on reconnect, get
// exactly what it missed (once, in order) while that is still in the room's history — and
// an explicit `reset` (history_truncated / epoch_changed) when it is not, never a silent
// gap or a partial replay. The window is a count (`history`) and a time (`historyTtlMs`):
// both are tested. With RedisStore (history in Streams) and MemoryStore; across a flushed
// Redis and across nodes. See docs/protocol.md, "Delivery guarantees".
import { MemoryStore, RedisStore, type RoomKindOptions, type SinyalServer, type Store, type StoredEvent } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultProxy } from '../../test-utils/faultProxy';
import { connect, record, sleep, startServer, until } from '../../test-utils/harness';
import { createLoadBalancer } from '../../test-utils/loadBalancer';
import { deleteKeys, describeWithRedis, REDIS_URL, testPrefix } from '../../test-utils/redis';

const describeRedis = await describeWithRedis();

/** History kept per `demo:*` room in this file: the resume window. */
const WINDOW = 200;
/** The time window of the timed tests (room kind option `historyTtlMs`): 90 s. */
const TTL = 90_000;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

type StoreKind = 'redis' | 'memory';

/** A store for this test; Redis ones get a fresh prefix whose keys are deleted afterwards. `now` is the store's clock. */
function makeStore(kind: StoreKind, prefix = testPrefix(), now: () => number = Date.now): { store: Store; prefix: string } {
  if (kind === 'memory') return { store: new MemoryStore(now), prefix };
  const store = new RedisStore({ url: REDIS_URL, prefix, now });
  cleanups.push(() => deleteKeys(prefix));
  cleanups.push(() => store.close());
  return { store, prefix };
}

/**
 * The stores' clock in the timed tests: real time, or frozen at a chosen instant — "the
 * client comes back exactly `gap` ms after the first event it missed" without waiting.
 */
function testClock() {
  let frozen: number | undefined;
  return {
    now: () => frozen ?? Date.now(),
    freeze: (at: number) => void (frozen = at),
    thaw: () => void (frozen = undefined),
  };
}

async function node(store: Store, demo: Partial<RoomKindOptions> = {}): Promise<SinyalServer> {
  const server = await startServer({
    store,
    limits: { messagesPerSecond: 10_000, burst: 10_000 },
    rooms: { demo: { publish: ['demo:message'], history: WINDOW, ...demo } },
  });
  cleanups.push(() => server.close());
  return server;
}

function client(...args: Parameters<typeof connect>) {
  const c = connect(...args);
  cleanups.push(() => c.close());
  return c;
}

/**
 * A publisher client (direct to `server`) in `room`, plus a listener in the same room behind
 * a fault proxy that can be cut off and let back in.
 */
async function setup(server: SinyalServer, room: string) {
  const proxy = await createFaultProxy({ targetPort: server.port });
  cleanups.push(() => proxy.close());
  const listener = record(client(`ws://127.0.0.1:${proxy.port}/ws`, 'listener'), room);
  const publisher = record(client(server.url, 'publisher'), room);
  await until(() => listener.room.getSnapshot().status === 'joined' && publisher.room.getSnapshot().status === 'joined');
  let n = 0;
  /** Publishes `count` events from the publisher client, in order; resolves when all are acked. */
  const publish = async (count: number) => {
    const sends = [];
    for (let i = 0; i < count; i++) sends.push(publisher.room.publish('demo:message', { from: 'publisher', n: ++n }).done);
    await Promise.all(sends);
  };
  /** Cuts the listener off (new connections refused) and waits until its room knows it. */
  const cut = async () => {
    proxy.refuse(true);
    proxy.cutAll();
    await until(() => listener.room.getSnapshot().status !== 'joined');
  };
  const restore = () => proxy.refuse(false);
  return { proxy, listener, publisher, publish, cut, restore, published: () => n };
}

for (const kind of ['redis', 'memory'] as const) {
  const describeStore = kind === 'redis' ? describeRedis : describe;

  describeStore(`resume windows (${kind} store, history ${WINDOW})`, () => {
    it('gaps of ~1 s of events, a larger gap, and just under the window: exactly the missed events, once, in order, no reset', async () => {
      const { store } = makeStore(kind);
      const server = await node(store);
      const s = await setup(server, 'demo:window');
      await s.publish(5);
      await until(() => s.listener.items.length === 5);

      // ~1 s worth of events, published steadily while the listener is away.
      const gaps: Array<() => Promise<void>> = [
        async () => {
          const end = Date.now() + 1000;
          while (Date.now() < end && s.published() < 5 + WINDOW - 1) {
            await s.publish(1);
            await sleep(10);
          }
        },
        () => s.publish(Math.floor(WINDOW * 0.75)), // a larger gap
        () => s.publish(WINDOW - 1), // just under the window
      ];
      const sizes: number[] = [];
      for (const gap of gaps) {
        const before = s.published();
        await s.cut();
        await gap();
        sizes.push(s.published() - before);
        // The listener really missed them: nothing arrived while it was away.
        expect(s.listener.items.length).toBe(before);
        s.restore();
        await until(() => s.listener.room.getSnapshot().status === 'joined' && s.listener.items.length >= s.published(), 15_000);
      }
      // A few live events after the last resume, and a moment for any stray duplicate.
      await s.publish(3);
      await until(() => s.listener.items.length >= s.published());
      await sleep(150);
      expect(sizes[0]).toBeGreaterThan(0);
      expect(sizes[2]).toBe(WINDOW - 1);
      expect(s.listener.items.map((i) => i.n)).toEqual(range(1, s.published()));
      expect(s.listener.items.map((i) => i.seq)).toEqual(range(1, s.published()));
      expect(s.listener.resets).toEqual([]);
      expect(s.publisher.resets).toEqual([]);
    });

    it(`past the window (${WINDOW + 5} events away): an explicit reset history_truncated, no partial replay, then live events`, async () => {
      const { store } = makeStore(kind);
      const server = await node(store);
      const s = await setup(server, 'demo:past');
      await s.publish(5);
      await until(() => s.listener.items.length === 5);
      const resets: Array<{ epoch: string; seq: number; reason: string }> = [];
      s.listener.room.onReset((info) => resets.push(info));

      await s.cut();
      await s.publish(WINDOW + 5);
      s.restore();
      await until(() => resets.length === 1 && s.listener.room.getSnapshot().status === 'joined', 15_000);
      expect(resets[0]).toMatchObject({ reason: 'history_truncated', seq: 5 + WINDOW + 5 });
      // Live events after the reset arrive; none of the truncated ones ever does.
      await s.publish(3);
      await until(() => s.listener.items.length >= 8);
      await sleep(150);
      const head = 5 + WINDOW + 5;
      expect(s.listener.items.map((i) => i.n)).toEqual([...range(1, 5), ...range(head + 1, head + 3)]);
      expect(s.listener.items.map((i) => i.seq)).toEqual([...range(1, 5), ...range(head + 1, head + 3)]);
      expect(s.listener.resets).toEqual(['history_truncated']);
    });
  });

  describeStore(`time window (${kind} store, historyTtlMs ${TTL / 1000} s)`, () => {
    /**
     * Cuts the listener off, publishes `count` events, and freezes the store's clock `gapMs`
     * after the first of them, so the resume that follows sees them exactly that old.
     */
    async function awayFor(s: Awaited<ReturnType<typeof setup>>, store: Store, clock: ReturnType<typeof testClock>, room: string, gapMs: number, count = 20) {
      const before = s.published();
      await s.cut();
      await s.publish(count);
      const missed = (await store.readAfter(room, before)) as StoredEvent[]; // no window: the raw history
      expect(missed.map((e) => e.seq)).toEqual(range(before + 1, before + count));
      expect(s.listener.items.length).toBe(before); // really missed
      clock.freeze(missed[0]!.at + gapMs);
      s.restore();
    }

    it(`away 5 s, 60 s and just under the window (${TTL} ms − 1 ms): exactly the missed events, once, in order, no reset`, async () => {
      const clock = testClock();
      const { store } = makeStore(kind, undefined, clock.now);
      const server = await node(store, { historyTtlMs: TTL });
      const room = 'demo:timed';
      const s = await setup(server, room);
      await s.publish(5);
      await until(() => s.listener.items.length === 5);

      for (const gapMs of [5_000, 60_000, TTL - 1]) {
        await awayFor(s, store, clock, room, gapMs);
        await until(() => s.listener.room.getSnapshot().status === 'joined' && s.listener.items.length >= s.published(), 15_000);
        clock.thaw();
      }
      await s.publish(3);
      await until(() => s.listener.items.length >= s.published());
      await sleep(150);
      expect(s.published()).toBe(5 + 3 * 20 + 3);
      expect(s.listener.items.map((i) => i.n)).toEqual(range(1, s.published()));
      expect(s.listener.items.map((i) => i.seq)).toEqual(range(1, s.published()));
      expect(s.listener.resets).toEqual([]);
      expect(s.publisher.resets).toEqual([]);
    });

    it(`away just past the window (${TTL} ms + 1 ms): one explicit reset history_truncated, no partial replay, then live events`, async () => {
      const clock = testClock();
      const { store } = makeStore(kind, undefined, clock.now);
      const server = await node(store, { historyTtlMs: TTL });
      const room = 'demo:timed-past';
      const s = await setup(server, room);
      await s.publish(5);
      await until(() => s.listener.items.length === 5);
      const resets: Array<{ epoch: string; seq: number; reason: string }> = [];
      s.listener.room.onReset((info) => resets.push(info));

      // 20 events, far fewer than `history` (200): only their age stops the replay.
      await awayFor(s, store, clock, room, TTL + 1);
      await until(() => resets.length === 1 && s.listener.room.getSnapshot().status === 'joined', 15_000);
      clock.thaw();
      expect(resets[0]).toMatchObject({ reason: 'history_truncated', seq: 25 });
      await s.publish(3);
      await until(() => s.listener.items.length >= 8);
      await sleep(150);
      expect(s.listener.items.map((i) => i.n)).toEqual([...range(1, 5), ...range(26, 28)]);
      expect(s.listener.items.map((i) => i.seq)).toEqual([...range(1, 5), ...range(26, 28)]);
      expect(s.listener.resets).toEqual(['history_truncated']);
      expect(s.publisher.resets).toEqual([]);
    });

    it('the store: all or nothing at the boundary (age = window replays, window + 1 ms does not), expired events dropped', async () => {
      const clock = testClock();
      const { store } = makeStore(kind, undefined, clock.now);
      const room = 'demo:timed-store';
      const t0 = 1_000_000;
      // Events 1-3 at t0, 4-5 at t0 + 10 s (the server's `at`; the stores keep it).
      for (let i = 1; i <= 5; i++) await store.append(room, { name: 'demo:message', data: { i }, at: i <= 3 ? t0 : t0 + 10_000 }, 100);
      clock.freeze(t0 + TTL);
      expect(((await store.readAfter(room, 0, { maxAgeMs: TTL })) as StoredEvent[]).map((e) => e.seq)).toEqual(range(1, 5));
      clock.freeze(t0 + TTL + 1);
      expect(await store.readAfter(room, 0, { maxAgeMs: TTL })).toBe('truncated');
      expect(await store.readAfter(room, 2, { maxAgeMs: TTL })).toBe('truncated');
      // From seq 3 on, the first missed event (4) is 10 s younger: exact catch-up.
      expect(((await store.readAfter(room, 3, { maxAgeMs: TTL })) as StoredEvent[]).map((e) => e.seq)).toEqual([4, 5]);
      // Events 1-3 were past the window: dropped, even for a reader without one.
      expect(await store.readAfter(room, 0)).toBe('truncated');
      expect(((await store.readAfter(room, 3)) as StoredEvent[]).map((e) => e.data)).toEqual([{ i: 4 }, { i: 5 }]);
      expect(await store.readAfter(room, 5, { maxAgeMs: TTL })).toEqual([]);
      // Everything past the window: nothing to replay, no matter the count kept.
      clock.freeze(t0 + 10_000 + TTL + 1);
      expect(await store.readAfter(room, 3, { maxAgeMs: TTL })).toBe('truncated');
      expect((await store.head(room)).seq).toBe(5); // seqs go on
    });
  });
}

describeRedis('resume across a lost Redis and across nodes', () => {
  it('the test keys flushed while a client is away: reset epoch_changed on reconnect, never a silent gap; new seqs from 1', async () => {
    const { store, prefix } = makeStore('redis');
    const server = await node(store);
    const s = await setup(server, 'demo:flush');
    const resets: Array<{ epoch: string; seq: number; reason: string }> = [];
    s.listener.room.onReset((info) => resets.push(info));
    const oldEpoch = (await server.publish('demo:flush', 'demo:message', { from: 'platform', n: 0 }))!.epoch;
    await s.publish(10);
    await until(() => s.listener.items.length === 11);

    await s.cut();
    // "The store lost its data", for this test's keys only (the Redis may be shared).
    await deleteKeys(prefix);
    s.restore();
    await until(() => resets.length === 1 && s.listener.room.getSnapshot().status === 'joined', 15_000);
    expect(resets[0]!.reason).toBe('epoch_changed');
    expect(resets[0]!.epoch).not.toBe(oldEpoch);
    const newEpoch = resets[0]!.epoch;
    const afterReset = s.listener.items.length;
    expect(afterReset).toBe(11);

    // Subsequent events carry the new epoch's seqs, and the resumed client gets them all.
    const sent: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await server.publish('demo:flush', 'demo:message', { from: 'platform', n: 100 + i });
      expect(res!.epoch).toBe(newEpoch);
      sent.push(res!.seq);
    }
    const head = resets[0]!.seq;
    expect(sent).toEqual(range(head + 1, head + 5));
    await until(() => s.listener.items.length >= afterReset + 5);
    await sleep(150);
    expect(s.listener.items.slice(afterReset).map((i) => i.seq)).toEqual(sent);
    expect(s.listener.items.slice(afterReset).map((i) => i.n)).toEqual(range(100, 104));
    expect(s.listener.resets).toEqual(['epoch_changed']);
    // The publisher stayed connected through the flush: the first event of the new epoch
    // reaches it (the server compares seqs within an epoch only), its room sees the epoch
    // change and asks again, and it gets the explicit reset — never a silent gap.
    await until(() => s.publisher.resets.length === 1);
    expect(s.publisher.resets).toEqual(['epoch_changed']);
  });

  it('node A closed, the client reconnects to node B on the same Redis: resumes with no gap and no duplicate', async () => {
    const prefix = testPrefix();
    const a = await node(makeStore('redis', prefix).store);
    const b = await node(makeStore('redis', prefix).store);
    // The balancer knows only A at first, so the client lands on A.
    const lb = await createLoadBalancer({ backends: [a.port] });
    cleanups.push(() => lb.close());
    const listener = record(client(`ws://127.0.0.1:${lb.port}/ws`, 'listener'), 'demo:move');
    const publisher = record(client(b.url, 'publisher'), 'demo:move');
    await until(() => listener.room.getSnapshot().status === 'joined' && publisher.room.getSnapshot().status === 'joined');
    expect(lb.routed.get(a.port)).toBe(1);
    let n = 0;
    const publish = async (count: number) => {
      const sends = [];
      for (let i = 0; i < count; i++) sends.push(publisher.room.publish('demo:message', { from: 'publisher', n: ++n }).done);
      await Promise.all(sends);
    };
    await publish(20);
    await until(() => listener.items.length === 20);

    // A goes away; while the client cannot reach any node, B keeps taking events.
    await a.close();
    await until(() => listener.room.getSnapshot().status !== 'joined');
    await publish(30);
    expect(listener.items.length).toBe(20);
    lb.setBackends([b.port]);
    await until(() => listener.room.getSnapshot().status === 'joined' && listener.items.length >= 50, 15_000);
    expect(lb.routed.get(b.port)).toBeGreaterThanOrEqual(1);
    await publish(5);
    await until(() => listener.items.length >= 55);
    await sleep(150);
    expect(listener.items.map((i) => i.n)).toEqual(range(1, 55));
    expect(listener.items.map((i) => i.seq)).toEqual(range(1, 55));
    expect(listener.resets).toEqual([]);
    expect(publisher.resets).toEqual([]);
  });
});
