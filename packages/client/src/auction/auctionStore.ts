import type { AuctionBid, AuctionCommands, AuctionEvents, AuctionJoinState, AuctionStatus, AutoBidState, CancelAutoBidResult, PlaceBidResult, SetAutoBidResult } from '@sinyal/protocol';
import type { SinyalClient } from '../client';
import { isSinyalError, SinyalError } from '../errors';
import type { PendingCommand } from '../outbox';
import type { Room, RoomStatus } from '../room';
import { logError, Subscribable } from '../subscribable';
import { unref } from '../timers';
import { onUserFeed } from '../userFeed';
import { contiguousTail, insertBid, mergeBids } from './bidHistory';
import { cachedStore } from '../storeCache';

/** The auction as the UI shows it. Bidders are anonymous numbers ("Bidder 3"). */
export interface AuctionView {
  status: AuctionStatus;
  startingPrice: number;
  /** Highest bid so far (the starting price while nobody has bid). */
  currentPrice: number;
  /** Smallest bid the server will accept now. */
  minNextBid: number;
  increment: number;
  startsAt: number;
  /** Server time the auction ends (moves later when a late bid extends it). */
  endsAt: number;
  /** Bidder number of the highest bidder. */
  leader: number | null;
  winner: number | null;
  finalPrice: number | null;
  /** Distinct users in the auction now. */
  activeBidders: number;
  /** Accepted bids so far. */
  bidCount: number;
}

/** Snapshot of an {@link AuctionStore}; a new object only when something changed. */
export interface AuctionSnapshot {
  /** The auction room's status: `joining` until the first state arrives and while reconnecting. */
  status: RoomStatus;
  /** `undefined` until the server sent the auction. */
  state: AuctionView | undefined;
  /** Accepted bids, oldest first, in the server's order (the same on every client), one per bid id. */
  bids: readonly AuctionBid[];
  /** Your anonymous bidder number. */
  myBidderNumber: number | null;
  /** You hold the highest bid. */
  isLeading: boolean;
  /** Someone outbid you (and you have not bid again since). */
  outbid: boolean;
  /**
   * Your auto-bid (the server bids for you up to `max`), the same on all your devices;
   * `active: false` once another bidder went past your maximum ("your auto-bid limit was
   * reached") or the auction ended; `null` when you have none.
   */
  autoBid: AutoBidState | null;
  /** Why the last bid (or the join) failed: `conflict` (not active / ended), `bad_request` (too low), `not_found`, `forbidden`… */
  lastError: SinyalError | undefined;
}

type AuctionClient = SinyalClient<AuctionEvents, AuctionCommands>;

const STATUS_RANK: Record<AuctionStatus, number> = { scheduled: 0, active: 1, ended: 2 };

// Pure annotations: a bundler may drop this constant from apps that never use auctions.
const INITIAL: AuctionSnapshot = /* @__PURE__ */ Object.freeze({
  status: 'idle',
  state: undefined,
  bids: /* @__PURE__ */ Object.freeze([]) as readonly AuctionBid[],
  myBidderNumber: null,
  isLeading: false,
  outbid: false,
  autoBid: null,
  lastError: undefined,
});

function viewOf(state: AuctionJoinState): AuctionView {
  const { status, startingPrice, currentPrice, minNextBid, increment, startsAt, endsAt, leader, winner, finalPrice, activeBidders, bidCount } = state;
  return { status, startingPrice, currentPrice, minNextBid, increment, startsAt, endsAt, leader, winner, finalPrice, activeBidders, bidCount };
}

/**
 * Live state of one auction for a UI: price, minimum next bid, end time, bid history,
 * your bidder number, whether you lead or were outbid, and a countdown on server time.
 * It joins `auction:<id>` (and listens to your feed for `auction:outbid`) while it has at
 * least one subscriber. Every (re)join replaces the state from the server; bids are
 * applied idempotently by `seq`, so a reconnect loses nothing and duplicates nothing.
 * Get it with {@link auctionStore}: one instance per client and auction.
 */
