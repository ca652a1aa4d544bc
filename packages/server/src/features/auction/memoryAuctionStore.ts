import type { AuctionAuditEntry, AuctionBid, BidRejectReason } from '@sinyal/protocol/schema';
import { checkBidRate, decideBid, minNextBid } from './rules';
import type { AttemptLimits, AuctionConfig, AuctionLeader, AuctionRecord, AuctionStore, EndAuctionOutcome, PlaceBidInput, PlaceBidOutcome, RecordAttemptOutcome } from './store';

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
      return {
        accepted: false,
        reason: decision.reason,
        minNextBid: decision.minNextBid,
        ...(decision.retryAfterMs === undefined ? {} : { retryAfterMs: decision.retryAfterMs }),
        startsAt: config.startsAt,
        endsAt: config.endsAt,
        trimmed,
      };
    }

    const bidderNumber = this.#assignBidder(entry, userId);
    const seq = entry.bids.length + 1;
    const bid: AuctionBid = { bidId: `${config.id}.${seq}`, auctionId: config.id, seq, amount, bidderNumber, at: now };
    const previousLeader = entry.leader;
    const previousEndsAt = config.endsAt;
    entry.bids.push(bid);
    entry.leader = { userId, bidderNumber, amount, bidId: bid.bidId };
    entry.highestByUser.set(userId, Math.max(amount, entry.highestByUser.get(userId) ?? 0));
    if (decision.extendedTo !== null) config.endsAt = decision.extendedTo;
    const trimmed = appendAudit(entry, { at: now, userId, bidderNumber, amount, result: 'accepted', bidId: bid.bidId }, input.auditLimit);
    return {
      accepted: true,
      trimmed,
      bid: { ...bid },
      previousLeader: previousLeader && { ...previousLeader },
      extendedTo: decision.extendedTo,
      previousEndsAt,
      minNextBid: minNextBid(config, amount),
    };
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
