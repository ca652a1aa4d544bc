import { describe, expect, it, vi } from 'vitest';
import { redisTestScope } from '../../../test-utils/redis';
import type { RedisStore } from '../src/redis/redisStore';
import { MemoryAuctionStore } from '../src/features/auction/memoryAuctionStore';
import { RedisAuctionStore } from '../src/features/auction/redisAuctionStore';
import { expiringMember } from '../src/redis/expiringMembers';
import { SinyalServerError } from '../src/errors';
import { runInCommandScope } from '../src/commands/commandScope';
import { auctionFeature } from '../src/features/auction';
import { createServer } from '../src/server';
import { auctionStoreContract, config, limits } from './auctionStoreContract';
import { RawClient, SECRET } from './helpers';

describe('MemoryAuctionStore', () => {
  auctionStoreContract(async () => new MemoryAuctionStore());
});

const redisTest = await redisTestScope();

redisTest.describe('RedisAuctionStore', () => {
  /** A RedisStore (= one node's connection) on `prefix`, closed after the test. */
  const node = (prefix: string) => redisTest.node({ prefix });
  const fresh = redisTest.freshPrefix;

  describe('contract', () => {
    auctionStoreContract(async () => new RedisAuctionStore(node(fresh())));
  });

  it('appends new_bid, time_extended, auction_ended and started to the room stream in the decision step', async () => {
    const redis = node(fresh());
    const store = new RedisAuctionStore(redis);
    store.appendsRoomEvents(100);
    await store.create(config, 0);
    expect(await store.markStarted('a1')).toBe(true);
    await store.placeBid({ auctionId: 'a1', userId: 'ann', amount: 1000, now: 2000, ...limits });
    const late = await store.placeBid({ auctionId: 'a1', userId: 'bob', amount: 1100, now: 9500, ...limits });
    expect(late).toMatchObject({ accepted: true, extendedTo: 11_500 });
    await store.placeBid({ auctionId: 'a1', userId: 'eve', amount: 1, now: 9600, ...limits }); // refused: nothing appended
    await store.endAuction('a1', 11_500);
    const events = await redis.readAfter('auction:a1', 0);
    if (events === 'truncated') throw new Error('truncated');
    expect(events.map((e) => [e.seq, e.name])).toEqual([
      [1, 'auction:started'],
      [2, 'auction:new_bid'],
      [3, 'auction:new_bid'],
      [4, 'auction:time_extended'],
      [5, 'auction:auction_ended'],
    ]);
    expect(events[0]!.data).toEqual({ auctionId: 'a1', startsAt: 1000, endsAt: 10_000 });
    expect(events[2]!.data).toEqual({ bidId: 'a1.2', auctionId: 'a1', seq: 2, amount: 1100, bidderNumber: 2, at: 9500, minNextBid: 1200 });
    expect(events[3]!.data).toEqual({ auctionId: 'a1', endsAt: 11_500, previousEndsAt: 10_000, reason: 'late_bid', bidId: 'a1.2' });
    expect(events[4]!.data).toEqual({ auctionId: 'a1', winner: 2, finalPrice: 1100, bidCount: 2, endedAt: 11_500 });
  });

  it('two nodes racing: one winner per amount, seqs 1..N, and the room holds the bids in seq order', async () => {
    const prefix = fresh();
    const stores = [new RedisAuctionStore(node(prefix)), new RedisAuctionStore(node(prefix))];
    for (const store of stores) store.appendsRoomEvents(1000);
    await stores[0]!.create({ ...config, endsAt: 1_000_000 }, 0);
    const bidders = Array.from({ length: 20 }, (_, i) => ({ userId: `u${i}`, store: stores[i % 2]! }));
    // Same amount from everyone at once: exactly one acceptance.
    const same = await Promise.all(bidders.map(({ userId, store }) => store.placeBid({ auctionId: 'a1', userId, amount: 1000, now: 2000, ...limits })));
    expect(same.filter((o) => o?.accepted)).toHaveLength(1);
    // Then rising amounts, in parallel rounds from both nodes.
    for (let round = 1; round <= 5; round++) {
      await Promise.all(
        bidders.map(({ userId, store }, i) => store.placeBid({ auctionId: 'a1', userId, amount: 1000 + round * 10_000 + i * 100, now: 2000 + round, ...limits })),
      );
    }
    const record = (await stores[1]!.get('a1', 1000))!;
    expect(record.recentBids.map((b) => b.seq)).toEqual(Array.from({ length: record.bidCount }, (_, i) => i + 1));
    const amounts = record.recentBids.map((b) => b.amount);
    expect(amounts).toEqual([...amounts].sort((a, b) => a - b));
    const events = await stores[0]!.redis.readAfter('auction:a1', 0);
    if (events === 'truncated') throw new Error('truncated');
    expect(events.map((e) => (e.data as { seq: number }).seq)).toEqual(record.recentBids.map((b) => b.seq));
    // Bidder numbers: one per bidder with an accepted bid, none shared, numbered 1..K.
    const numbers = (await Promise.all(bidders.map(({ userId }) => stores[0]!.bidderNumber('a1', userId, false)))).filter((n) => n !== null);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    expect(new Set(record.recentBids.map((b) => b.bidderNumber))).toEqual(new Set(numbers));
    // Closing from both nodes at once: one `ended`.
    const ends = await Promise.all(stores.map((store) => store.endAuction('a1', 1_000_000)));
    expect(ends.map((e) => e?.outcome).sort()).toEqual(['already_ended', 'ended']);
  });

  it("a node that dies without leaving stops counting once its presence expires", async () => {
    const prefix = fresh();
    const alive = new RedisAuctionStore(node(prefix), { presenceTtlMs: 300 });
    const dying = new RedisAuctionStore(node(prefix), { presenceTtlMs: 300 });
    await alive.create(config, 0);
    await alive.addPresence('a1', 'ann', 's1');
    expect(await dying.addPresence('a1', 'bob', 's2')).toBe(2);
    await dying.close(); // stops refreshing, as a killed node would; its entries stay in Redis
    const deadline = Date.now() + 5000;
    while ((await alive.activeBidders('a1')) !== 1) {
      if (Date.now() > deadline) throw new Error('the dead node\'s presence never expired');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The live node keeps refreshing its own: ann is still present well past one TTL.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await alive.activeBidders('a1')).toBe(1);
    expect(await alive.activeBidders('a1', 'bob')).toBe(2);
    await alive.close();
  });

  it("presence expires on Redis's clock: a node whose clock runs an hour ahead purges no live bidder of another node", async () => {
    const prefix = fresh();
    const [ahead, other] = [new RedisAuctionStore(node(prefix)), new RedisAuctionStore(node(prefix))];
    await other.create(config, 0);
    expect(await other.addPresence('a1', 'ann', 's1')).toBe(1);
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_600_000);
    try {
      expect(await ahead.addPresence('a1', 'bob', 's2')).toBe(2);
      expect(await ahead.activeBidders('a1')).toBe(2);
    } finally {
      vi.restoreAllMocks();
      await Promise.all([ahead.close(), other.close()]);
    }
  });

  it("the room's presence keys expire 2 × presenceTtlMs after the last join or refresh", async () => {
    const prefix = fresh();
    const store = new RedisAuctionStore(node(prefix), { presenceTtlMs: 60_000 });
    await store.create(config, 0);
    await store.addPresence('a1', 'ann', 's1');
    const client = await store.redis.connection.get();
    for (const key of [`${prefix}auction:{auction:a1}:presence`, `${prefix}auction:{auction:a1}:presence:users`]) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    }
    expect(await client.pttl(`${prefix}auction:{auction:a1}`)).toBe(-1); // the auction itself does not expire
    await store.close();
  });

  it('a node dying after accepting a bid: the retry on another node gets the same acceptance, not a second decision', async () => {
    const prefix = fresh();
    const [redisA, redisB] = [redisTest.node({ prefix, commandLeaseMs: 100 }), redisTest.node({ prefix, commandLeaseMs: 100 })];
    const a = new RedisAuctionStore(redisA);
    a.appendsRoomEvents(100);
    await a.create(config, 0);
    const claim = await redisA.claimCommand('bid-1');
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    const outcome = await runInCommandScope({ key: 'bid-1', token: claim.token, windowMs: 60_000 }, () =>
      a.placeBid({ auctionId: 'a1', userId: 'ann', amount: 1000, now: 2000, ...limits }),
    );
    // Also an outbid-style append in the same command: the first effect (the bid) is what is kept.
    await runInCommandScope({ key: 'bid-1', token: claim.token, windowMs: 60_000 }, () => redisA.append('user:bob', { name: 'auction:outbid', data: {}, at: 1 }, 10));
    // …node A dies here, before saving the outcome.
    expect(await redisB.claimCommand('bid-1')).toEqual({ status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await redisB.claimCommand('bid-1')).toEqual({ status: 'done', outcome: { ok: true, data: { accepted: true, bid: outcome && outcome.accepted ? outcome.bid : null } } });
  });

  it('a node presumed dead (its claim taken over) cannot decide the bid any more: FENCED, nothing decided', async () => {
    const prefix = fresh();
    const [redisA, redisB] = [redisTest.node({ prefix, nodeTtlMs: 300 }), redisTest.node({ prefix, nodeTtlMs: 300 })];
    const a = new RedisAuctionStore(redisA);
    a.appendsRoomEvents(100);
    await a.create(config, 0);
    const claim = await redisA.claimCommand('bid-f');
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    // Node A stalls: its liveness key expires and B takes the command over.
    await redisA.close();
    const live = node(prefix);
    await vi.waitFor(async () => expect((await redisB.claimCommand('bid-f')).status).toBe('claimed'), { timeout: 2000, interval: 50 });
    const stale = new RedisAuctionStore(live);
    stale.appendsRoomEvents(100);
    await expect(
      runInCommandScope({ key: 'bid-f', token: claim.token, windowMs: 60_000 }, () => stale.placeBid({ auctionId: 'a1', userId: 'ann', amount: 1000, now: 2000, ...limits })),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(await stale.audit('a1')).toEqual([]);
  });

  it('the feature refuses to start when the server does not use the same RedisStore, and frees its port', async () => {
    const store = new RedisAuctionStore(node(fresh()));
    const feature = auctionFeature({ store, onError: () => {} });
    const error = await createServer({ port: 0, auth: { secret: 'x'.repeat(32) }, logger: null, features: [feature] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/same RedisStore/);
  });

  it("a live node re-adds its sessions that another node purged (it was cut off longer than the TTL)", async () => {
    const prefix = fresh();
    const redis = node(prefix);
    const store = new RedisAuctionStore(redis, { presenceTtlMs: 300 });
    await store.create(config, 0);
    expect(await store.addPresence('a1', 'ann', 's1')).toBe(1);
    // What another node's purge does to entries whose refresh did not come in time.
    const client = await redis.connection.get();
    await client.zrem(`${prefix}auction:{auction:a1}:presence`, expiringMember('ann', 's1'));
    await client.hdel(`${prefix}auction:{auction:a1}:presence:users`, 'ann');
    expect(await store.activeBidders('a1')).toBe(0);
    const deadline = Date.now() + 5000;
    while ((await store.activeBidders('a1')) !== 1) {
      if (Date.now() > deadline) throw new Error('the purged session was never re-added');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await store.removePresence('a1', 'ann', 's1')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 250)); // a refresh after the leave re-adds nothing
    expect(await store.activeBidders('a1')).toBe(0);
    await store.close();
  });

  it("the feature re-announces auction:bidders to a node's own members once a dead node's bidders expired", async () => {
    const prefix = fresh();
    const start = async (redis: RedisStore) => {
      const feature = auctionFeature({ store: new RedisAuctionStore(redis, { presenceTtlMs: 500 }), biddersCoalesceMs: 20, onError: () => {} });
      const server = redisTest.closeAfter(await createServer({ port: 0, auth: { secret: SECRET }, logger: null, store: redis, features: [feature] }));
      return { feature, server };
    };
    const a = await start(node(prefix));
    const bRedis = node(prefix); // node b's only Redis connection: cut below to "kill" it
    const b = await start(bRedis);
    await a.feature.createAuction({ id: 'kill', startingPrice: 100, increment: 10, startsAt: Date.now(), endsAt: Date.now() + 600_000 });
    const alice = redisTest.closeAfter(await RawClient.ready(a.server, 'alice'));
    const bob = redisTest.closeAfter(await RawClient.ready(b.server, 'bob'));
    alice.send({ t: 'join', id: 'j1', room: 'auction:kill' });
    await alice.next('joined');
    bob.send({ t: 'join', id: 'j2', room: 'auction:kill' });
    await bob.next('joined');
    const counts = () => alice.log.flatMap((f) => (f.t === 'event' && f.name === 'auction:bidders' ? [(f.data as { count: number }).count] : []));
    await vi.waitFor(() => expect(counts()).toContain(2), { timeout: 5000, interval: 20 });

    // Node b dies without a word: nothing it had is removed or refreshed any more, and it sends nothing.
    bRedis.connection.client.disconnect();
    await vi.waitFor(() => expect(counts().at(-1)).toBe(1), { timeout: 10_000, interval: 50 });
  });

  it('Redis unreachable: every call fails fast with a typed unavailable error', async () => {
    const redis = redisTest.node({ url: 'redis://127.0.0.1:1', redis: { retryStrategy: () => null } });
    const store = new RedisAuctionStore(redis);
    const error = await store.placeBid({ auctionId: 'a1', userId: 'u', amount: 1, now: 1, ...limits }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinyalServerError);
    expect((error as SinyalServerError).code).toBe('unavailable');
    await expect(store.get('a1', 1)).rejects.toMatchObject({ code: 'unavailable' });
  });
});