export class AuctionStore extends Subscribable {
  readonly auctionId: string;
  readonly #client: AuctionClient;
  readonly #room: Room<AuctionEvents>;
  #detach: (() => void) | undefined;
  #snapshot: AuctionSnapshot = INITIAL;
  #roomStatus: RoomStatus = 'idle';
  #view: AuctionView | undefined;
  #bids: readonly AuctionBid[] = INITIAL.bids;
  #myBidderNumber: number | null = null;
  #myLastBidSeq = 0;
  #outbid = false;
  #autoBid: AutoBidState | null = null;
  #lastError: SinyalError | undefined;

  constructor(client: AuctionClient, auctionId: string) {
    super();
    this.auctionId = auctionId;
    this.#client = client;
    this.#room = client.room(`auction:${auctionId}`);
    this.report = client.options.onError ?? logError;
  }

  getSnapshot(): AuctionSnapshot {
    return this.#snapshot;
  }

  /**
   * Bid `amount`. Goes through the outbox (sent after a reconnect if offline, once).
   * `done` resolves with `{ accepted: true, bid }` or rejects with a `SinyalError`:
   * `conflict` (not started / ended), `bad_request` (below the minimum, named in the
   * message), `not_found`. Bids refused as `rate_limited` are re-sent by the outbox after
   * the server's `retryAfterMs`. The failure also lands in `lastError`.
   */
  placeBid(amount: number): PendingCommand<PlaceBidResult> {
    return this.#track(this.#client.command('auction:place_bid', { auctionId: this.auctionId, amount }));
  }

