import type { AuctionAuditEntry, AuctionBid, AutoBidState, BidRejectReason } from '@sinyal/protocol/schema';
import { ExpiringMembers } from '../../redis/expiringMembers';
import { Script } from '../../redis/redisScripts';
import { RoomEventsRedisStore } from '../../redis/roomEventsRedisStore';
import { fencedAsUnavailable, type RedisStore } from '../../redis/redisStore';
import { auctionRoom } from './auctionContext';
import { BIDDER_NUMBER, CANCEL_AUTO_BID, CREATE_AUCTION, END_AUCTION, GET_AUCTION, MARK_STARTED, PLACE_BID, RECORD_REJECTED, SET_AUTO_BID } from './auctionScripts';
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

/** Options of {@link RedisAuctionStore}. */
export interface RedisAuctionStoreOptions {
  /**
   * A node refreshes the presence of its sessions in auction rooms every third of this; a
   * node that dies without removing them stops refreshing, and its users stop counting as
   * present (`auction:bidders`) this long after (on Redis's clock). The feature re-announces
   * the counts this often.
   * @default 30000
   */
  presenceTtlMs?: number;
}

const createScript = new Script(CREATE_AUCTION);
const getScript = new Script(GET_AUCTION);
const placeBidScript = new Script(PLACE_BID);
const recordRejectedScript = new Script(RECORD_REJECTED);
const endScript = new Script(END_AUCTION);
const markStartedScript = new Script(MARK_STARTED);
const bidderNumberScript = new Script(BIDDER_NUMBER);
const setAutoBidScript = new Script(SET_AUTO_BID);
const cancelAutoBidScript = new Script(CANCEL_AUTO_BID);

const optionalNumber = (value: string): number | null => (value === '' ? null : Number(value));

/** An `accept` reply of the scripts (see auctionScripts.ts) as an {@link AcceptedBid}. */
function acceptedFrom(reply: Array<string | number>): AcceptedBid {
  const [bidJson, prevUser, prevNumber, prevAmount, prevBidId, extendedTo, previousEndsAt, minNext, , userId] = reply.map(String);
  return {
    userId: userId!,
    bid: JSON.parse(bidJson!) as AuctionBid,
    previousLeader: leaderFrom(prevUser!, prevNumber!, prevAmount!, prevBidId!),
    extendedTo: optionalNumber(extendedTo!),
    previousEndsAt: Number(previousEndsAt),
    minNextBid: Number(minNext),
  };
}

/** The proxy bid and exhausted auto-bids of a script's reply. */
function autoBidsFrom(proxy: Array<string | number>, exhausted: Array<string | number>): AutoBidOutcome {
  const passed: AutoBidOutcome['exhausted'] = [];
  for (let i = 0; i < exhausted.length; i += 2) passed.push({ userId: String(exhausted[i]), max: Number(exhausted[i + 1]) });
  return { proxyBid: proxy.length ? acceptedFrom(proxy) : null, exhausted: passed };
}

/** A `rejected` reply of PLACE_BID or SET_AUTO_BID. */
function rejectedFrom(reply: Array<string | number>): RejectedAttempt {
  const [, reason, minNext, retryAfter, startsAt, endsAt, trimmed] = reply.map(String);
  return {
    accepted: false,
    reason: reason as BidRejectReason,
    minNextBid: Number(minNext),
    ...(retryAfter === '' ? {} : { retryAfterMs: Number(retryAfter) }),
    startsAt: Number(startsAt),
    endsAt: Number(endsAt),
    trimmed: Number(trimmed),
  };
}

function leaderFrom(userId: string, bidderNumber: string, amount: string, bidId: string): AuctionLeader | null {
  return userId === '' ? null : { userId, bidderNumber: Number(bidderNumber), amount: Number(amount), bidId };
}

