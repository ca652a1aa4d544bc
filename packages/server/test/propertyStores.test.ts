import type { PropertyChange, PropertyState } from '@sinyal/protocol/schema';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { MemoryPropertyStore } from '../src/features/property/memoryStore';
import { RedisPropertyStore } from '../src/features/property/redisPropertyStore';
import type { RedisStore } from '../src/redis/redisStore';
import { REDIS_URL, redisTestScope, roomEventsExactly } from '../../../test-utils/redis';
import { propertyState, propertyStoreContract } from './propertyStoreContract';

const redisTest = await redisTestScope();
const { prefix, freshPrefix } = redisTest;

/** A RedisStore (= one node) on `keyPrefix`; closed after each test. */
const node = (keyPrefix: string): RedisStore => redisTest.node({ prefix: keyPrefix });

/** A store that appends the property rooms' events itself (as the property feature sets it up). */
function appending(redis: RedisStore, roomHistory = 1000): RedisPropertyStore {
  const store = new RedisPropertyStore(redis);
  store.appendsRoomEvents(roomHistory);
  return store;
}

/** A price update from `current` to `newPrice`, as the feature computes it, and the next state. */
function priceUpdate(current: PropertyState, newPrice: number, at: number): { next: PropertyState; change: PropertyChange } {
  const change: PropertyChange = {
    type: 'price_updated',
    propertyId: current.id,
    at,
    version: current.version + 1,
    oldPrice: current.price ?? 0,
    newPrice,
    currency: 'IDR',
    percentage: -5.5,
    isPriceDrop: true,
  };
  return { next: { ...current, price: newPrice, lastChange: change, version: current.version + 1 }, change };
}

propertyStoreContract('MemoryPropertyStore', () => new MemoryPropertyStore());

