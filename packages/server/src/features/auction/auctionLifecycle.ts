import type { AuctionEvents } from '@sinyal/protocol/schema';
import { auctionRoom, type AuctionContext } from './auctionContext';
import { AuctionTimers } from './auctionTimers';
import { BidSequencer } from './bidSequencer';
import { auctionStatus } from './rules';
import type { AuctionRecord, EndAuctionOutcome } from './store';

/** How soon a start or end that failed on the store (unreachable) is tried again. */
const STORE_RETRY_MS = 1000;

/**
 * The auction's clock: announces the start at `startsAt`, closes the auction at `endsAt`
 * (re-armed when a late bid extends it) with exactly one `auction:auction_ended`, and sends
 * the periodic `auction:timer_sync`. It also keeps, per auction, the {@link BidSequencer}
 * that puts every durable announcement in bid order — unless the store appends the room's
 * events itself (`AuctionStore.appendsRoomEvents`), which orders them across nodes.
 *
 * With a store shared by several nodes, every node that sees an auction in use keeps its
 * timers ({@link watch}); the store's `endAuction`/`markStarted` let exactly one of them
 * close or start it, whichever fires first.
 */
export class AuctionLifecycle {
  readonly #timers: AuctionTimers;
  /** Open auctions this node keeps timers for. */
  readonly #open = new Set<string>();
  readonly #sequencers = new Map<string, BidSequencer>();
  #syncTimer: NodeJS.Timeout | undefined;
  #resumeTimer: NodeJS.Timeout | undefined;
  #wakeResume: (() => void) | undefined;

  constructor(private readonly ctx: AuctionContext) {
    this.#timers = new AuctionTimers(() => ctx.now(), ctx.report);
  }

