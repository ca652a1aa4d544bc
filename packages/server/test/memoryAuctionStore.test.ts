import { describe, expect, it } from 'vitest';
import { BidSequencer } from '../src/features/auction/bidSequencer';
import { MemoryAuctionStore } from '../src/features/auction/memoryAuctionStore';
import type { AuctionConfig } from '../src/features/auction/store';

const config: AuctionConfig = { id: 'a1', startingPrice: 1000, increment: 100, startsAt: 1000, endsAt: 10_000, extendWithinMs: 1000, extendByMs: 2000 };
const rateLimit = { maxBids: 100, windowMs: 1000 };

async function storeWithAuction() {
  const store = new MemoryAuctionStore();
  expect(await store.create(config, 0)).toBe(true);
  return store;
}

describe('MemoryAuctionStore', () => {
  it('refuses a duplicate id and returns copies', async () => {
    const store = await storeWithAuction();
    expect(await store.create({ ...config, startingPrice: 1 }, 0)).toBe(false);
    const record = (await store.get('a1', 10))!;
    record.endsAt = 0;
    expect((await store.get('a1', 10))!.endsAt).toBe(10_000);
    expect(await store.get('nope', 10)).toBeUndefined();
    expect(await store.placeBid({ auctionId: 'nope', userId: 'u', amount: 1000, now: 2000, rateLimit })).toBeUndefined();
  });

  it('concurrent bids of the same amount: exactly one wins, seqs follow acceptance order', async () => {
    const store = await storeWithAuction();
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
    const store = await storeWithAuction();
    expect(await store.bidderNumber('a1', 'x', false)).toBeNull();
    expect(await store.bidderNumber('a1', 'x', true)).toBe(1);
    expect(await store.bidderNumber('a1', 'y', true)).toBe(2);
    expect(await store.bidderNumber('a1', 'x', true)).toBe(1);
    const outcome = await store.placeBid({ auctionId: 'a1', userId: 'z', amount: 1000, now: 2000, rateLimit });
    expect(outcome).toMatchObject({ accepted: true, bid: { bidderNumber: 3 } });
  });

  it('a late bid extends the end; the end happens exactly once and only when due', async () => {
    const store = await storeWithAuction();
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
    const store = await storeWithAuction();
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
    const store = await storeWithAuction();
    expect(await store.addPresence('a1', 'u', 's1')).toBe(1);
    expect(await store.addPresence('a1', 'u', 's2')).toBe(1);
    expect(await store.addPresence('a1', 'v', 's3')).toBe(2);
    expect(await store.activeBidders('a1', 'w')).toBe(3);
    expect(await store.activeBidders('a1', 'u')).toBe(2);
    expect(await store.removePresence('a1', 'u', 's1')).toBe(2);
    expect(await store.removePresence('a1', 'u', 's2')).toBe(1);
  });
});

describe('BidSequencer', () => {
  it('runs announcements in bid order whatever order they arrive in, and the end after the last bid', async () => {
    const errors: unknown[] = [];
    const sequencer = new BidSequencer(0, (error) => errors.push(error));
    const ran: string[] = [];
    const task = (name: string, fail = false) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (fail) throw new Error(name);
      ran.push(name);
    };
    const done = [
      sequencer.afterBids(4, task('end')),
      sequencer.bid(3, task('bid3')),
      sequencer.bid(2, task('bid2', true)),
      sequencer.bid(4, task('bid4')),
      sequencer.bid(1, task('bid1')),
    ];
    await Promise.all(done);
    expect(ran).toEqual(['bid1', 'bid3', 'bid4', 'end']);
    expect(errors).toHaveLength(1);
  });

  it('skips a bid that never shows up on this node after the gap timeout', async () => {
    const errors: unknown[] = [];
    const sequencer = new BidSequencer(0, (error) => errors.push(error), 30);
    const ran: number[] = [];
    await Promise.all([sequencer.bid(3, async () => void ran.push(3)), sequencer.bid(1, async () => void ran.push(1))]);
    expect(ran).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    sequencer.dispose();
  });
});
