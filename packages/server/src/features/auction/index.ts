import { CreateAuctionInput, type AuctionState } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { Feature } from '../../api/feature';
import { auctionRoom, type AuctionContext } from './auctionContext';
import { AuctionLifecycle } from './auctionLifecycle';
import { AuditDrops } from './auditDrops';
import { auctionState } from './auctionState';
import { BiddersAnnouncer } from './biddersAnnouncer';
import { MemoryAuctionStore } from './memoryAuctionStore';
import { RedisAuctionStore } from './redisAuctionStore';
import { DEFAULT_AUCTION_OPTIONS, type AuctionFeatureOptions } from './options';
import { placeBidCommand } from './placeBid';
import { cancelAutoBidCommand, setAutoBidCommand } from './autoBidCommands';
import { auctionRoutes, stateFor } from './routes';
import { auctionTermsProblem } from './rules';
import type { AuctionStore } from './store';
import { requireServerOnSameRedis } from '../../redis/roomEventsRedisStore';

export { DEFAULT_AUCTION_OPTIONS, type AuctionFeatureOptions } from './options';
export { MemoryAuctionStore } from './memoryAuctionStore';
export { RedisAuctionStore, type RedisAuctionStoreOptions } from './redisAuctionStore';
export type {
  AuctionStore,
  AuctionConfig,
  AuctionRecord,
  AuctionLeader,
  AttemptLimits,
  PlaceBidInput,
  PlaceBidOutcome,
  RecordAttemptOutcome,
  EndAuctionOutcome,
  AcceptedBid,
  AutoBidOutcome,
  SetAutoBidInput,
  SetAutoBidOutcome,
  RejectedAttempt,
} from './store';
export type { AuctionTerms, BidRateLimit } from './rules';
export { resolveAutoBids, type AutoBidEntry, type AutoBidPosition, type AutoBidResolution } from './autoBidRules';

/** The mounted auction feature, plus the platform's server-side API. */
export interface AuctionFeature extends Feature {
  /** Where the auctions live (the store given in the options, or the default memory store). */
  readonly store: AuctionStore;
  /**
   * Creates an auction (what `POST /api/auctions` does). Throws `SinyalServerError`
   * `invalid_frame`/`bad_request` for bad input and `conflict` for an id already taken.
   * Can be called before the server starts; timers are armed once it runs.
   */
  createAuction(input: CreateAuctionInput): Promise<AuctionState>;
  /** The public state of an auction, or `undefined` if unknown. */
  getAuction(auctionId: string): Promise<AuctionState | undefined>;
}

/**
 * Live auctions: rooms `auction:<id>` whose join state is the auction (price, minimum next
 * bid, end, recent bids, your bidder number), the command `auction:place_bid` decided by
 * the server alone, auto-bids (`auction:set_auto_bid` / `auction:cancel_auto_bid`: the server
 * bids for you up to a hidden maximum, rules in autoBidRules.ts), anti-sniping extensions, one `auction:auction_ended` driven by a server
 * timer, outbid notices in the loser's feed, and a bounded audit trail of the bidders' attempts
 * (`auditLimit` entries per auction).
 * See docs/auction.md.
 *
 * @example
 * ```ts
 * const auctions = auctionFeature({ bidRateLimit: { maxBids: 5, windowMs: 2000 } });
 * const server = await createServer({ auth, publishSecret, features: [auctions] });
 * await auctions.createAuction({
 *   id: 'menteng-12', startingPrice: 2_000_000_000, increment: 50_000_000,
 *   startsAt: Date.now(), endsAt: Date.now() + 3_600_000,
 * });
 * ```
 */
