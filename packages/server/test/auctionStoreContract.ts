// The behaviour every AuctionStore must have, run against the memory store and the Redis
// store (auctionStores.test.ts), so the Lua port of the rules stays equal to rules.ts.
import { expect, it } from 'vitest';
import type { AuctionConfig, AuctionStore } from '../src/features/auction/store';

export const config: AuctionConfig = { id: 'a1', startingPrice: 1000, increment: 100, startsAt: 1000, endsAt: 10_000, extendWithinMs: 1000, extendByMs: 2000 };
export const rateLimit = { maxBids: 100, windowMs: 1000 };
/** What every placeBid of the contract passes: a lax rate limit and a large audit cap. */
export const limits = { rateLimit, auditLimit: 10_000 };

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
    expect(await store.placeBid({ auctionId: 'nope', userId: 'u', amount: 1000, now: 2000, ...limits })).toBeUndefined();
  });

  it('concurrent bids of the same amount: exactly one wins, seqs follow acceptance order', async () => {
    const store = await storeWithAuction(make);
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const outcomes = await Promise.all(users.map((userId) => store.placeBid({ auctionId: 'a1', userId, amount: 1000, now: 2000, ...limits })));
    expect(outcomes.filter((o) => o?.accepted)).toHaveLength(1);
    expect(outcomes.filter((o) => o && !o.accepted && o.reason === 'too_low')).toHaveLength(19);
    const second = await store.placeBid({ auctionId: 'a1', userId: 'u5', amount: 1100, now: 2001, ...limits });
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
    const outcome = await store.placeBid({ auctionId: 'a1', userId: 'z', amount: 1000, now: 2000, ...limits });
    expect(outcome).toMatchObject({ accepted: true, bid: { bidderNumber: 3 } });
  });

  it('a late bid extends the end; the end happens exactly once and only when due', async () => {
    const store = await storeWithAuction(make);
    const late = await store.placeBid({ auctionId: 'a1', userId: 'u', amount: 1000, now: 9500, ...limits });
    expect(late).toMatchObject({ accepted: true, extendedTo: 11_500, previousEndsAt: 10_000 });
    expect(await store.endAuction('a1', 10_000)).toEqual({ outcome: 'not_due', endsAt: 11_500 });
    const ends = await Promise.all([store.endAuction('a1', 11_500), store.endAuction('a1', 11_600)]);
    expect(ends.map((e) => e?.outcome).sort()).toEqual(['already_ended', 'ended']);
    expect(ends.find((e) => e?.outcome === 'ended')).toMatchObject({ winner: { userId: 'u', amount: 1000 }, bidCount: 1 });
    expect(await store.placeBid({ auctionId: 'a1', userId: 'v', amount: 5000, now: 11_000, ...limits })).toMatchObject({ accepted: false, reason: 'ended' });
    expect(await store.listOpen()).toEqual([]);
  });

  it('rate limits per bidder; attempts over the limit are neither counted nor audited, every other attempt is both', async () => {
    const store = await storeWithAuction(make);
    const limit = { maxBids: 2, windowMs: 1000 };
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.placeBid({ auctionId: 'a1', userId: 'spam', amount: 1000 + i * 100, now: 2000 + i, rateLimit: limit, auditLimit: limits.auditLimit }));
    expect(results.map((r) => (r?.accepted ? 'ok' : r?.reason))).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(results[2]).toMatchObject({ retryAfterMs: 998, trimmed: 0 }); // the first attempt (at 2000) leaves the window at 3000
    // Another bidder is not affected.
    expect(await store.placeBid({ auctionId: 'a1', userId: 'calm', amount: 1200, now: 2004, rateLimit: limit, auditLimit: limits.auditLimit })).toMatchObject({ accepted: true });
    // A malformed attempt counts like any other: the second one of 'bad' in the window is its last.
    const bad = { rateLimit: limit, auditLimit: limits.auditLimit };
    expect(await store.recordRejectedAttempt('a1', { userId: 'bad', amount: null, reason: 'invalid', at: 2005 }, bad)).toEqual({ recorded: true, trimmed: 0 });
    expect(await store.placeBid({ auctionId: 'a1', userId: 'bad', amount: 1, now: 2006, rateLimit: limit, auditLimit: limits.auditLimit })).toMatchObject({ reason: 'too_low' });
    expect(await store.recordRejectedAttempt('a1', { userId: 'bad', amount: null, reason: 'invalid', at: 2007 }, bad)).toEqual({ recorded: false, retryAfterMs: 998 });
    expect(await store.placeBid({ auctionId: 'a1', userId: 'bad', amount: 9000, now: 2008, rateLimit: limit, auditLimit: limits.auditLimit })).toMatchObject({ reason: 'rate_limited' });
    expect(await store.recordRejectedAttempt('unknown', { userId: 'bad', amount: null, reason: 'invalid', at: 2005 }, bad)).toBeUndefined();
    const audit = await store.audit('a1');
    expect(audit.map((e) => [e.userId, e.result, e.reason ?? null])).toEqual([
      ['spam', 'accepted', null],
      ['spam', 'accepted', null],
      ['calm', 'accepted', null],
      ['bad', 'rejected', 'invalid'],
      ['bad', 'rejected', 'too_low'],
    ]);
    expect(await store.placeBid({ auctionId: 'a1', userId: 'early', amount: 9999, now: 500, ...limits })).toMatchObject({ accepted: false, reason: 'not_started' });
  });

  it('attempts on an auction that has not started or has ended count against the rate limit too', async () => {
    const store = await storeWithAuction(make);
    const limit = { rateLimit: { maxBids: 2, windowMs: 1000 }, auditLimit: limits.auditLimit };
    const early = [];
    for (let i = 0; i < 3; i++) early.push(await store.placeBid({ auctionId: 'a1', userId: 'eager', amount: 1000, now: 500 + i, ...limit }));
    expect(early.map((r) => (r?.accepted ? 'ok' : r?.reason))).toEqual(['not_started', 'not_started', 'rate_limited']);
    expect((await store.endAuction('a1', 10_000))?.outcome).toBe('ended');
    const late = [];
    for (let i = 0; i < 3; i++) late.push(await store.placeBid({ auctionId: 'a1', userId: 'late', amount: 5000, now: 10_100 + i, ...limit }));
    expect(late.map((r) => (r?.accepted ? 'ok' : r?.reason))).toEqual(['ended', 'ended', 'rate_limited']);
    expect((await store.audit('a1')).map((e) => e.reason)).toEqual(['not_started', 'not_started', 'ended', 'ended']);
  });

  it('caps the audit trail at auditLimit entries (oldest dropped, reported as trimmed); the accepted bids stay complete', async () => {
    const store = await storeWithAuction(make);
    const capped = { rateLimit, auditLimit: 5 };
    const outcomes = [];
    for (let i = 0; i < 8; i++) outcomes.push(await store.placeBid({ auctionId: 'a1', userId: `u${i % 3}`, amount: 1000 + i * 100, now: 2000 + i, ...capped }));
    expect(outcomes.map((o) => o?.trimmed)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(await store.recordRejectedAttempt('a1', { userId: 'u9', amount: null, reason: 'invalid', at: 2010 }, capped)).toEqual({ recorded: true, trimmed: 1 });
    const audit = await store.audit('a1');
    expect(audit).toHaveLength(5);
    expect(audit.map((e) => e.bidId ?? e.reason)).toEqual(['a1.5', 'a1.6', 'a1.7', 'a1.8', 'invalid']);
    // Every accepted bid is still there, in order.
    const record = (await store.get('a1', 100))!;
    expect(record.bidCount).toBe(8);
    expect(record.recentBids.map((b) => b.bidId)).toEqual(Array.from({ length: 8 }, (_, i) => `a1.${i + 1}`));
    expect(record.leader).toMatchObject({ userId: 'u1', amount: 1700 });
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
    const first = await store.placeBid({ auctionId: big.id, userId: 'ann "a"', amount: 2_000_000_000_000, now: t0 + 10, ...limits });
    expect(first).toEqual({
      accepted: true,
      trimmed: 0,
      bid: { bidId: `${big.id}.1`, auctionId: big.id, seq: 1, amount: 2_000_000_000_000, bidderNumber: 1, at: t0 + 10 },
      previousLeader: null,
      extendedTo: null,
      previousEndsAt: t0 + 60_000,
      minNextBid: 2_000_050_000_000,
    });
    const late = await store.placeBid({ auctionId: big.id, userId: 'bob', amount: 2_000_050_000_000, now: t0 + 56_000, ...limits });
    expect(late).toMatchObject({ accepted: true, extendedTo: t0 + 63_000, previousEndsAt: t0 + 60_000, previousLeader: { userId: 'ann "a"', bidderNumber: 1, amount: 2_000_000_000_000, bidId: `${big.id}.1` } });
    expect(await store.placeBid({ auctionId: big.id, userId: 'bob', amount: 1.5, now: t0 + 56_001, ...limits })).toMatchObject({ accepted: false, reason: 'invalid' });
    await store.recordRejectedAttempt(big.id, { userId: 'eve', amount: null, reason: 'invalid', at: t0 + 56_002 }, limits);
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
      { at: t0 + 56_002, userId: 'eve', bidderNumber: null, amount: null, result: 'rejected', reason: 'invalid' },
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
