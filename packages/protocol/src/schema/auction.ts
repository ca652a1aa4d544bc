import { z } from 'zod';

// Live auction. Room `auction:<auctionId>` (durable): join state `AuctionJoinState`,
// events `auction:started`, `auction:new_bid`, `auction:time_extended`,
// `auction:auction_ended` (durable, one total order) and `auction:timer_sync`,
// `auction:bidders` (volatile). The user's own feed `user:<id>` receives
// `auction:outbid` and, for the winner, `auction:auction_ended`.
// Command `auction:place_bid`: accepted → ack `{ accepted: true, bid }` (the seed's
// `bid_accepted`); refused → nack (the seed's `bid_rejected`): `conflict` (not started /
// ended), `bad_request` (below the minimum, named in the message), `rate_limited`
// (`retryAfterMs`), `not_found` (unknown auction), `invalid_frame` (malformed data).
// Commands `auction:set_auto_bid` / `auction:cancel_auto_bid` (proxy bidding): the server
// bids for the user at the minimum increment whenever they are outbid, up to their hidden
// maximum; the owner's feed receives `auction:auto_bid` (their maximum and whether it is
// still active) on every device.

/** Server time in ms since the epoch. */
const Timestamp = z.number().int().nonnegative();
/** Money in the smallest currency unit (whole rupiah, cents): a positive safe integer. */
export const AuctionAmount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Auction id: the part after `auction:` in the room name. */
export const AuctionId = z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'auction id: 1-128 of A-Z a-z 0-9 _ . @ -');
/** Anonymous bidder number, stable per user per auction ("Bidder 3"). */
export const BidderNumber = z.number().int().positive();
/** `scheduled` before `startsAt`, `active` until the end, then `ended`. */
export const AuctionStatus = z.enum(['scheduled', 'active', 'ended']);
/** Why a bid attempt was refused (also recorded in the audit trail). */
export const BidRejectReason = z.enum(['not_started', 'ended', 'too_low', 'rate_limited', 'invalid', 'forbidden']);

/** One accepted bid. `seq` numbers an auction's accepted bids 1, 2, 3… in the order they were accepted. */
export const AuctionBid = z.object({
  bidId: z.string(),
  auctionId: AuctionId,
  seq: z.number().int().positive(),
  amount: AuctionAmount,
  bidderNumber: BidderNumber,
  /** Server time the bid was accepted. */
  at: Timestamp,
  /** Placed by the server for the bidder's auto-bid (proxy bid), not by the bidder's own click. */
  auto: z.literal(true).optional(),
});

/** Your auto-bid in an auction: the hidden maximum, and whether the server still bids for you. */
export const AutoBidState = z.object({
  /** The most the server may bid for you. Never shown to anyone else. */
  max: AuctionAmount,
  /** `false` once another bidder went past your maximum (or the auction ended). */
  active: z.boolean(),
});

/** Public state of an auction (the body of `GET /api/auctions/:id` without the caller's fields). */
export const AuctionState = z.object({
  auctionId: AuctionId,
  status: AuctionStatus,
  startingPrice: AuctionAmount,
  /** Highest accepted bid, or the starting price while nobody has bid. */
  currentPrice: AuctionAmount,
  /** Smallest acceptable next bid: the starting price for the first bid, then current price + increment. */
  minNextBid: AuctionAmount,
  increment: AuctionAmount,
  startsAt: Timestamp,
  /** Current end (moves later when a late bid extends the auction). */
  endsAt: Timestamp,
  /** A bid this close to the end extends it… */
  extendWithinMs: z.number().int().nonnegative(),
  /** …so that at least this much time remains after the bid. */
  extendByMs: z.number().int().nonnegative(),
  /** Number of accepted bids so far (the `seq` of the latest). */
  bidCount: z.number().int().nonnegative(),
  /** The latest accepted bids, oldest first. */
  recentBids: z.array(AuctionBid),
  /** Bidder number of the current highest bidder. */
  leader: BidderNumber.nullable(),
  /** Bidder number of the winner once ended (null if nobody bid). */
  winner: BidderNumber.nullable(),
  /** Winning amount once ended (null if nobody bid). */
  finalPrice: AuctionAmount.nullable(),
  /** Distinct users in the auction room now. */
  activeBidders: z.number().int().nonnegative(),
  /** Server time the state was read. */
  serverNow: Timestamp,
});