export function auctionFeature(options: AuctionFeatureOptions = {}): AuctionFeature {
  const store: AuctionStore = options.store ?? new MemoryAuctionStore();
  const history = options.history ?? DEFAULT_AUCTION_OPTIONS.history;
  store.appendsRoomEvents?.(history);
  const ctx: AuctionContext = {
    store,
    storeAppendsRoomEvents: store.appendsRoomEvents !== undefined,
    bidRateLimit: { ...(options.bidRateLimit ?? DEFAULT_AUCTION_OPTIONS.bidRateLimit) },
    auditLimit: options.auditLimit ?? DEFAULT_AUCTION_OPTIONS.auditLimit,
    auditDrops: new AuditDrops(),
    recentBids: options.recentBids ?? DEFAULT_AUCTION_OPTIONS.recentBids,
    extendWithinMs: options.extendWithinMs ?? DEFAULT_AUCTION_OPTIONS.extendWithinMs,
    extendByMs: options.extendByMs ?? DEFAULT_AUCTION_OPTIONS.extendByMs,
    timerSyncIntervalMs: options.timerSyncIntervalMs ?? DEFAULT_AUCTION_OPTIONS.timerSyncIntervalMs,
    biddersCoalesceMs: options.biddersCoalesceMs ?? DEFAULT_AUCTION_OPTIONS.biddersCoalesceMs,
    authorize: options.authorize,
    now: options.now ?? Date.now,
    report: options.onError ?? ((error) => console.error('[sinyal] auction:', error)),
    server: undefined,
  };
  const { maxBids, windowMs } = ctx.bidRateLimit;
  if (!(Number.isInteger(maxBids) && maxBids > 0 && Number.isFinite(windowMs) && windowMs > 0)) {
    throw new TypeError('auctionFeature: bidRateLimit needs a positive integer maxBids and a positive windowMs');
  }
  if (!(Number.isInteger(ctx.auditLimit) && ctx.auditLimit > 0)) throw new TypeError('auctionFeature: auditLimit must be a positive integer');
  const lifecycle = new AuctionLifecycle(ctx);
  const bidders = new BiddersAnnouncer(ctx);

  const createAuction = async (input: CreateAuctionInput): Promise<AuctionState> => {
    const parsed = CreateAuctionInput.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SinyalServerError('bad_request', `auction: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid input'}`);
    }
    const config = {
      ...parsed.data,
      extendWithinMs: parsed.data.extendWithinMs ?? ctx.extendWithinMs,
      extendByMs: parsed.data.extendByMs ?? ctx.extendByMs,
    };
    const problem = auctionTermsProblem(config);
    if (problem) throw new SinyalServerError('bad_request', `auction: ${problem}`);
    if (!(await store.create(config, ctx.now()))) throw new SinyalServerError('conflict', `auction "${config.id}" already exists`);
    const record = (await store.get(config.id, ctx.recentBids))!;
    if (ctx.server) lifecycle.track(record);
    return auctionState(record, ctx.now(), 0);
  };

  return {
    name: 'auction',
    store,
    createAuction,
    async getAuction(auctionId) {
      const record = await store.get(auctionId, ctx.recentBids);
      return record && auctionState(record, ctx.now(), await store.activeBidders(auctionId));
    },
    rooms: {
      auction: {
        history,
        authorize: async ({ user, id }) => {
          if (!(await store.get(id, 0))) throw new SinyalServerError('not_found', `auction "${id}" does not exist`);
          lifecycle.watch(id);
          return ctx.authorize ? ctx.authorize({ user, auctionId: id, action: 'join' }) : true;
        },
        // Counts the joiner, who is registered by onJoin only after this state is sent.
        snapshot: ({ user, id }) => stateFor(ctx, id, user, { assignBidder: true, joining: true }),
        onJoin: async ({ user, id, sessionId }) => {
          await store.addPresence(id, user.id, sessionId);
          bidders.changed(id);
        },
        onLeave: async ({ user, id, sessionId }) => {
          await store.removePresence(id, user.id, sessionId);
          bidders.changed(id);
        },
      },
    },
    commands: {
      'auction:place_bid': placeBidCommand(ctx, lifecycle),
      'auction:set_auto_bid': setAutoBidCommand(ctx, lifecycle),
      'auction:cancel_auto_bid': cancelAutoBidCommand(ctx),
    },
    routes: auctionRoutes(ctx, createAuction),
    async start(server) {
      requireServerOnSameRedis('auctionFeature', store, server);
      ctx.server = server;
      ctx.auditDrops.register(server.metrics, ctx.auditLimit);
      lifecycle.startTimerSync();
      // Shared by several nodes: a dead node's bidders expire in the store; re-announce the counts.
      bidders.start(store instanceof RedisAuctionStore ? store.presenceTtlMs : undefined);
      // In the background: a store that is unreachable right now must not keep the node from starting.
      void lifecycle.resumeOpen();
    },
    async stop() {
      lifecycle.stop();
      bidders.stop();
      ctx.server = undefined;
      await store.close?.();
    },
  };
}

export { auctionRoom };
