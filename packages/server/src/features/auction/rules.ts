// The auction rules, as pure functions: which status an auction is in, the minimum next
// bid, the per-bidder rate limit, anti-sniping extension, and the decision on one bid.
// Stores call `decideBid` inside their atomic operation (a Redis Lua script would port
// these few lines), so every node applies exactly the same rules.
import type { AuctionStatus, BidRejectReason } from '@sinyal/protocol/schema';

/** Timing and prices of an auction, as the rules need them. */
export interface AuctionTerms {
  startingPrice: number;
  increment: number;
  startsAt: number;
  /** Current end (after extensions). */
  endsAt: number;
  extendWithinMs: number;
  extendByMs: number;
}

/** Per-bidder limit on bid attempts within one auction (a sliding window). */
export interface BidRateLimit {
  /** Attempts allowed per window. */
  maxBids: number;
  /** Window length in ms. */
  windowMs: number;
}

/** `ended` once closed or at `endsAt` (even before the end timer has run), `scheduled` before `startsAt`. */
export function auctionStatus(auction: Pick<AuctionTerms, 'startsAt' | 'endsAt'> & { ended: boolean }, now: number): AuctionStatus {
  if (auction.ended || now >= auction.endsAt) return 'ended';
  return now < auction.startsAt ? 'scheduled' : 'active';
}

/** The smallest acceptable bid: the starting price for the first one, then the current price plus the increment. */
export function minNextBid(auction: Pick<AuctionTerms, 'startingPrice' | 'increment'>, currentPrice: number | null): number {
  return currentPrice === null ? auction.startingPrice : currentPrice + auction.increment;
}

/** Decision of the rate limit, with the attempt times to keep (those still inside the window). */
export type RateLimitDecision = { allowed: true; recent: number[] } | { allowed: false; recent: number[]; retryAfterMs: number };

/**
 * Sliding-window limit: allowed when fewer than `maxBids` attempts happened in the last
 * `windowMs`. Attempts refused by this limit are not counted (nor written to the audit
 * trail), so `retryAfterMs` (when the oldest counted attempt leaves the window) is exact;
 * every other attempt counts, whatever its outcome.
 */
export function checkBidRate(attemptTimes: readonly number[], now: number, limit: BidRateLimit): RateLimitDecision {
  const recent = attemptTimes.filter((at) => at > now - limit.windowMs);
  if (recent.length < limit.maxBids) return { allowed: true, recent };
  const oldest = recent[recent.length - limit.maxBids]!;
  return { allowed: false, recent, retryAfterMs: Math.max(1, oldest + limit.windowMs - now) };
}

/**
 * Anti-sniping: a bid less than `extendWithinMs` before the end moves the end to
 * `now + extendByMs` (never earlier than it was). Returns the new end, or `null` when
 * the bid does not extend.
 */
export function extendedEnd(auction: Pick<AuctionTerms, 'endsAt' | 'extendWithinMs' | 'extendByMs'>, now: number): number | null {
  if (auction.extendWithinMs <= 0 || auction.endsAt - now > auction.extendWithinMs) return null;
  const candidate = now + auction.extendByMs;
  return candidate > auction.endsAt ? candidate : null;
}

/** What the rules say about one bid. */
export type BidDecision =
  | { accepted: true; extendedTo: number | null; recentAttempts: number[] }
  | { accepted: false; reason: BidRejectReason; minNextBid: number; retryAfterMs?: number; recentAttempts: number[] };

/**
 * Decides one bid. Checked in this order: the bidder within the rate limit
 * (`rate_limited`: the attempt is then neither counted nor audited), the auction active
 * (`not_started`, `ended`), the amount a positive whole number (`invalid`) and at least the
 * minimum next bid (`too_low`). Every attempt within the rate limit counts against it,
 * refused or not, so a bidder cannot make the server write the audit trail faster than the
 * limit. `recentAttempts` is the bidder's attempt log to store.
 */
export function decideBid(input: {
  auction: AuctionTerms & { ended: boolean };
  currentPrice: number | null;
  amount: number;
  now: number;
  attemptTimes: readonly number[];
  rateLimit: BidRateLimit;
}): BidDecision {
  const { auction, amount, now } = input;
  const minimum = minNextBid(auction, input.currentPrice);
  const rate = checkBidRate(input.attemptTimes, now, input.rateLimit);
  if (!rate.allowed) return { accepted: false, reason: 'rate_limited', minNextBid: minimum, retryAfterMs: rate.retryAfterMs, recentAttempts: rate.recent };
  const recentAttempts = [...rate.recent, now];
  const status = auctionStatus(auction, now);
  if (status !== 'active') return { accepted: false, reason: status === 'scheduled' ? 'not_started' : 'ended', minNextBid: minimum, recentAttempts };
  if (!Number.isSafeInteger(amount) || amount <= 0) return { accepted: false, reason: 'invalid', minNextBid: minimum, recentAttempts };
  if (amount < minimum) return { accepted: false, reason: 'too_low', minNextBid: minimum, recentAttempts };
  return { accepted: true, extendedTo: extendedEnd(auction, now), recentAttempts };
}

/** Cross-field checks of a new auction (field types are checked by the schema). Returns the problem, or `undefined`. */
export function auctionTermsProblem(terms: AuctionTerms): string | undefined {
  if (!(terms.endsAt > terms.startsAt)) return 'endsAt must be after startsAt';
  if (!Number.isSafeInteger(terms.startingPrice) || terms.startingPrice <= 0) return 'startingPrice must be a positive integer';
  if (!Number.isSafeInteger(terms.increment) || terms.increment <= 0) return 'increment must be a positive integer';
  if (terms.extendWithinMs < 0 || terms.extendByMs < 0) return 'extension times must not be negative';
  return undefined;
}