  /**
   * Auto-bid: the server bids for you at the minimum increment whenever you are outbid, up
   * to `max` (hidden from everyone else), in the same step as the bid it answers. Setting
   * again replaces the maximum. `done` resolves with `{ autoBid, bid }` — `bid` is the bid
   * placed for you at once, if any; `autoBid.active` is `false` when another auto-bid
   * already goes past `max` — or rejects like {@link placeBid} (`bad_request` when `max` is
   * below the minimum next bid). `autoBid` in the snapshot follows on all your devices.
   */
  setAutoBid(max: number): PendingCommand<SetAutoBidResult> {
    const command = this.#track(this.#client.command('auction:set_auto_bid', { auctionId: this.auctionId, max }));
    command.done.then(({ autoBid }) => this.#update(() => (this.#autoBid = autoBid)), () => {});
    return command;
  }

  /** Stops your auto-bid; the bids it placed stay. `done` resolves with `{ cancelled }` (`false` when there was none). */
  cancelAutoBid(): PendingCommand<CancelAutoBidResult> {
    const command = this.#track(this.#client.command('auction:cancel_auto_bid', { auctionId: this.auctionId }));
    command.done.then(() => this.#update(() => (this.#autoBid = null)), () => {});
    return command;
  }

  /** Keeps `lastError` on the outcome of a command of this auction. */
  #track<T>(command: PendingCommand<T>): PendingCommand<T> {
    command.done.then(
      () => this.#update(() => (this.#lastError = undefined)),
      (error: unknown) => this.#update(() => (this.#lastError = isSinyalError(error) ? error : new SinyalError('internal', String(error)))),
    );
    return command;
  }

  /** Milliseconds until the end on the server's clock (0 once ended or before the state arrived). */
  msRemaining(): number {
    const view = this.#view;
    if (!view || view.status === 'ended') return 0;
    return Math.max(0, view.endsAt - this.#client.clock.now());
  }

  /** Milliseconds until the start on the server's clock (0 once started). */
  msUntilStart(): number {
    const view = this.#view;
    if (!view || view.status !== 'scheduled') return 0;
    return Math.max(0, view.startsAt - this.#client.clock.now());
  }

  /**
   * Ticks `listener(msRemaining, msUntilStart)` every `everyMs` while the auction is
   * scheduled or active — so a page can count down to the start, then to the end — and
   * once more when it ends. Keeps the store subscribed. Returns the stop function.
   *
   * @example
   * ```ts
   * const stop = auctionStore(client, 'menteng-12').subscribeCountdown((ms) => render(formatHms(ms)));
   * ```
   */
  subscribeCountdown(listener: (msRemaining: number, msUntilStart: number) => void, everyMs = 250): () => void {
    let timer: ReturnType<typeof setInterval> | undefined;
    const tick = () => {
      try {
        listener(this.msRemaining(), this.msUntilStart());
      } catch (error) {
        this.report(error);
      }
    };
    const sync = () => {
      const status = this.#view?.status;
      const active = status === 'active' || status === 'scheduled';
      if (active && !timer) {
        timer = unref(setInterval(tick, everyMs));
        tick();
      } else if (!active && timer) {
        clearInterval(timer);
        timer = undefined;
        tick();
      }
    };
    const unsubscribe = this.subscribe(sync);
    sync();
    return () => {
      unsubscribe();
      clearInterval(timer);
      timer = undefined;
    };
  }

  protected override onSubscribe(): void {
    if (!this.#detach) this.#attach();
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size === 0 && this.#detach) {
      const detach = this.#detach;
      this.#detach = undefined;
      detach();
    }
  }

  #attach(): void {
    const room = this.#room;
    const wasJoined = room.getSnapshot().status === 'joined';
    const offs = [
      room.onJoined(({ state }) => this.#applyJoinState(state as AuctionJoinState | undefined)),
      room.onReset(() => this.#update(() => (this.#bids = contiguousTail(this.#bids)))),
      room.subscribe(() => this.#syncRoomStatus()),
      room.on('auction:new_bid', (bid) => this.#applyBid(bid)),
      room.on('auction:time_extended', ({ endsAt }) => this.#patchView((view) => (endsAt > view.endsAt ? { endsAt } : undefined))),
      room.on('auction:started', () => this.#patchView((view) => (view.status === 'scheduled' ? { status: 'active' } : undefined))),
      room.on('auction:timer_sync', ({ endsAt, status }) =>
        this.#patchView((view) => {
          const patch: Partial<AuctionView> = {};
          if (endsAt > view.endsAt) patch.endsAt = endsAt;
          // Only the durable auction_ended (with winner and price) may end the auction.
          if (status === 'active' && view.status === 'scheduled') patch.status = 'active';
          return Object.keys(patch).length ? patch : undefined;
        }),
      ),
      room.on('auction:bidders', ({ count }) => this.#patchView((view) => (view.activeBidders === count ? undefined : { activeBidders: count }))),
      room.on('auction:auction_ended', (ended) => this.#applyEnded(ended)),
      onUserFeed(this.#client, (feed) => {
        const offOutbid = feed.on('auction:outbid', (outbid) => {
          if (outbid.auctionId !== this.auctionId || outbid.bidSeq < this.#myLastBidSeq) return;
          this.#update(() => (this.#outbid = true));
        });
        const offEnded = feed.on('auction:auction_ended', (ended) => ended.auctionId === this.auctionId && this.#applyEnded(ended));
        const offAutoBid = feed.on('auction:auto_bid', ({ auctionId, autoBid }) => auctionId === this.auctionId && this.#update(() => (this.#autoBid = autoBid)));
        return () => {
          offOutbid();
          offEnded();
          offAutoBid();
        };
      }),
    ];
    this.#detach = () => offs.forEach((off) => off());
    this.#syncRoomStatus();
    // Someone else had joined the room already, so no fresh join state would come: re-join
    // (the server answers with the current state and replays what this store missed).
    if (wasJoined) this.#room.rejoin();
  }

  #syncRoomStatus(): void {
    const { status, error } = this.#room.getSnapshot();
    if (status === this.#roomStatus && (status !== 'error' || error === this.#lastError)) return;
    this.#update(() => {
      this.#roomStatus = status;
      if (status === 'error' && error) this.#lastError = error;
    });
  }

  #applyJoinState(state: AuctionJoinState | undefined): void {
    if (!state) return;
    this.#update(() => {
      this.#view = viewOf(state);
      this.#myBidderNumber = state.myBidderNumber;
      this.#autoBid = state.myAutoBid ?? null;
      this.#bids = mergeBids(this.#bids, state.recentBids);
      for (const bid of state.recentBids) if (bid.bidderNumber === state.myBidderNumber) this.#myLastBidSeq = Math.max(this.#myLastBidSeq, bid.seq);
      this.#outbid = state.myHighestBid !== null && state.leader !== state.myBidderNumber;
    });
  }

  #applyBid(bid: AuctionEvents['auction:new_bid']): void {
    const { minNextBid, ...entry } = bid;
    const bids = insertBid(this.#bids, entry);
    if (bids === this.#bids) return; // already known
    this.#update(() => {
      this.#bids = bids;
      const view = this.#view;
      if (view && bid.seq > view.bidCount) {
        this.#view = {
          ...view,
          currentPrice: bid.amount,
          minNextBid,
          leader: bid.bidderNumber,
          bidCount: bid.seq,
          status: view.status === 'scheduled' ? 'active' : view.status,
        };
        const mine = this.#myBidderNumber !== null && bid.bidderNumber === this.#myBidderNumber;
        if (mine) {
          this.#myLastBidSeq = bid.seq;
          this.#outbid = false;
        } else if (this.#myLastBidSeq > 0) {
          this.#outbid = true;
        }
      }
    });
  }

  #applyEnded(ended: AuctionEvents['auction:auction_ended']): void {
    this.#patchView((view) =>
      view.status === 'ended' && view.winner === ended.winner && view.finalPrice === ended.finalPrice
        ? undefined
        : { status: 'ended', winner: ended.winner, finalPrice: ended.finalPrice, bidCount: Math.max(view.bidCount, ended.bidCount) },
    );
  }

  #patchView(patchOf: (view: AuctionView) => Partial<AuctionView> | undefined): void {
    const view = this.#view;
    if (!view) return;
    const patch = patchOf(view);
    if (!patch) return;
    if (patch.status && STATUS_RANK[patch.status] < STATUS_RANK[view.status]) delete patch.status;
    if (Object.keys(patch).length === 0) return;
    this.#update(() => (this.#view = { ...view, ...patch }));
  }

