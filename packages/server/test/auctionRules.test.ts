import { describe, expect, it } from 'vitest';
import { auctionStatus, auctionTermsProblem, checkBidRate, decideBid, extendedEnd, minNextBid, type AuctionTerms } from '../src/features/auction/rules';

const terms: AuctionTerms = { startingPrice: 1000, increment: 50, startsAt: 10_000, endsAt: 20_000, extendWithinMs: 2000, extendByMs: 3000 };
const rateLimit = { maxBids: 3, windowMs: 1000 };

describe('auction rules', () => {
  it('status follows the clock and the ended flag', () => {
    expect(auctionStatus({ ...terms, ended: false }, 9_999)).toBe('scheduled');
    expect(auctionStatus({ ...terms, ended: false }, 10_000)).toBe('active');
    expect(auctionStatus({ ...terms, ended: false }, 19_999)).toBe('active');
    // At endsAt the auction is over even if the end timer has not run yet.
    expect(auctionStatus({ ...terms, ended: false }, 20_000)).toBe('ended');
    expect(auctionStatus({ ...terms, ended: true }, 15_000)).toBe('ended');
  });

  it('the minimum next bid is the starting price, then current + increment', () => {
    expect(minNextBid(terms, null)).toBe(1000);
    expect(minNextBid(terms, 1000)).toBe(1050);
    expect(minNextBid(terms, 1234)).toBe(1284);
  });

  it('rate limit: a sliding window with an exact retryAfterMs', () => {
    expect(checkBidRate([], 5000, rateLimit)).toEqual({ allowed: true, recent: [] });
    expect(checkBidRate([4100, 4500], 5000, rateLimit)).toEqual({ allowed: true, recent: [4100, 4500] });
    expect(checkBidRate([4100, 4500, 4900], 5000, rateLimit)).toEqual({ allowed: false, recent: [4100, 4500, 4900], retryAfterMs: 100 });
    // Attempts that left the window no longer count.
    expect(checkBidRate([3000, 4000, 4500, 4900], 5001, rateLimit)).toEqual({ allowed: true, recent: [4500, 4900] });
  });

  it('anti-sniping extends only bids inside the window, never shortens', () => {
    expect(extendedEnd(terms, 17_999)).toBeNull(); // 2001 ms left: outside the 2000 ms window
    expect(extendedEnd(terms, 18_000)).toBe(21_000); // exactly 2000 ms left → now + 3000
    expect(extendedEnd(terms, 19_999)).toBe(22_999);
    expect(extendedEnd({ ...terms, extendByMs: 1000 }, 18_500)).toBeNull(); // would end earlier than 20 000
    expect(extendedEnd({ ...terms, extendWithinMs: 0 }, 19_999)).toBeNull(); // disabled
  });

  it('decides a bid: status first, then rate limit, then amount', () => {
    const base = { auction: { ...terms, ended: false }, currentPrice: 1000, now: 15_000, attemptTimes: [], rateLimit };
    expect(decideBid({ ...base, amount: 1050 })).toEqual({ accepted: true, extendedTo: null, recentAttempts: [15_000] });
    expect(decideBid({ ...base, amount: 1049 })).toMatchObject({ accepted: false, reason: 'too_low', minNextBid: 1050, recentAttempts: [15_000] });
    expect(decideBid({ ...base, amount: 1050, now: 9_000 })).toMatchObject({ accepted: false, reason: 'not_started' });
    expect(decideBid({ ...base, amount: 1050, now: 20_000 })).toMatchObject({ accepted: false, reason: 'ended' });
    expect(decideBid({ ...base, amount: 1050, auction: { ...terms, ended: true } })).toMatchObject({ accepted: false, reason: 'ended' });
    expect(decideBid({ ...base, amount: 5000, attemptTimes: [14_500, 14_600, 14_700] })).toMatchObject({ accepted: false, reason: 'rate_limited', retryAfterMs: 500 });
    expect(decideBid({ ...base, amount: 1050.5 })).toMatchObject({ accepted: false, reason: 'invalid' });
    expect(decideBid({ ...base, currentPrice: null, amount: 1000 })).toMatchObject({ accepted: true });
    expect(decideBid({ ...base, amount: 1100, now: 19_000 })).toEqual({ accepted: true, extendedTo: 22_000, recentAttempts: [19_000] });
  });

  it('validates the terms of a new auction', () => {
    expect(auctionTermsProblem(terms)).toBeUndefined();
    expect(auctionTermsProblem({ ...terms, endsAt: terms.startsAt })).toMatch(/endsAt/);
    expect(auctionTermsProblem({ ...terms, increment: 0 })).toMatch(/increment/);
    expect(auctionTermsProblem({ ...terms, extendByMs: -1 })).toMatch(/negative/);
  });
});
