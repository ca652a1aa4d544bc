import type { AuctionAuditEntry, AuctionBid, AutoBidState, BidRejectReason } from '@sinyal/protocol/schema';
import type { AuctionTerms, BidRateLimit } from './rules';

/** What the platform gives to create an auction (extension times already defaulted). */
export interface AuctionConfig extends AuctionTerms {
  id: string;
}

/** The current highest bid and whose it is. */
export interface AuctionLeader {
  userId: string;
  bidderNumber: number;
  amount: number;
  bidId: string;
}

/** An auction as stored: its terms, its progress and its latest bids. */
export interface AuctionRecord extends AuctionConfig {
  createdAt: number;
  /** `auction:started` was announced (see {@link AuctionStore.markStarted}). */
  started: boolean;
  /** The end was decided (see {@link AuctionStore.endAuction}); no bid is accepted after it. */
  ended: boolean;
  endedAt: number | null;
  /** Accepted bids so far: the `seq` of the latest. */
  bidCount: number;
  leader: AuctionLeader | null;
  /** The latest accepted bids, oldest first (as many as asked for). */
  recentBids: AuctionBid[];
}

/** The bounds a store applies to each attempt, in the same atomic step as the attempt. */
export interface AttemptLimits {
  /** The bidder's sliding window: every attempt counts (see `decideBid`); one over it is refused and not audited. */
  rateLimit: BidRateLimit;
  /**
   * Most entries the auction's audit trail keeps: appending one more drops the oldest. The
   * accepted bids stay complete in their own list (`get`, `bidCount`, the room's history).
   */
  auditLimit: number;
}

/** Input of the atomic {@link AuctionStore.placeBid}. */
export interface PlaceBidInput extends AttemptLimits {
  auctionId: string;
  userId: string;
  amount: number;
  /** Server time of the attempt: the only clock the decision uses. */
  now: number;
}

/** One accepted bid and what it changed. */
export interface AcceptedBid {
  /** Who bid (for a proxy bid: the auto-bidder it was placed for). */
  userId: string;
  bid: AuctionBid;
  /** Who led before this bid (possibly the same user raising their own bid). */
  previousLeader: AuctionLeader | null;
  /** New end when the bid extended the auction (anti-sniping), else `null`. */
  extendedTo: number | null;
  previousEndsAt: number;
  minNextBid: number;
}

/** What the auto-bids did in the same atomic step as a bid or a new maximum (see `resolveAutoBids`). */
export interface AutoBidOutcome {
  /** The proxy bid placed for an auto-bidder right after, or `null`. */
  proxyBid: AcceptedBid | null;
  /** Auto-bids passed in this step (now inactive), with their maxima, in the order they were set. */
  exhausted: Array<{ userId: string; max: number }>;
}

/** Input of the atomic {@link AuctionStore.setAutoBid}. */
export interface SetAutoBidInput extends AttemptLimits {
  auctionId: string;
  userId: string;
  max: number;
  now: number;
}

/** A refused attempt (a bid or a new maximum). */
export interface RejectedAttempt {
  accepted: false;
  reason: BidRejectReason;
  minNextBid: number;
  retryAfterMs?: number;
  startsAt: number;
  endsAt: number;
  trimmed: number;
}

/**
 * Outcome of {@link AuctionStore.setAutoBid}: the maximum stored and resolved in one step
 * (it may place a proxy bid for the setter at once, or already be passed by a higher
 * auto-bid: then `autoBid.active` is `false`), or refused like a bid (`not_started`,
 * `ended`, `invalid`, `too_low` below the minimum next bid, `rate_limited`).
 */
export type SetAutoBidOutcome = { accepted: true; trimmed: number; autoBid: AutoBidState; autoBids: AutoBidOutcome } | RejectedAttempt;

/**
 * Outcome of one bid attempt. Every attempt within the bidder's rate limit is also appended
 * to the audit trail, in the same atomic step; `trimmed` is how many old entries that
 * append dropped to keep the trail within `auditLimit` (0 for an attempt over the rate
 * limit, which is not written).
 */
export type PlaceBidOutcome = (AcceptedBid & { accepted: true; trimmed: number; autoBids: AutoBidOutcome }) | RejectedAttempt;

/** What {@link AuctionStore.recordRejectedAttempt} did. */
export type RecordAttemptOutcome =
  /** Counted against the bidder's rate limit and written; `trimmed` old entries were dropped. */
  | { recorded: true; trimmed: number }
  /** Over the bidder's rate limit: neither counted nor written. */
  | { recorded: false; retryAfterMs: number };

/** Outcome of {@link AuctionStore.endAuction}. */
export type EndAuctionOutcome =
  /** This call closed the auction: announce it (exactly one caller ever gets this). */
  | { outcome: 'ended'; winner: AuctionLeader | null; bidCount: number; endedAt: number }
  /** Not due yet (the end was extended): try again at `endsAt`. */
  | { outcome: 'not_due'; endsAt: number }
  /** Someone else already closed it. */
  | { outcome: 'already_ended' };

