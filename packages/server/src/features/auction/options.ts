import type { AuthUser } from '../../auth/authenticator';
import type { BidRateLimit } from './rules';
import type { AuctionStore } from './store';

/** Options of {@link auctionFeature}. Every field is optional; defaults are in {@link DEFAULT_AUCTION_OPTIONS}. */
export interface AuctionFeatureOptions {
  /**
   * Where auctions, bids, bidder numbers and the audit trail live.
   * @default new MemoryAuctionStore()
   */
  store?: AuctionStore;
  /**
   * Per-bidder limit on bid attempts in one auction (sliding window). An attempt over it
   * is refused with `rate_limited` and `retryAfterMs`.
   * @default { maxBids: 5, windowMs: 2000 }
   */
  bidRateLimit?: BidRateLimit;
  /**
   * Most entries kept in one auction's audit trail (`GET /api/auctions/:id/audit`); each new
   * attempt beyond it drops the oldest entry (both stores; Redis trims in the same script).
   * Every attempt counts against the bidder's `bidRateLimit`, and an attempt over it is not
   * written, so one bidder adds at most `maxBids` entries per `windowMs` to an auction's
   * trail. The accepted bids stay complete in their own list, so the winner and every bid
   * can always be rebuilt. Entries dropped, and attempts not written, are counted in
   * `sinyal_auction_audit_dropped_total`.
   * @default 10000 (about 2 MB per auction in Redis)
   */
  auditLimit?: number;
  /**
   * Anti-sniping window used when `createAuction` does not say: a bid less than this
   * long before the end extends it.
   * @default 120000 (2 minutes)
   */
  extendWithinMs?: number;
  /**
   * How much time an extending bid leaves on the clock (the new end is `bid time +
   * extendByMs`), when `createAuction` does not say.
   * @default 120000 (2 minutes)
   */
  extendByMs?: number;
  /**
   * Interval of the volatile `auction:timer_sync` sent to the rooms of active auctions;
   * `0` disables it.
   * @default 10000
   */
  timerSyncIntervalMs?: number;
  /**
   * Joins and leaves within this window are announced as one `auction:bidders`.
   * @default 500
   */
  biddersCoalesceMs?: number;
  /**
   * Bids included in the join state and the REST state (`recentBids`).
   * @default 50
   */
  recentBids?: number;
  /**
   * Events kept per auction room for resume after a reconnect (bids, extensions, the end).
   * A client further behind gets a `reset` and the join state instead.
   * @default 1000
   */
  history?: number;
  /**
   * Who may join an auction room and bid (e.g. only verified bidders; not the seller's own
   * agent). Called with the verified user and what they are about to do — `join` the room,
   * `bid`, or `view` the state over REST — before anything is written; return `false` to
   * refuse (`forbidden`: a refused bid is not written to the audit trail, whose entries are
   * the auction's bidders'). Refuse only `bid` to let someone watch without bidding.
   * @default undefined (every authenticated user)
   */
  authorize?: (ctx: { user: AuthUser; auctionId: string; action: 'join' | 'bid' | 'view' }) => boolean | Promise<boolean>;
  /**
   * Server clock in ms (tests may inject one). Every decision uses it, never the client's time.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Called with errors of timers and background announcements, which have nobody to answer.
   * @default console.error
   */
  onError?: (error: unknown) => void;
}

/** Default values of {@link AuctionFeatureOptions}. */
export const DEFAULT_AUCTION_OPTIONS = Object.freeze({
  bidRateLimit: Object.freeze({ maxBids: 5, windowMs: 2000 }),
  auditLimit: 10_000,
  extendWithinMs: 120_000,
  extendByMs: 120_000,
  timerSyncIntervalMs: 10_000,
  biddersCoalesceMs: 500,
  recentBids: 50,
  history: 1000,
});