/** Join state of `auction:<id>`: the public state plus the caller's own numbers. */
export const AuctionJoinState = AuctionState.extend({
  /** Your anonymous bidder number in this auction (assigned on your first join or bid). */
  myBidderNumber: BidderNumber.nullable(),
  /** Your highest accepted bid, if any. */
  myHighestBid: AuctionAmount.nullable(),
  /** Your auto-bid, if you set one (and did not cancel it). */
  myAutoBid: AutoBidState.nullable(),
});

// ── command ──────────────────────────────────────────────────────────────────────

/** `auction:place_bid` data. The bidder is the authenticated user, never a field of the payload. */
export const PlaceBidData = z.object({ auctionId: AuctionId, amount: AuctionAmount });
/** `auction:place_bid` ack (the seed's `bid_accepted`). */
export const PlaceBidResult = z.object({ accepted: z.literal(true), bid: AuctionBid });
/**
 * `auction:set_auto_bid` data: bid for me up to `max`. `max` must be at least the minimum
 * next bid; setting again replaces the maximum (a new maximum counts as set now for ties).
 */
export const SetAutoBidData = z.object({ auctionId: AuctionId, max: AuctionAmount });
/**
 * `auction:set_auto_bid` ack: your auto-bid as it stands after the server acted on it
 * (`active: false` when another auto-bid already goes past your maximum), and the proxy bid
 * it placed for you right away, if any.
 */
export const SetAutoBidResult = z.object({ autoBid: AutoBidState, bid: AuctionBid.nullable() });
/** `auction:cancel_auto_bid` data. */
export const CancelAutoBidData = z.object({ auctionId: AuctionId });
/** `auction:cancel_auto_bid` ack: `cancelled` is `false` when you had no auto-bid. Bids already placed stay. */
export const CancelAutoBidResult = z.object({ cancelled: z.boolean() });

// ── events ───────────────────────────────────────────────────────────────────────

/** `auction:started` (durable): the auction opened for bids at `startsAt`. */
export const AuctionStartedEvent = z.object({ auctionId: AuctionId, startsAt: Timestamp, endsAt: Timestamp });
/** `auction:new_bid` (durable, broadcast to everyone in one total order): an accepted bid. */
export const AuctionNewBidEvent = AuctionBid.extend({ minNextBid: AuctionAmount });
/** `auction:time_extended` (durable): a late bid moved the end. */
export const AuctionTimeExtendedEvent = z.object({
  auctionId: AuctionId,
  endsAt: Timestamp,
  previousEndsAt: Timestamp,
  reason: z.literal('late_bid'),
  /** The bid that caused the extension. */
  bidId: z.string(),
});
/** `auction:timer_sync` (volatile, periodic): the server's clock and the current end. */
export const AuctionTimerSyncEvent = z.object({ auctionId: AuctionId, serverNow: Timestamp, endsAt: Timestamp, status: AuctionStatus });
/** `auction:auction_ended` (durable, exactly once; also sent to the winner's feed). */
export const AuctionEndedEvent = z.object({
  auctionId: AuctionId,
  winner: BidderNumber.nullable(),
  finalPrice: AuctionAmount.nullable(),
  bidCount: z.number().int().nonnegative(),
  endedAt: Timestamp,
});
/** `auction:bidders` (volatile, coalesced): distinct users in the auction room. */
export const AuctionBiddersEvent = z.object({ auctionId: AuctionId, count: z.number().int().nonnegative() });
/** `auction:outbid` (durable, in the outbid user's feed `user:<id>` only). */
export const AuctionOutbidEvent = z.object({
  auctionId: AuctionId,
  newHighBid: AuctionAmount,
  yourBid: AuctionAmount,
  /** `seq` of the bid that outbid you: ignore it if you have bid since. */
  bidSeq: z.number().int().positive(),
  minNextBid: AuctionAmount,
  /** Your auto-bid's maximum was passed: the server no longer bids for you ("your auto-bid limit was reached"). */
  autoBidLimitReached: z.literal(true).optional(),
});
/** `auction:auto_bid` (durable, in the owner's feed `user:<id>` only): your auto-bid changed. */
export const AuctionAutoBidEvent = z.object({
  auctionId: AuctionId,
  /** Your auto-bid now; `null` once cancelled. */
  autoBid: AutoBidState.nullable(),
  /** `set` (by you, on any device), `cancelled`, or `limit_reached` (another bidder went past your maximum). */
  reason: z.enum(['set', 'cancelled', 'limit_reached']),
});