/**
 * Where auctions live. Every method is async so a networked store can implement it, and
 * every method that changes state is **one atomic step** — the memory store runs it
 * synchronously inside the async function; a Redis store runs it as one Lua script per
 * call (keys: the auction hash, its bid list, its bidder-number hash, the bidder's attempt
 * log, the audit stream). Nothing here is read-then-written by the caller, so two nodes
 * (or two concurrent commands) can never both win with the same amount:
 *
 * - {@link placeBid} decides and records a bid (with `decideBid` from `rules.ts`), then
 *   lets the auto-bids answer it (`resolveAutoBids` from `autoBidRules.ts`) in the same step;
 * - {@link setAutoBid} stores a maximum and resolves the auto-bids, also in one step;
 * - {@link endAuction} flips an auction to ended exactly once, and only when due;
 * - {@link bidderNumber} assigns numbers 1, 2, 3… without duplicates.
 *
 * Bid `seq`s are assigned by `placeBid` in acceptance order, which is the order clients
 * must see: the feature publishes `auction:new_bid` strictly by `seq`.
 */
export interface AuctionStore {
  /** Stores a new auction; `false` when the id is taken (nothing is changed then). */
  create(config: AuctionConfig, now: number): Promise<boolean>;
  /** The auction with its latest `recentBids` bids, or `undefined` if unknown. */
  get(auctionId: string, recentBids: number): Promise<AuctionRecord | undefined>;
  /** Ids of auctions not ended yet (to re-arm timers after a restart). */
  listOpen(): Promise<string[]>;
  /** Decides one bid atomically and records the attempt in the audit trail. `undefined` for an unknown auction. */
  placeBid(input: PlaceBidInput): Promise<PlaceBidOutcome | undefined>;
  /**
   * Records an attempt refused before {@link placeBid} (malformed data): counted against the
   * bidder's rate limit like any attempt and appended to the audit trail (within
   * `auditLimit`) — or, over the rate limit, neither. `undefined` for an unknown auction.
   */
  recordRejectedAttempt(
    auctionId: string,
    entry: { userId: string; amount: number | null; reason: BidRejectReason; at: number },
    limits: AttemptLimits,
  ): Promise<RecordAttemptOutcome | undefined>;
  /**
   * Sets (or replaces) the user's auto-bid: the bidder's rate limit, the auction active, the
   * maximum at least the minimum next bid; then resolves the auto-bids (a proxy bid may be
   * placed, anti-sniping applies) and audits the change (`action: 'auto_bid_set'`) and any
   * proxy bid (`auto: true`). `undefined` for an unknown auction.
   */
  setAutoBid(input: SetAutoBidInput): Promise<SetAutoBidOutcome | undefined>;
  /** Removes the user's auto-bid (audited when there was one); bids already placed stay. `undefined` for an unknown auction. */
  cancelAutoBid(auctionId: string, userId: string, now: number, auditLimit: number): Promise<{ cancelled: boolean; trimmed: number } | undefined>;
  /** The user's auto-bid, or `null` (none, or cancelled). */
  autoBidOf(auctionId: string, userId: string): Promise<AutoBidState | null>;
  /** Closes the auction if `now >= endsAt` and it is still open; see {@link EndAuctionOutcome}. */
  endAuction(auctionId: string, now: number): Promise<EndAuctionOutcome | undefined>;
  /** Marks the start as announced; `true` for the one caller that flipped it. */
  markStarted(auctionId: string): Promise<boolean>;
  /** The user's bidder number; with `assign`, numbers a new bidder (next free number), else `null` for one never seen. */
  bidderNumber(auctionId: string, userId: string, assign: boolean): Promise<number | null>;
  /** The user's highest accepted bid in the auction, or `null`. */
  highestBidOf(auctionId: string, userId: string): Promise<number | null>;
  /** The audit trail, oldest first: every attempt within the rate limit, the latest `auditLimit` of them. */
  audit(auctionId: string): Promise<AuctionAuditEntry[]>;
  /** A session of `userId` is in the auction room; resolves to the number of distinct users present. */
  addPresence(auctionId: string, userId: string, sessionId: string): Promise<number>;
  /** The session left; resolves to the number of distinct users still present. */
  removePresence(auctionId: string, userId: string, sessionId: string): Promise<number>;
  /** Distinct users present, counting `includingUserId` as present (a joiner not yet registered). */
  activeBidders(auctionId: string, includingUserId?: string): Promise<number>;
  /**
   * Implemented by a store that appends the auction room's events itself, atomically with
   * the decisions that cause them: `auction:new_bid` and `auction:time_extended` in
   * {@link placeBid}, `auction:auction_ended` in {@link endAuction}, `auction:started` in
   * {@link markStarted} (`RedisAuctionStore`: the room's order is then the order of
   * the decisions across every node). The feature calls it once, when created, with the
   * auction room's history length, and from then on publishes only what goes to users'
   * feeds (`auction:outbid`, the winner's copy of `auction:auction_ended`). A store without
   * it leaves all announcements to the feature, which puts them in bid order itself
   * (`BidSequencer`, one node).
   */
  appendsRoomEvents?(roomHistory: number): void;
  /** Releases what the store holds for this node (timers); called when the feature stops. */
  close?(): Promise<void>;
}
