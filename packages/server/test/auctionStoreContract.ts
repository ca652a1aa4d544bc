// The behaviour every AuctionStore must have, run against the memory store and the Redis
// store (auctionStores.test.ts), so the Lua port of the rules stays equal to rules.ts.
import { describe, expect, it } from 'vitest';
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
      userId: 'ann "a"',
      autoBids: { proxyBid: null, exhausted: [] },
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

  describe('auto-bids', () => {
    const set = (store: AuctionStore, userId: string, max: number, now: number) => store.setAutoBid({ auctionId: 'a1', userId, max, now, ...limits });
    const bid = (store: AuctionStore, userId: string, amount: number, now: number) => store.placeBid({ auctionId: 'a1', userId, amount, now, ...limits });

    it('bids for the setter at once, answers a manual bid in the same step, and stops at the maximum', async () => {
      const store = await storeWithAuction(make);
      const first = await set(store, 'ann', 1500, 2000);
      expect(first).toMatchObject({ accepted: true, autoBid: { max: 1500, active: true }, autoBids: { proxyBid: { userId: 'ann', bid: { seq: 1, amount: 1000, auto: true }, previousLeader: null, minNextBid: 1100 }, exhausted: [] } });
      const manual = await bid(store, 'bob', 1100, 2001);
      expect(manual).toMatchObject({
        accepted: true,
        userId: 'bob',
        bid: { seq: 2, amount: 1100 },
        previousLeader: { userId: 'ann', amount: 1000 },
        autoBids: { proxyBid: { userId: 'ann', bid: { seq: 3, amount: 1200, auto: true }, previousLeader: { userId: 'bob', amount: 1100 }, minNextBid: 1300 }, exhausted: [] },
      });
      expect(manual && manual.accepted && 'auto' in manual.bid).toBe(false);
      // Equal to ann's maximum: ann cannot answer (1600 would pass it); her auto-bid is passed.
      const past = await bid(store, 'bob', 1500, 2002);
      expect(past).toMatchObject({ accepted: true, bid: { seq: 4, amount: 1500 }, autoBids: { proxyBid: null, exhausted: [{ userId: 'ann', max: 1500 }] } });
      expect(await store.autoBidOf('a1', 'ann')).toEqual({ max: 1500, active: false });
      expect(await store.autoBidOf('a1', 'bob')).toBeNull();
      expect((await store.get('a1', 0))!.leader).toMatchObject({ userId: 'bob', amount: 1500 });
      expect(await store.audit('a1')).toEqual([
        { at: 2000, userId: 'ann', bidderNumber: null, amount: 1500, result: 'accepted', action: 'auto_bid_set' },
        { at: 2000, userId: 'ann', bidderNumber: 1, amount: 1000, result: 'accepted', bidId: 'a1.1', auto: true },
        { at: 2001, userId: 'bob', bidderNumber: 2, amount: 1100, result: 'accepted', bidId: 'a1.2' },
        { at: 2001, userId: 'ann', bidderNumber: 1, amount: 1200, result: 'accepted', bidId: 'a1.3', auto: true },
        { at: 2002, userId: 'bob', bidderNumber: 2, amount: 1500, result: 'accepted', bidId: 'a1.4' },
      ]);
    });

    it('two auto-bidders: the higher maximum wins at the second maximum plus one increment; ties go to the earlier maximum', async () => {
      const store = await storeWithAuction(make);
      await bid(store, 'bob', 1500, 2000);
      // cat reaches 2000 against bob's standing 1500: one increment over it.
      expect(await set(store, 'cat', 2000, 2001)).toMatchObject({ accepted: true, autoBids: { proxyBid: { userId: 'cat', bid: { amount: 1600 } } } });
      // dan reaches 2500 against cat's 2000: 2100, and cat's maximum is passed.
      expect(await set(store, 'dan', 2500, 2002)).toMatchObject({
        accepted: true,
        autoBid: { max: 2500, active: true },
        autoBids: { proxyBid: { userId: 'dan', bid: { amount: 2100 }, previousLeader: { userId: 'cat', amount: 1600 } }, exhausted: [{ userId: 'cat', max: 2000 }] },
      });
      expect(await set(store, 'eve', 3000, 2003)).toMatchObject({ autoBids: { proxyBid: { userId: 'eve', bid: { amount: 2600 } }, exhausted: [{ userId: 'dan', max: 2500 }] } });
      // fay sets the same maximum later: eve's earlier one wins, at that maximum, and fay's is passed at once.
      const tie = await set(store, 'fay', 3000, 2004);
      expect(tie).toMatchObject({
        accepted: true,
        autoBid: { max: 3000, active: false },
        autoBids: { proxyBid: { userId: 'eve', bid: { amount: 3000, auto: true }, previousLeader: { userId: 'eve', amount: 2600 } }, exhausted: [{ userId: 'fay', max: 3000 }] },
      });
      const record = (await store.get('a1', 10))!;
      expect(record.leader).toMatchObject({ userId: 'eve', amount: 3000 });
      expect(record.recentBids.map((b) => [b.amount, b.auto ?? false])).toEqual([
        [1500, false],
        [1600, true],
        [2100, true],
        [2600, true],
        [3000, true],
      ]);
      // Raising a passed maximum makes it a contender again, once it reaches the minimum next bid.
      expect(await set(store, 'dan', 3050, 2005)).toMatchObject({ accepted: false, reason: 'too_low', minNextBid: 3100 });
      expect(await set(store, 'dan', 3100, 2006)).toMatchObject({ accepted: true, autoBid: { max: 3100, active: true }, autoBids: { proxyBid: { userId: 'dan', bid: { amount: 3100 } }, exhausted: [{ userId: 'eve', max: 3000 }] } });
    });

    it('refuses a maximum below the minimum next bid, outside the auction, malformed or over the rate limit; cancels', async () => {
      const store = await storeWithAuction(make);
      await bid(store, 'bob', 1500, 2000);
      expect(await set(store, 'ann', 1550, 2001)).toMatchObject({ accepted: false, reason: 'too_low', minNextBid: 1600 });
      expect(await set(store, 'ann', 15.5, 2002)).toMatchObject({ accepted: false, reason: 'invalid' });
      expect(await set(store, 'ann', 5000, 500)).toMatchObject({ accepted: false, reason: 'not_started' });
      expect(await store.setAutoBid({ auctionId: 'nope', userId: 'ann', max: 5000, now: 2000, ...limits })).toBeUndefined();
      const tight = { rateLimit: { maxBids: 1, windowMs: 1000 }, auditLimit: 100 };
      expect(await store.setAutoBid({ auctionId: 'a1', userId: 'zed', max: 5000, now: 2003, ...tight })).toMatchObject({ accepted: true });
      expect(await store.setAutoBid({ auctionId: 'a1', userId: 'zed', max: 6000, now: 2004, ...tight })).toMatchObject({ accepted: false, reason: 'rate_limited', retryAfterMs: 999 });
      expect(await store.autoBidOf('a1', 'zed')).toEqual({ max: 5000, active: true });
      expect(await store.cancelAutoBid('a1', 'zed', 2005, 100)).toEqual({ cancelled: true, trimmed: 0 });
      expect(await store.cancelAutoBid('a1', 'zed', 2006, 100)).toEqual({ cancelled: false, trimmed: 0 });
      expect(await store.cancelAutoBid('nope', 'zed', 2006, 100)).toBeUndefined();
      expect(await store.autoBidOf('a1', 'zed')).toBeNull();
      // A cancelled auto-bid no longer answers; the bids it placed stay.
      expect(await bid(store, 'bob', 1700, 2007)).toMatchObject({ accepted: true, autoBids: { proxyBid: null, exhausted: [] } });
      const audit = await store.audit('a1');
      expect(audit.filter((entry) => entry.action !== undefined).map((entry) => [entry.userId, entry.action, entry.result, entry.reason ?? null, entry.amount])).toEqual([
        ['ann', 'auto_bid_set', 'rejected', 'too_low', 1550],
        ['ann', 'auto_bid_set', 'rejected', 'invalid', 15.5],
        ['ann', 'auto_bid_set', 'rejected', 'not_started', 5000],
        ['zed', 'auto_bid_set', 'accepted', null, 5000],
        ['zed', 'auto_bid_cancel', 'accepted', null, null],
      ]);
      expect(await set(store, 'ann', 9000, 10_000)).toMatchObject({ accepted: false, reason: 'ended' });
    });

    it('a proxy bid near the end extends it; the end turns every auto-bid inactive', async () => {
      const store = await storeWithAuction(make);
      await set(store, 'ann', 5000, 2000);
      const late = await bid(store, 'bob', 1100, 9600);
      expect(late).toMatchObject({ accepted: true, extendedTo: 11_600, autoBids: { proxyBid: { userId: 'ann', bid: { amount: 1200 }, extendedTo: null, previousEndsAt: 11_600 } } });
      expect(await store.endAuction('a1', 11_600)).toMatchObject({ outcome: 'ended', winner: { userId: 'ann', amount: 1200 } });
      expect(await store.autoBidOf('a1', 'ann')).toEqual({ max: 5000, active: false });
    });
  });
}