// ── REST ─────────────────────────────────────────────────────────────────────────

/** Body of `POST /api/auctions` (publisher). Omitted extension fields take the feature's defaults. */
export const CreateAuctionInput = z.object({
  id: AuctionId,
  startingPrice: AuctionAmount,
  increment: AuctionAmount,
  startsAt: Timestamp,
  endsAt: Timestamp,
  extendWithinMs: z.number().int().nonnegative().optional(),
  extendByMs: z.number().int().nonnegative().optional(),
});

/**
 * One attempt in the audit trail (`GET /api/auctions/:id/audit`, publisher only): a bid by
 * the bidder, a proxy bid by the server (`auto: true`), or a change of an auto-bid
 * (`action`; `amount` is the maximum set, null for a cancel).
 */
export const AuctionAuditEntry = z.object({
  /** Server time of the attempt. */
  at: Timestamp,
  /** The real user id (the audit trail is not anonymous). */
  userId: z.string(),
  bidderNumber: BidderNumber.nullable(),
  /** The amount offered; null when the attempt carried no usable number. */
  amount: z.number().nullable(),
  result: z.enum(['accepted', 'rejected']),
  reason: BidRejectReason.optional(),
  bidId: z.string().optional(),
  /** A proxy bid placed by the server for the bidder's auto-bid. */
  auto: z.literal(true).optional(),
  /** Not a bid: the bidder set or cancelled their auto-bid. */
  action: z.enum(['auto_bid_set', 'auto_bid_cancel']).optional(),
});
export const AuctionAudit = z.object({ auctionId: AuctionId, entries: z.array(AuctionAuditEntry) });

// ── types ────────────────────────────────────────────────────────────────────────

export type AuctionStatus = z.infer<typeof AuctionStatus>;
export type BidRejectReason = z.infer<typeof BidRejectReason>;
export type AuctionBid = z.infer<typeof AuctionBid>;
export type AuctionState = z.infer<typeof AuctionState>;
export type AuctionJoinState = z.infer<typeof AuctionJoinState>;
export type PlaceBidData = z.infer<typeof PlaceBidData>;
export type PlaceBidResult = z.infer<typeof PlaceBidResult>;
export type AutoBidState = z.infer<typeof AutoBidState>;
export type SetAutoBidData = z.infer<typeof SetAutoBidData>;
export type SetAutoBidResult = z.infer<typeof SetAutoBidResult>;
export type CancelAutoBidData = z.infer<typeof CancelAutoBidData>;
export type CancelAutoBidResult = z.infer<typeof CancelAutoBidResult>;
export type CreateAuctionInput = z.infer<typeof CreateAuctionInput>;
export type AuctionAuditEntry = z.infer<typeof AuctionAuditEntry>;
export type AuctionAudit = z.infer<typeof AuctionAudit>;

/** Auction events: name → payload. */
export interface AuctionEvents {
  'auction:started': z.infer<typeof AuctionStartedEvent>;
  'auction:new_bid': z.infer<typeof AuctionNewBidEvent>;
  'auction:time_extended': z.infer<typeof AuctionTimeExtendedEvent>;
  'auction:timer_sync': z.infer<typeof AuctionTimerSyncEvent>;
  'auction:auction_ended': z.infer<typeof AuctionEndedEvent>;
  'auction:bidders': z.infer<typeof AuctionBiddersEvent>;
  'auction:outbid': z.infer<typeof AuctionOutbidEvent>;
  'auction:auto_bid': z.infer<typeof AuctionAutoBidEvent>;
}

/** Auction commands: name → `{ data; result }`. */
export interface AuctionCommands {
  'auction:place_bid': { data: PlaceBidData; result: PlaceBidResult };
  'auction:set_auto_bid': { data: SetAutoBidData; result: SetAutoBidResult };
  'auction:cancel_auto_bid': { data: CancelAutoBidData; result: CancelAutoBidResult };
}
