import type { AuctionAuditEntry, AuctionBid, AutoBidState, BidRejectReason } from '@sinyal/protocol/schema';
import { autoBidMaxProblem, resolveAutoBids, type AutoBidEntry } from './autoBidRules';
import { auctionStatus, checkBidRate, decideBid, extendedEnd, minNextBid } from './rules';
import type {
  AcceptedBid,
  AttemptLimits,
  AuctionConfig,
  AuctionLeader,
  AuctionRecord,
  AuctionStore,
  AutoBidOutcome,
  EndAuctionOutcome,
  PlaceBidInput,
  PlaceBidOutcome,
  RecordAttemptOutcome,
  RejectedAttempt,
  SetAutoBidInput,
  SetAutoBidOutcome,
} from './store';

interface AuctionEntry {
  config: AuctionConfig;
  createdAt: number;
  started: boolean;
  ended: boolean;
  endedAt: number | null;
  /** Every accepted bid, in acceptance (`seq`) order. */
  bids: AuctionBid[];
  leader: AuctionLeader | null;
  bidderNumbers: Map<string, number>;
  highestByUser: Map<string, number>;
  /** Counted attempt times per user, for the rate limit. */
  attemptsByUser: Map<string, number[]>;
  /** The latest `auditLimit` attempts. */
  audit: AuctionAuditEntry[];
  /** Sessions in the room, per user. */
  presence: Map<string, Set<string>>;
  /** Auto-bids by user (kept when passed, with `active: false`; removed when cancelled). */
  autoBids: Map<string, AutoBidEntry>;
  /** Counter behind `AutoBidEntry.order`. */
  autoBidOrder: number;
}

const copy = <T>(value: T): T => structuredClone(value);

/** Appends to the auction's audit trail, dropping the oldest entries beyond `limit`; returns how many were dropped. */
function appendAudit(entry: AuctionEntry, audited: AuctionAuditEntry, limit: number): number {
  entry.audit.push(audited);
  const over = entry.audit.length - limit;
  if (over <= 0) return 0;
  entry.audit.splice(0, over);
  return over;
}

/** The refusal of an attempt, with the auction's times. */
function rejected(entry: AuctionEntry, decision: { reason: BidRejectReason; minNextBid: number; retryAfterMs?: number }, trimmed: number): RejectedAttempt {
  return {
    accepted: false,
    reason: decision.reason,
    minNextBid: decision.minNextBid,
    ...(decision.retryAfterMs === undefined ? {} : { retryAfterMs: decision.retryAfterMs }),
    startsAt: entry.config.startsAt,
    endsAt: entry.config.endsAt,
    trimmed,
  };
}

/**
 * The default {@link AuctionStore}: everything in process memory (one node, tests,
 * examples). Each mutating method does all its work synchronously before its promise
 * resolves, so calls are atomic with respect to each other, and results resolve in
 * the order the decisions were made. Returned objects are copies.
 */
export class MemoryAuctionStore implements AuctionStore {
  readonly #auctions = new Map<string, AuctionEntry>();