  /** Arms the timers of an open auction (new, or found in the store at start-up). */
  track(record: AuctionRecord): void {
    if (record.ended) return;
    const id = record.id;
    this.#open.add(id);
    if (!this.#sequencers.has(id)) this.#sequencers.set(id, new BidSequencer(record.bidCount, this.ctx.report));
    if (!record.started) this.#timers.at(`start:${id}`, record.startsAt, () => this.announceStart(id));
    this.#timers.at(`end:${id}`, record.endsAt, () => this.finish(id));
  }

  /**
   * Makes sure this node keeps the timers of an auction it sees in use (a join, a bid) even
   * though it did not create it: with a shared store, an auction created on another node
   * must still start and end if that node is gone. Cheap when already tracked.
   */
  watch(auctionId: string): void {
    if (!this.ctx.server || this.#open.has(auctionId)) return;
    this.#open.add(auctionId); // claimed now, so concurrent calls read the store once
    this.ctx.store.get(auctionId, 0).then(
      (record) => {
        if (!record || record.ended || !this.ctx.server) return void this.#open.delete(auctionId);
        this.track(record);
      },
      (error: unknown) => {
        this.#open.delete(auctionId);
        this.ctx.report(error);
      },
    );
  }

  /** A late bid moved the end. */
  extend(auctionId: string, endsAt: number): void {
    if (!this.ctx.server) return;
    this.#timers.at(`end:${auctionId}`, endsAt, () => this.finish(auctionId));
  }

  /**
   * The announcer of an auction's bids. `acceptedSeq` tells a node that has not seen the
   * auction before (created on another node) where the sequence stands.
   */
  sequencer(auctionId: string, acceptedSeq: number): BidSequencer {
    let sequencer = this.#sequencers.get(auctionId);
    if (!sequencer) this.#sequencers.set(auctionId, (sequencer = new BidSequencer(acceptedSeq - 1, this.ctx.report)));
    return sequencer;
  }

  async announceStart(auctionId: string): Promise<void> {
    const server = this.ctx.server;
    if (!server) return;
    let flipped: boolean;
    try {
      flipped = await this.ctx.store.markStarted(auctionId);
    } catch (error) {
      this.#retrySoon('start', auctionId, () => this.announceStart(auctionId));
      throw error;
    }
    if (!flipped) return;
    if (this.ctx.storeAppendsRoomEvents) return; // markStarted appended auction:started
    const record = await this.ctx.store.get(auctionId, 0);
    if (!record) return;
    const started: AuctionEvents['auction:started'] = { auctionId, startsAt: record.startsAt, endsAt: record.endsAt };
    await server.publish(auctionRoom(auctionId), 'auction:started', started);
  }

  /**
   * Closes the auction if it is due, and announces the end once: in the room (after the
   * last bid's announcement) and in the winner's feed. Called by the end timer and
   * whenever a bid is refused as `ended`, so a late timer never delays the close.
   */
  async finish(auctionId: string): Promise<void> {
    const server = this.ctx.server;
    if (!server) return;
    let outcome: EndAuctionOutcome | undefined;
    try {
      outcome = await this.ctx.store.endAuction(auctionId, this.ctx.now());
    } catch (error) {
      // The store is unreachable right at the end (a Redis blip): try again, or the auction
      // would stay open with nobody left to close it.
      this.#retrySoon('end', auctionId, () => this.finish(auctionId));
      throw error;
    }
    if (!outcome) return;
    if (outcome.outcome === 'not_due') return this.extend(auctionId, outcome.endsAt);
    this.#untrack(auctionId);
    if (outcome.outcome === 'already_ended') return;
    const { winner, bidCount, endedAt } = outcome;
    const ended: AuctionEvents['auction:auction_ended'] = { auctionId, winner: winner?.bidderNumber ?? null, finalPrice: winner?.amount ?? null, bidCount, endedAt };
    if (this.ctx.storeAppendsRoomEvents) {
      // endAuction appended auction:auction_ended to the room; the winner's feed copy is ours.
      if (winner) await server.publishToUser(winner.userId, 'auction:auction_ended', ended);
      return;
    }
    await this.sequencer(auctionId, bidCount + 1).afterBids(bidCount, async () => {
      await server.publish(auctionRoom(auctionId), 'auction:auction_ended', ended);
      if (winner) await server.publishToUser(winner.userId, 'auction:auction_ended', ended);
    });
    this.#sequencers.delete(auctionId);
  }

  /**
   * Arms the timers of every open auction in the store (a node starting, or restarting). A
   * store that cannot answer yet (Redis down while this node starts) does not stop the node:
   * it is asked again every `retryMs` until it answers or the server stops; meanwhile joins
   * and bids arm the auctions they touch ({@link watch}).
   */
  async resumeOpen(retryMs = 1000): Promise<void> {
    let reported = false;
    while (this.ctx.server) {
      try {
        for (const auctionId of await this.ctx.store.listOpen()) {
          const record = await this.ctx.store.get(auctionId, 0);
          if (record && this.ctx.server) this.track(record);
        }
        return;
      } catch (error) {
        if (!reported) this.ctx.report(error);
        reported = true;
        await new Promise<void>((resolve) => {
          this.#resumeTimer = setTimeout(resolve, retryMs);
          this.#resumeTimer.unref();
          this.#wakeResume = resolve; // stop() ends the wait, and the loop with it
        });
      }
    }
  }

  /** Starts the periodic `auction:timer_sync` for rooms with members on this node. */
  startTimerSync(): void {
    if (this.ctx.timerSyncIntervalMs <= 0 || this.#syncTimer) return;
    this.#syncTimer = setInterval(() => void this.#syncTimers().catch(this.ctx.report), this.ctx.timerSyncIntervalMs);
    this.#syncTimer.unref();
  }

  stop(): void {
    clearTimeout(this.#resumeTimer);
    this.#wakeResume?.();
    clearInterval(this.#syncTimer);
    this.#syncTimer = undefined;
    this.#timers.clear();
    this.#open.clear();
    for (const sequencer of this.#sequencers.values()) sequencer.dispose();
    this.#sequencers.clear();
  }

  async #syncTimers(): Promise<void> {
    const server = this.ctx.server;
    if (!server) return;
    for (const auctionId of this.#open) {
      const room = auctionRoom(auctionId);
      if (server.localMembers(room) === 0) continue;
      const record = await this.ctx.store.get(auctionId, 0);
      if (!record) continue;
      const serverNow = this.ctx.now();
      const sync: AuctionEvents['auction:timer_sync'] = { auctionId, serverNow, endsAt: record.endsAt, status: auctionStatus(record, serverNow) };
      // Every node with members sends its own: local only, or each client would get one per node.
      await server.publish(room, 'auction:timer_sync', sync, { volatile: true, localOnly: true });
    }
  }

  /** Re-arms a timer that failed on the store, while this node still tracks the auction. */
  #retrySoon(timer: 'start' | 'end', auctionId: string, fire: () => Promise<void>): void {
    if (!this.ctx.server || !this.#open.has(auctionId)) return;
    this.#timers.at(`${timer}:${auctionId}`, this.ctx.now() + STORE_RETRY_MS, fire);
  }

  #untrack(auctionId: string): void {
    this.#open.delete(auctionId);
    this.#timers.cancel(`start:${auctionId}`);
    this.#timers.cancel(`end:${auctionId}`);
  }
}