/**
 * The {@link AuctionStore} for several server nodes: auctions in the Redis of a
 * {@link RedisStore}, every state change one Lua script (features/auction/auctionScripts.ts),
 * so every node applies the rules to one shared state and there is one total order of bids
 * and one `auction:auction_ended`.
 *
 * It also **appends the auction room's events itself** (see {@link RoomEventsRedisStore}):
 * `auction:new_bid` and `auction:time_extended` in the same script that accepts the bid,
 * `auction:auction_ended` in the one that closes the auction, `auction:started` in the one
 * that marks the start — through the same Redis stream and channel as the server's own
 * publishes, so the room's `seq` order is the order of the decisions on every node. The
 * server must therefore use the same `RedisStore` (checked when the feature starts).
 *
 * Keys (prefix `p` from the RedisStore, `{auction:<id>}` is the room's hash tag, so an
 * auction's keys and its room's stream share a Cluster slot): `<p>auction:{auction:<id>}`
 * (hash: terms, progress, leader), `…:bids` (list of bid JSON), `…:bidders` (hash user →
 * bidder number), `…:highest` (hash user → highest bid), `…:attempts` (hash user → recent
 * attempt times), `…:audit` (list of attempt JSON, trimmed to the feature's `auditLimit`),
 * `…:autobids` (hash user → "max,order,active": the auto-bids, see autoBidRules.ts),
 * `…:presence` (sorted set of the sessions in the room by expiry) and `…:presence:users` (hash
 * user → sessions) — an {@link ExpiringMembers}, the same structure as a property's viewers —
 * and `<p>auctions:open` (set of open auction ids). See docs/scaling.md.
 *
 * @example
 * ```ts
 * const redis = new RedisStore({ url: process.env.REDIS_URL });
 * const auctions = auctionFeature({ store: new RedisAuctionStore(redis) });
 * const server = await createServer({ auth, store: redis, features: [auctions] });
 * ```
 */
export class RedisAuctionStore extends RoomEventsRedisStore implements AuctionStore {
  /** The `presenceTtlMs` option: how long a dead node's users stay counted (the feature re-announces this often). */
  readonly presenceTtlMs: number;
  /** The users in each auction room, by session; this node's sessions kept alive. */
  readonly #presence: ExpiringMembers;