  async create(config: AuctionConfig, now: number): Promise<boolean> {
    if (this.#auctions.has(config.id)) return false;
    this.#auctions.set(config.id, {
      config: { ...config },
      createdAt: now,
      started: false,
      ended: false,
      endedAt: null,
      bids: [],
      leader: null,
      bidderNumbers: new Map(),
      highestByUser: new Map(),
      attemptsByUser: new Map(),
      audit: [],
      presence: new Map(),
      autoBids: new Map(),
      autoBidOrder: 0,
    });
    return true;
  }

  async get(auctionId: string, recentBids: number): Promise<AuctionRecord | undefined> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return undefined;
    return {
      ...entry.config,
      createdAt: entry.createdAt,
      started: entry.started,
      ended: entry.ended,
      endedAt: entry.endedAt,
      bidCount: entry.bids.length,
      leader: entry.leader && { ...entry.leader },
      recentBids: copy(recentBids > 0 ? entry.bids.slice(-recentBids) : []),
    };
  }

  async listOpen(): Promise<string[]> {
    return [...this.#auctions].filter(([, entry]) => !entry.ended).map(([id]) => id);
  }

  async placeBid(input: PlaceBidInput): Promise<PlaceBidOutcome | undefined> {
    const entry = this.#auctions.get(input.auctionId);
    if (!entry) return undefined;
    const { config } = entry;
    const { userId, amount, now } = input;
    const decision = decideBid({
      auction: { ...config, ended: entry.ended },
      currentPrice: entry.leader?.amount ?? null,
      amount,
      now,
      attemptTimes: entry.attemptsByUser.get(userId) ?? [],
      rateLimit: input.rateLimit,
    });
    if (decision.recentAttempts.length) entry.attemptsByUser.set(userId, decision.recentAttempts);
    else entry.attemptsByUser.delete(userId);

    if (!decision.accepted) {
      // Over the rate limit: not written, so the trail grows no faster than the limit allows.
      const trimmed =
        decision.reason === 'rate_limited'
          ? 0
          : appendAudit(entry, { at: now, userId, bidderNumber: entry.bidderNumbers.get(userId) ?? null, amount, result: 'rejected', reason: decision.reason }, input.auditLimit);
      return rejected(entry, decision, trimmed);
    }
    const accepted = this.#accept(entry, userId, amount, now, false, input.auditLimit);
    const autoBids = this.#resolveAutoBids(entry, now, input.auditLimit);
    return { accepted: true, ...accepted.bid, trimmed: accepted.trimmed + autoBids.trimmed, autoBids: autoBids.outcome };
  }

  async setAutoBid(input: SetAutoBidInput): Promise<SetAutoBidOutcome | undefined> {
    const entry = this.#auctions.get(input.auctionId);
    if (!entry) return undefined;
    const { userId, max, now } = input;
    const minimum = minNextBid(entry.config, entry.leader?.amount ?? null);
    const rate = checkBidRate(entry.attemptsByUser.get(userId) ?? [], now, input.rateLimit);
    if (!rate.allowed) return rejected(entry, { reason: 'rate_limited', minNextBid: minimum, retryAfterMs: rate.retryAfterMs }, 0);
    entry.attemptsByUser.set(userId, [...rate.recent, now]);
    const status = auctionStatus({ ...entry.config, ended: entry.ended }, now);
    const problem = status === 'active' ? autoBidMaxProblem(max, minimum) : status === 'scheduled' ? 'not_started' : 'ended';
    const bidderNumber = entry.bidderNumbers.get(userId) ?? null;
    if (problem) {
      const trimmed = appendAudit(entry, { at: now, userId, bidderNumber, amount: max, result: 'rejected', reason: problem, action: 'auto_bid_set' }, input.auditLimit);
      return rejected(entry, { reason: problem, minNextBid: minimum }, trimmed);
    }
    entry.autoBids.set(userId, { userId, max, order: ++entry.autoBidOrder, active: true });
    let trimmed = appendAudit(entry, { at: now, userId, bidderNumber, amount: max, result: 'accepted', action: 'auto_bid_set' }, input.auditLimit);
    const autoBids = this.#resolveAutoBids(entry, now, input.auditLimit);
    trimmed += autoBids.trimmed;
    const own = entry.autoBids.get(userId)!;
    return { accepted: true, trimmed, autoBid: { max: own.max, active: own.active }, autoBids: autoBids.outcome };
  }

  async cancelAutoBid(auctionId: string, userId: string, now: number, auditLimit: number): Promise<{ cancelled: boolean; trimmed: number } | undefined> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return undefined;
    if (!entry.autoBids.delete(userId)) return { cancelled: false, trimmed: 0 };
    const audited: AuctionAuditEntry = { at: now, userId, bidderNumber: entry.bidderNumbers.get(userId) ?? null, amount: null, result: 'accepted', action: 'auto_bid_cancel' };
    return { cancelled: true, trimmed: appendAudit(entry, audited, auditLimit) };
  }

  async autoBidOf(auctionId: string, userId: string): Promise<AutoBidState | null> {
    const own = this.#auctions.get(auctionId)?.autoBids.get(userId);
    return own ? { max: own.max, active: own.active } : null;
  }

  /** Records an accepted bid (manual or proxy): the bid list, the leader, anti-sniping, the audit trail. */
  #accept(entry: AuctionEntry, userId: string, amount: number, now: number, auto: boolean, auditLimit: number): { bid: AcceptedBid; trimmed: number } {
    const { config } = entry;
    const bidderNumber = this.#assignBidder(entry, userId);
    const seq = entry.bids.length + 1;
    const bid: AuctionBid = { bidId: `${config.id}.${seq}`, auctionId: config.id, seq, amount, bidderNumber, at: now, ...(auto ? { auto: true as const } : {}) };
    const previousLeader = entry.leader;
    const previousEndsAt = config.endsAt;
    const extendedTo = extendedEnd(config, now);
    entry.bids.push(bid);
    entry.leader = { userId, bidderNumber, amount, bidId: bid.bidId };
    entry.highestByUser.set(userId, Math.max(amount, entry.highestByUser.get(userId) ?? 0));
    if (extendedTo !== null) config.endsAt = extendedTo;
    const audited: AuctionAuditEntry = { at: now, userId, bidderNumber, amount, result: 'accepted', bidId: bid.bidId, ...(auto ? { auto: true as const } : {}) };
    const trimmed = appendAudit(entry, audited, auditLimit);
    return {
      bid: { userId, bid: { ...bid }, previousLeader: previousLeader && { ...previousLeader }, extendedTo, previousEndsAt, minNextBid: minNextBid(config, amount) },
      trimmed,
    };
  }

  /** Lets the auto-bids answer (`resolveAutoBids`): at most one proxy bid, then the passed maxima turn inactive. */
  #resolveAutoBids(entry: AuctionEntry, now: number, auditLimit: number): { outcome: AutoBidOutcome; trimmed: number } {
    const resolution = resolveAutoBids({
      leader: entry.leader && { userId: entry.leader.userId, amount: entry.leader.amount },
      startingPrice: entry.config.startingPrice,
      increment: entry.config.increment,
      autoBids: [...entry.autoBids.values()],
    });
    let trimmed = 0;
    let proxyBid: AcceptedBid | null = null;
    if (resolution.bid) {
      const accepted = this.#accept(entry, resolution.bid.userId, resolution.bid.amount, now, true, auditLimit);
      proxyBid = accepted.bid;
      trimmed += accepted.trimmed;
    }
    const exhausted = resolution.exhausted.map((userId) => {
      const own = entry.autoBids.get(userId)!;
      own.active = false;
      return { userId, max: own.max };
    });
    return { outcome: { proxyBid, exhausted }, trimmed };
  }

  async recordRejectedAttempt(
    auctionId: string,
    attempt: { userId: string; amount: number | null; reason: BidRejectReason; at: number },
    limits: AttemptLimits,
  ): Promise<RecordAttemptOutcome | undefined> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return undefined;
    const rate = checkBidRate(entry.attemptsByUser.get(attempt.userId) ?? [], attempt.at, limits.rateLimit);
    if (!rate.allowed) return { recorded: false, retryAfterMs: rate.retryAfterMs };
    entry.attemptsByUser.set(attempt.userId, [...rate.recent, attempt.at]);
    const audited: AuctionAuditEntry = {
      at: attempt.at,
      userId: attempt.userId,
      bidderNumber: entry.bidderNumbers.get(attempt.userId) ?? null,
      amount: attempt.amount,
      result: 'rejected',
      reason: attempt.reason,
    };
    return { recorded: true, trimmed: appendAudit(entry, audited, limits.auditLimit) };
  }

  async endAuction(auctionId: string, now: number): Promise<EndAuctionOutcome | undefined> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return undefined;
    if (entry.ended) return { outcome: 'already_ended' };
    if (now < entry.config.endsAt) return { outcome: 'not_due', endsAt: entry.config.endsAt };
    entry.ended = true;
    entry.endedAt = now;
    entry.attemptsByUser.clear();
    for (const own of entry.autoBids.values()) own.active = false;
    return { outcome: 'ended', winner: entry.leader && { ...entry.leader }, bidCount: entry.bids.length, endedAt: now };
  }

  async markStarted(auctionId: string): Promise<boolean> {
    const entry = this.#auctions.get(auctionId);
    if (!entry || entry.started) return false;
    entry.started = true;
    return true;
  }

  async bidderNumber(auctionId: string, userId: string, assign: boolean): Promise<number | null> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return null;
    return assign ? this.#assignBidder(entry, userId) : (entry.bidderNumbers.get(userId) ?? null);
  }

  async highestBidOf(auctionId: string, userId: string): Promise<number | null> {
    return this.#auctions.get(auctionId)?.highestByUser.get(userId) ?? null;
  }

  async audit(auctionId: string): Promise<AuctionAuditEntry[]> {
    return copy(this.#auctions.get(auctionId)?.audit ?? []);
  }

  async addPresence(auctionId: string, userId: string, sessionId: string): Promise<number> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return 0;
    let sessions = entry.presence.get(userId);
    if (!sessions) entry.presence.set(userId, (sessions = new Set()));
    sessions.add(sessionId);
    return entry.presence.size;
  }

  async removePresence(auctionId: string, userId: string, sessionId: string): Promise<number> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return 0;
    const sessions = entry.presence.get(userId);
    if (sessions?.delete(sessionId) && sessions.size === 0) entry.presence.delete(userId);
    return entry.presence.size;
  }

  async activeBidders(auctionId: string, includingUserId?: string): Promise<number> {
    const entry = this.#auctions.get(auctionId);
    if (!entry) return 0;
    const extra = includingUserId !== undefined && !entry.presence.has(includingUserId) ? 1 : 0;
    return entry.presence.size + extra;
  }

  #assignBidder(entry: AuctionEntry, userId: string): number {
    let number = entry.bidderNumbers.get(userId);
    if (number === undefined) entry.bidderNumbers.set(userId, (number = entry.bidderNumbers.size + 1));
    return number;
  }
}