  /** Applies a change and publishes a new snapshot. */
  #update(change: () => void): void {
    change();
    const view = this.#view;
    const myBidderNumber = this.#myBidderNumber;
    this.#snapshot = {
      status: this.#roomStatus,
      state: view,
      bids: this.#bids,
      myBidderNumber,
      isLeading: myBidderNumber !== null && view?.leader === myBidderNumber,
      outbid: this.#outbid,
      autoBid: this.#autoBid && view?.status === 'ended' && this.#autoBid.active ? { ...this.#autoBid, active: false } : this.#autoBid,
      lastError: this.#lastError,
    };
    this.notify();
  }
}

const storesByClient = new WeakMap<object, Map<string, AuctionStore>>();

/**
 * The {@link AuctionStore} of `auctionId` on this client: the same instance for every
 * caller, so fifty components showing one auction share one room join and one state.
 *
 * @example
 * ```ts
 * const auction = auctionStore(client, 'menteng-12');
 * const stop = auction.subscribe(() => render(auction.getSnapshot()));
 * await auction.placeBid(auction.getSnapshot().state!.minNextBid).done;
 * ```
 */
export function auctionStore<Events extends object, Commands extends object>(client: SinyalClient<Events, Commands>, auctionId: string): AuctionStore {
  return cachedStore(storesByClient, client, auctionId, () => new AuctionStore(client as unknown as AuctionClient, auctionId));
}
