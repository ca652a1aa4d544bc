// The behaviour every AuctionStore must have, run against the memory store and the Redis
// store (auctionStores.test.ts), so the Lua port of the rules stays equal to rules.ts.
import { expect, it } from 'vitest';
import type { AuctionConfig, AuctionStore } from '../src/features/auction/store';

export const config: AuctionConfig = { id: 'a1', startingPrice: 1000, increment: 100, startsAt: 1000, endsAt: 10_000, extendWithinMs: 1000, extendByMs: 2000 };
export const rateLimit = { maxBids: 100, windowMs: 1000 };

async function storeWithAuction(make: () => Promise<AuctionStore>) {
  const store = await make();
  expect(await store.create(config, 0)).toBe(true);
  return store;
}

/** Registers the contract's tests (call inside a describe) for stores made by `make` (each call: an empty store). */
export function auctionStoreContract(make: () => Promise<AuctionStore>): void {
  it('refuses a duplicate id and returns copies', async () => {
    const store = await storeWithAuction(make);
    expect(await store.create({ ...config, startingPrice: 1 }, 0)).toBe(false);
    const record = (await store.get('a1', 10))!;
    record.endsAt = 0;
    expect((await store.get('a1', 10))!.endsAt).toBe(10_000);
    expect(await store.get('nope', 10)).toBeUndefined();
    expect(await store.placeBid({ auctionId: 'nope', userId: 'u', amount: 1000, now: 2000, rateLimit })).toBeUndefined();
  });

  it('concurrent bids of the same amount: exactly one wins, seqs follow acceptance order', async () => {
    const store = await storeWithAuction(make);
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const outcomes = await Promise.all(users.map((userId) => store.placeBid({ auctionId: 'a1', userId, amount: 1000, now: 2000, rateLimit })));
    expect(outcomes.filter((o) => o?.accepted)).toHaveLength(1);
    expect(outcomes.filter((o) => o && !o.accepted && o.reason === 'too_low')).toHaveLength(19);
    const second = await store.placeBid({ auctionId: 'a1', userId: 'u5', amount: 1100, now: 2001, rateLimit });
    expect(second).toMatchObject({ accepted: true, bid: { seq: 2, amount: 1100 }, previousLeader: { userId: 'u0', amount: 1000 }, minNextBid: 1200 });
    expect(await store.highestBidOf('a1', 'u5')).toBe(1100);
    expect((await store.audit('a1')).length).toBe(21);
  });

  it('bidder numbers are stable per user and assigned in order', async () => {
    const store = await storeWithAuction(make);
    expect(await store.bidderNumber('a1', 'x', false)).toBeNull();
    expect(await store.bidderNumber('a1', 'x', true)).toBe(1);
    expect(await store.bidderNumber('a1', 'y', true)).toBe(2);
    expect(await store.bidderNumber('a1', 'x', true)).toBe(1);
    const outcome = await store.placeBid({ auctionId: 'a1', userId: 'z', amount: 1000, now: 2000, rateLimit });
    expect(outcome).toMatchObject({ accepted: true, bid: { bidderNumber: 3 } });
  });

  it('a late bid extends the end; the end happens exactly once and only when due', async () => {
    const store = await storeWithAuction(make);
    const late = await store.placeBid({ auctionId: 'a1', userId: 'u', amount: 1000, now: 9500, rateLimit });
    expect(late).toMatchObject({ accepted: true, extendedTo: 11_500, previousEndsAt: 10_000 });
    expect(await store.endAuction('a1', 10_000)).toEqual({ outcome: 'not_due', endsAt: 11_500 });
    const ends = await Promise.all([store.endAuction('a1', 11_500), store.endAuction('a1', 11_600)]);
    expect(ends.map((e) => e?.outcome).sort()).toEqual(['already_ended', 'ended']);
    expect(ends.find((e) => e?.outcome === 'ended')).toMatchObject({ winner: { userId: 'u', amount: 1000 }, bidCount: 1 });
    expect(await store.placeBid({ auctionId: 'a1', userId: 'v', amount: 5000, now: 11_000, rateLimit })).toMatchObject({ accepted: false, reason: 'ended' });
    expect(await store.listOpen()).toEqual([]);
  });

  it('rate limits per bidder and audits every attempt with its reason', async () => {
    const store = await storeWithAuction(make);
    const limit = { maxBids: 2, windowMs: 1000 };
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.placeBid({ auctionId: 'a1', userId: 'spam', amount: 1000 + i * 100, now: 2000 + i, rateLimit: limit }));
    expect(results.map((r) => (r?.accepted ? 'ok' : r?.reason))).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(results[2]).toMatchObject({ retryAfterMs: 998 }); // the first attempt (at 2000) leaves the window at 3000
    // Another bidder is not affected.
    expect(await store.placeBid({ auctionId: 'a1', userId: 'calm', amount: 1200, now: 2004, rateLimit: limit })).toMatchObject({ accepted: true });
    await store.recordRejectedAttempt('a1', { userId: 'bad', amount: null, reason: 'invalid', at: 2005 });
    await store.recordRejectedAttempt('unknown', { userId: 'bad', amount: null, reason: 'invalid', at: 2005 });
    const audit = await store.audit('a1');
    expect(audit.map((e) => [e.userId, e.result, e.reason ?? null])).toEqual([
      ['spam', 'accepted', null],
      ['spam', 'accepted', null],
      ['spam', 'rejected', 'rate_limited'],
      ['spam', 'rejected', 'rate_limited'],
      ['calm', 'accepted', null],
      ['bad', 'rejected', 'invalid'],
    ]);
    expect(await store.placeBid({ auctionId: 'a1', userId: 'early', amount: 9999, now: 500, rateLimit })).toMatchObject({ accepted: false, reason: 'not_started' });
  });

  it('counts distinct users present, across their sessions', async () => {
    const store = await storeWithAuction(make);
    expect(await store.addPresence('a1', 'u', 's1')).toBe(1);
    expect(await store.addPresence('a1', 'u', 's2')).toBe(1);
    expect(await store.addPresence('a1', 'v', 's3')).toBe(2);
    expect(await store.activeBidders('a1', 'w')).toBe(3);
    expect(await store.activeBidders('a1', 'u')).toBe(2);
    expect(await store.removePresence('a1', 'u', 's1')).toBe(2);
    expect(await store.removePresence('a1', 'u', 's2')).toBe(1);
  });

  it('keeps large prices and real timestamps exact, and returns the same record shape', async () => {
    const store = await make();
    const t0 = 1_764_000_000_123;
    const big: AuctionConfig = { id: 'villa/ü "1"', startingPrice: 2_000_000_000_000, increment: 50_000_000, startsAt: t0, endsAt: t0 + 60_000, extendWithinMs: 5000, extendByMs: 7000 };
    expect(await store.create(big, t0 - 1)).toBe(true);
    const first = await store.placeBid({ auctionId: big.id, userId: 'ann "a"', amount: 2_000_000_000_000, now: t0 + 10, rateLimit });
    expect(first).toEqual({
      accepted: true,
      bid: { bidId: `${big.id}.1`, auctionId: big.id, seq: 1, amount: 2_000_000_000_000, bidderNumber: 1, at: t0 + 10 },
      previousLeader: null,
      extendedTo: null,
      previousEndsAt: t0 + 60_000,
      minNextBid: 2_000_050_000_000,
    });
    const late = await store.placeBid({ auctionId: big.id, userId: 'bob', amount: 2_000_050_000_000, now: t0 + 56_000, rateLimit });
    expect(late).toMatchObject({ accepted: true, extendedTo: t0 + 63_000, previousEndsAt: t0 + 60_000, previousLeader: { userId: 'ann "a"', bidderNumber: 1, amount: 2_000_000_000_000, bidId: `${big.id}.1` } });
    expect(await store.placeBid({ auctionId: big.id, userId: 'bob', amount: 1.5, now: t0 + 56_001, rateLimit })).toMatchObject({ accepted: false, reason: 'invalid' });
    await store.recordRejectedAttempt(big.id, { userId: 'eve', amount: null, reason: 'forbidden', at: t0 + 56_002 });
    expect(await store.get(big.id, 1)).toEqual({
      ...big,
      endsAt: t0 + 63_000,
      createdAt: t0 - 1,
      started: false,
      ended: false,
      endedAt: null,
      bidCount: 2,
      leader: { userId: 'bob', bidderNumber: 2, amount: 2_000_050_000_000, bidId: `${big.id}.2` },
      recentBids: [{ bidId: `${big.id}.2`, auctionId: big.id, seq: 2, amount: 2_000_050_000_000, bidderNumber: 2, at: t0 + 56_000 }],
    });
    expect((await store.get(big.id, 0))!.recentBids).toEqual([]);
    expect(await store.audit(big.id)).toEqual([
      { at: t0 + 10, userId: 'ann "a"', bidderNumber: 1, amount: 2_000_000_000_000, result: 'accepted', bidId: `${big.id}.1` },
      { at: t0 + 56_000, userId: 'bob', bidderNumber: 2, amount: 2_000_050_000_000, result: 'accepted', bidId: `${big.id}.2` },
      { at: t0 + 56_001, userId: 'bob', bidderNumber: 2, amount: 1.5, result: 'rejected', reason: 'invalid' },
      { at: t0 + 56_002, userId: 'eve', bidderNumber: null, amount: null, result: 'rejected', reason: 'forbidden' },
    ]);
    expect(await store.highestBidOf(big.id, 'bob')).toBe(2_000_050_000_000);
    expect(await store.highestBidOf(big.id, 'eve')).toBeNull();
    expect(await store.markStarted(big.id)).toBe(true);
    expect(await store.markStarted(big.id)).toBe(false);
    expect(await store.listOpen()).toEqual([big.id]);
    expect(await store.endAuction(big.id, t0 + 63_000)).toEqual({
      outcome: 'ended',
      winner: { userId: 'bob', bidderNumber: 2, amount: 2_000_050_000_000, bidId: `${big.id}.2` },
      bidCount: 2,
      endedAt: t0 + 63_000,
    });
    expect(await store.get(big.id, 0)).toMatchObject({ started: true, ended: true, endedAt: t0 + 63_000 });
    expect(await store.listOpen()).toEqual([]);
    expect(await store.endAuction('nope', t0)).toBeUndefined();
    expect(await store.markStarted('nope')).toBe(false);
    expect(await store.bidderNumber('nope', 'x', true)).toBeNull();
  });
}