  constructor(redis: RedisStore, options: RedisAuctionStoreOptions = {}) {
    super(redis);
    this.presenceTtlMs = options.presenceTtlMs ?? 30_000;
    if (!(this.presenceTtlMs > 0)) throw new TypeError('RedisAuctionStore: presenceTtlMs must be positive');
    this.#presence = new ExpiringMembers(redis, {
      ttlMs: this.presenceTtlMs,
      keys: (auctionId) => {
        const k = this.#keys(auctionId);
        return { members: k.presence, users: k.presenceUsers, requires: k.state };
      },
    });
  }

  async create(config: AuctionConfig, now: number): Promise<boolean> {
    const k = this.#keys(config.id);
    const args = [config.id, config.startingPrice, config.increment, config.startsAt, config.endsAt, config.extendWithinMs, config.extendByMs, now].map(
      (value) => (typeof value === 'number' ? int(value) : value),
    );
    return (await createScript.run(await this.client(), [k.state, this.#openKey], args)) === 1;
  }

  async get(auctionId: string, recentBids: number): Promise<AuctionRecord | undefined> {
    const k = this.#keys(auctionId);
    const reply = (await getScript.run(await this.client(), [k.state, k.bids], [Math.max(0, Math.floor(recentBids))])) as [string[], string[]] | 0;
    if (reply === 0) return undefined;
    const [flat, bids] = reply;
    const h: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
    return {
      id: h.id ?? auctionId,
      startingPrice: Number(h.startingPrice),
      increment: Number(h.increment),
      startsAt: Number(h.startsAt),
      endsAt: Number(h.endsAt),
      extendWithinMs: Number(h.extendWithinMs),
      extendByMs: Number(h.extendByMs),
      createdAt: Number(h.createdAt),
      started: h.started === '1',
      ended: h.ended === '1',
      endedAt: h.endedAt === undefined ? null : Number(h.endedAt),
      bidCount: Number(h.bidCount ?? 0),
      leader: leaderFrom(h.leaderUser ?? '', h.leaderNumber ?? '', h.leaderAmount ?? '', h.leaderBidId ?? ''),
      recentBids: bids.map((json) => JSON.parse(json) as AuctionBid),
    };
  }

  async listOpen(): Promise<string[]> {
    return (await this.client()).smembers(this.#openKey);
  }

  async placeBid(input: PlaceBidInput): Promise<PlaceBidOutcome | undefined> {
    const reply = await this.#runDeciding(placeBidScript, input, input.amount);
    if (reply[0] === 'unknown') return undefined;
    if (reply[0] === 'rejected') return rejectedFrom(reply as Array<string | number>);
    const [, manual, proxy, exhausted, trimmed] = reply as [string, Array<string | number>, Array<string | number>, Array<string | number>, number];
    return { accepted: true, ...acceptedFrom(manual), trimmed: Number(trimmed), autoBids: autoBidsFrom(proxy, exhausted) };
  }

  async setAutoBid(input: SetAutoBidInput): Promise<SetAutoBidOutcome | undefined> {
    const reply = await this.#runDeciding(setAutoBidScript, input, input.max);
    if (reply[0] === 'unknown') return undefined;
    if (reply[0] === 'rejected') return rejectedFrom(reply as Array<string | number>);
    const [, max, active, proxy, exhausted, trimmed] = reply as [string, string, string, Array<string | number>, Array<string | number>, number];
    return { accepted: true, trimmed: Number(trimmed), autoBid: { max: Number(max), active: active === '1' }, autoBids: autoBidsFrom(proxy, exhausted) };
  }

  async cancelAutoBid(auctionId: string, userId: string, now: number, auditLimit: number): Promise<{ cancelled: boolean; trimmed: number } | undefined> {
    const k = this.#keys(auctionId);
    const reply = (await cancelAutoBidScript.run(await this.client(), [k.state, k.autoBids, k.bidders, k.audit], [userId, JSON.stringify(userId), int(now), int(auditLimit)])) as [string, number?];
    if (reply[0] === 'unknown') return undefined;
    return reply[0] === 'none' ? { cancelled: false, trimmed: 0 } : { cancelled: true, trimmed: Number(reply[1]) };
  }

  async autoBidOf(auctionId: string, userId: string): Promise<AutoBidState | null> {
    const value = await (await this.client()).hget(this.#keys(auctionId).autoBids, userId);
    if (value === null) return null;
    const [max, , active] = value.split(',');
    return { max: Number(max), active: active === '1' };
  }

  /** Runs PLACE_BID or SET_AUTO_BID with their shared key and argument layout (auctionScripts.ts). */
  async #runDeciding(script: Script, input: PlaceBidInput | SetAutoBidInput, amount: number): Promise<unknown[]> {
    const { auctionId, userId, now, rateLimit, auditLimit } = input;
    const k = this.#keys(auctionId);
    const keys = [k.state, k.bids, k.bidders, k.highest, k.attempts, k.audit, k.autoBids];
    const args: Array<string | number> = [
      userId,
      JSON.stringify(userId),
      JSON.stringify(amount),
      int(now),
      rateLimit.maxBids,
      int(rateLimit.windowMs),
      auctionId,
      JSON.stringify(auctionId),
      int(auditLimit),
    ];
    const announce = this.roomTarget(auctionRoom(auctionId));
    keys.push(...announce.keys);
    args.push(announce.on ? 1 : 0, ...announce.args);
    const effect = announce.on ? this.redis.commandEffectTarget() : undefined;
    if (effect) {
      keys.push(effect.key);
      args.push(...effect.args);
    }
    return (await script.run(await this.client(), keys, args).catch((error: unknown) => Promise.reject(fencedAsUnavailable(error)))) as unknown[];
  }

  async recordRejectedAttempt(
    auctionId: string,
    attempt: { userId: string; amount: number | null; reason: BidRejectReason; at: number },
    limits: AttemptLimits,
  ): Promise<RecordAttemptOutcome | undefined> {
    const k = this.#keys(auctionId);
    const amount = attempt.amount === null ? 'null' : JSON.stringify(attempt.amount);
    const args = [int(attempt.at), attempt.userId, JSON.stringify(attempt.userId), amount, attempt.reason, limits.rateLimit.maxBids, int(limits.rateLimit.windowMs), int(limits.auditLimit)];
    const reply = (await recordRejectedScript.run(await this.client(), [k.state, k.bidders, k.audit, k.attempts], args)) as [string, number | string];
    if (reply[0] === 'unknown') return undefined;
    if (reply[0] === 'rate_limited') return { recorded: false, retryAfterMs: Number(reply[1]) };
    return { recorded: true, trimmed: Number(reply[1]) };
  }

  async endAuction(auctionId: string, now: number): Promise<EndAuctionOutcome | undefined> {
    const k = this.#keys(auctionId);
    const announce = this.roomTarget(auctionRoom(auctionId));
    const keys = [k.state, k.attempts, this.#openKey, ...announce.keys, k.autoBids];
    const args = [int(now), auctionId, JSON.stringify(auctionId), announce.on ? 1 : 0, ...announce.args];
    const reply = (await endScript.run(await this.client(), keys, args)) as string[];
    switch (reply[0]) {
      case 'unknown':
        return undefined;
      case 'already_ended':
        return { outcome: 'already_ended' };
      case 'not_due':
        return { outcome: 'not_due', endsAt: Number(reply[1]) };
      default: {
        const [, bidCount, user, number, amount, bidId] = reply as string[];
        return { outcome: 'ended', winner: leaderFrom(user!, number!, amount!, bidId!), bidCount: Number(bidCount), endedAt: now };
      }
    }
  }

  async markStarted(auctionId: string): Promise<boolean> {
    const announce = this.roomTarget(auctionRoom(auctionId));
    const keys = [this.#keys(auctionId).state, ...announce.keys];
    const args = [announce.on ? 1 : 0, JSON.stringify(auctionId), int(Date.now()), ...announce.args];
    return (await markStartedScript.run(await this.client(), keys, args)) === 1;
  }

  async bidderNumber(auctionId: string, userId: string, assign: boolean): Promise<number | null> {
    const k = this.#keys(auctionId);
    const number = (await bidderNumberScript.run(await this.client(), [k.state, k.bidders], [userId, assign ? 1 : 0])) as string | number | null;
    return number === null ? null : Number(number);
  }

  async highestBidOf(auctionId: string, userId: string): Promise<number | null> {
    const value = await (await this.client()).hget(this.#keys(auctionId).highest, userId);
    return value === null ? null : Number(value);
  }

  async audit(auctionId: string): Promise<AuctionAuditEntry[]> {
    const entries = await (await this.client()).lrange(this.#keys(auctionId).audit, 0, -1);
    return entries.map((json) => JSON.parse(json) as AuctionAuditEntry);
  }

  addPresence(auctionId: string, userId: string, sessionId: string): Promise<number> {
    return this.#presence.add(auctionId, userId, sessionId);
  }

  removePresence(auctionId: string, userId: string, sessionId: string): Promise<number> {
    return this.#presence.remove(auctionId, userId, sessionId);
  }

  activeBidders(auctionId: string, includingUserId?: string): Promise<number> {
    return this.#presence.count(auctionId, includingUserId);
  }

  /** Stops refreshing this node's presence entries (they then expire after `presenceTtlMs`). */
  async close(): Promise<void> {
    this.#presence.close();
  }

  get #openKey(): string {
    return `${this.redis.keys.prefix}auctions:open`;
  }

  #keys(auctionId: string) {
    const base = `${this.redis.keys.prefix}auction:{${auctionRoom(auctionId)}}`;
    return {
      state: base,
      bids: `${base}:bids`,
      bidders: `${base}:bidders`,
      highest: `${base}:highest`,
      attempts: `${base}:attempts`,
      audit: `${base}:audit`,
      autoBids: `${base}:autobids`,
      presence: `${base}:presence`,
      presenceUsers: `${base}:presence:users`,
    };
  }
}

/** Integer as text: what the scripts expect for times and amounts. */
function int(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : String(Math.round(value));
}