redisTest.describe('RedisPropertyStore', () => {
  propertyStoreContract('RedisPropertyStore', () => new RedisPropertyStore(node(freshPrefix())));
  // Appending the room's events changes nothing the store answers.
  propertyStoreContract('RedisPropertyStore appending room events', () => appending(node(freshPrefix())));

  it('appendsRoomEvents: a winning compare-and-set with a change appends its event in the same step, exactly as a publish writes it; a lost one or a registration appends nothing', async () => {
    const redis = node(`${prefix}events:`);
    const store = appending(redis);
    const registered = propertyState('p-1', 1, 5_500_000_000);
    expect(await store.compareAndSet('p-1', 0, registered)).toBe(true); // a registration: no change, no event
    const { next, change } = priceUpdate(registered, 5_197_500_000.75, 1_712_345_678_901.5);
    expect(await store.compareAndSet('p-1', 0, next, change)).toBe(false); // stale: nothing
    expect(await redis.readAfter('property:p-1', 0)).toEqual([]);
    expect(await store.compareAndSet('p-1', 1, next, change)).toBe(true);
    expect(await store.compareAndSet('p-1', 1, next, change)).toBe(false);
    const events = await roomEventsExactly(redis, 'property:p-1');
    const { type: _type, ...payload } = change;
    expect(events.map((e) => [e.seq, e.name, e.data])).toEqual([[1, 'property:price_updated', payload]]);
    expect(Math.abs(events[0]!.at - Date.now())).toBeLessThan(10_000);

    // Without appendsRoomEvents (the feature publishes): the room is left alone.
    const plain = new RedisPropertyStore(redis);
    const later = priceUpdate(next, 1, 2);
    expect(await plain.compareAndSet('p-1', 2, later.next, later.change)).toBe(true);
    expect(await redis.readAfter('property:p-1', 0)).toHaveLength(1);
  });

  it('appendsRoomEvents, two nodes, 200 concurrent read-modify-write updates: the room holds every version once, in version order', async () => {
    const own = `${prefix}event-race:`;
    const [a, b] = [appending(node(own)), appending(node(own))];
    await a.compareAndSet('hot', 0, propertyState('hot', 1, 1));
    const update = async (store: RedisPropertyStore, n: number) => {
      for (;;) {
        const current = (await store.get('hot'))!;
        const { next, change } = priceUpdate(current, 1000 + n, n);
        if (await store.compareAndSet('hot', current.version, next, change)) return change.version;
      }
    };
    const versions = await Promise.all(Array.from({ length: 200 }, (_, n) => update(n % 2 ? a : b, n)));
    expect([...versions].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    const events = await roomEventsExactly(b.redis, 'property:hot');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(events.map((e) => (e.data as { version: number }).version)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    // Each event is the update that wrote that version.
    const final = (await a.get('hot'))!;
    expect(final.version).toBe(201);
    const { type: _type, ...last } = final.lastChange!;
    expect(events[199]!.data).toEqual(last);
  });

  it('two nodes: exactly one compare-and-set wins per version, and no update is lost', async () => {
    const own = `${prefix}cas:`;
    const [a, b] = [new RedisPropertyStore(node(own)), new RedisPropertyStore(node(own))];
    // 30 rounds of 6 writers (3 per node) racing for the same version.
    for (let version = 0; version < 30; version++) {
      const wins = await Promise.all(Array.from({ length: 6 }, (_, w) => (w % 2 ? a : b).compareAndSet('race', version, { ...propertyState('race', version + 1), price: 1000 + w })));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = wins.indexOf(true);
      expect(await (version % 2 ? a : b).get('race')).toEqual({ ...propertyState('race', version + 1), price: 1000 + winner });
    }

    // 40 read-modify-write increments from both nodes at once, each retrying until its CAS lands.
    const increment = async (store: RedisPropertyStore, n: number) => {
      for (;;) {
        const current = (await store.get('counter')) ?? propertyState('counter', 0);
        const next = { ...current, version: current.version + 1, priceHistory: [...current.priceHistory, { price: n, at: n }] };
        if (await store.compareAndSet('counter', current.version, next)) return;
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, n) => increment(n % 2 ? a : b, n + 1)));
    const final = (await a.get('counter'))!;
    expect(final.version).toBe(40);
    expect(final.priceHistory.map((p) => p.price).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
  });

  it('two nodes watching at once: never more than maxPerUser, one `added` per pair, lists and watchers agree', async () => {
    const own = `${prefix}watch:`;
    const [a, b] = [new RedisPropertyStore(node(own)), new RedisPropertyStore(node(own))];
    const max = 20;
    const ids = Array.from({ length: 50 }, (_, i) => `p${i}`);
    // Every id watched twice, once from each node.
    const outcomes = await Promise.all(ids.flatMap((id) => [a.watch('u', id, max), b.watch('u', id, max)]));
    expect(outcomes.filter((o) => o === 'added')).toHaveLength(max);
    expect(outcomes.filter((o) => o === 'full').length + outcomes.filter((o) => o === 'already_watching').length).toBe(2 * ids.length - max);
    const watched = await b.watchlist('u');
    expect(watched).toHaveLength(max);
    expect(new Set(watched).size).toBe(max);
    for (const id of ids) expect(await a.watchers(id)).toEqual(watched.includes(id) ? ['u'] : []);

    // Concurrent unwatch/watch of one pair: exactly one of each succeeds.
    const [first] = watched;
    const removed = await Promise.all([a.unwatch('u', first!), b.unwatch('u', first!)]);
    expect(removed.filter(Boolean)).toHaveLength(1);
    expect(await a.watchers(first!)).toEqual([]);
    expect(await b.watchlist('u')).toEqual(watched.slice(1));

    // Many users watching one property from both nodes.
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).watch(`user${i}`, 'hot', 1)));
    expect((await b.watchers('hot')).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `user${i}`).sort());
  });

  it('a second node sees what the first wrote', async () => {
    const own = `${prefix}shared:`;
    const [a, b] = [new RedisPropertyStore(node(own)), new RedisPropertyStore(node(own))];
    await a.compareAndSet('p', 0, propertyState('p', 1, 5_500_000_000));
    await a.watch('u', 'p', 10);
    expect(await b.get('p')).toEqual(propertyState('p', 1, 5_500_000_000));
    expect(await b.compareAndSet('p', 0, propertyState('p', 1))).toBe(false);
    expect(await b.watch('u', 'p', 10)).toBe('already_watching');
    expect(await b.watchlist('u')).toEqual(['p']);
    expect(await b.watchers('p')).toEqual(['u']);
  });

  it('keeps its keys under the prefix, nothing expiring', async () => {
    const own = `${prefix}keys:`;
    const store = new RedisPropertyStore(node(own));
    await store.compareAndSet('p-1', 0, propertyState('p-1', 1));
    await store.watch('u', 'p-1', 10);
    const redis = new Redis(REDIS_URL);
    try {
      // The core's node liveness key (RedisStore nodeTtlMs) is not the property store's.
      const keys = (await redis.keys(`${own}*`)).filter((k) => !k.startsWith(`${own}node:`)).sort();
      expect(keys).toEqual(['property:user:{u}:watchlist', 'property:{p-1}', 'property:{p-1}:watchers'].map((k) => own + k));
      for (const key of keys) expect(await redis.pttl(key)).toBe(-1);
    } finally {
      redis.disconnect();
    }
  });

  it('rejects every method with `unavailable`, quickly, when Redis is unreachable', async () => {
    const down = redisTest.node({ url: 'redis://127.0.0.1:1', redis: { retryStrategy: () => null } });
    const store = new RedisPropertyStore(down);
    const started = Date.now();
    const calls: Array<() => Promise<unknown>> = [
      () => store.get('p'),
      () => store.compareAndSet('p', 0, propertyState('p', 1)),
      () => store.watch('u', 'p', 10),
      () => store.unwatch('u', 'p'),
      () => store.watchlist('u'),
      () => store.watchers('p'),
    ];
    for (const call of calls) await expect(call()).rejects.toMatchObject({ name: 'SinyalServerError', code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
