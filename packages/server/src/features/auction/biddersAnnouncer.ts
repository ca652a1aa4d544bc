import type { AuctionEvents } from '@sinyal/protocol/schema';
import { auctionRoom, type AuctionContext } from './auctionContext';

/**
 * Announces the number of distinct users in an auction room (`auction:bidders`, volatile).
 * Joins and leaves are coalesced: the first change arms a timer, and when it fires the
 * count is read once and sent, so a burst of 50 joins costs one broadcast.
 */
export class BiddersAnnouncer {
  readonly #pending = new Map<string, NodeJS.Timeout>();
  /** Auctions whose room has (or had) members on this node: re-announced by {@link startRefresh}. */
  readonly #seen = new Set<string>();
  #refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: AuctionContext) {}

  /** Someone joined or left `auctionId`'s room. */
  changed(auctionId: string): void {
    // After stop() the server is gone: leaves during shutdown are not announced.
    if (!this.ctx.server) return;
    this.#seen.add(auctionId);
    if (this.#pending.has(auctionId)) return;
    const timer = setTimeout(() => {
      this.#pending.delete(auctionId);
      this.#announce(auctionId).catch(this.ctx.report);
    }, this.ctx.biddersCoalesceMs);
    timer.unref();
    this.#pending.set(auctionId, timer);
  }

  /**
   * With a store shared by several nodes: every `intervalMs`, sends the current count to this
   * node's members of each auction it has members in (`localOnly`: every node does the same
   * for its own). A node that died without its users leaving is announced by nobody; once its
   * presence expired in the store, this corrects the count everyone sees.
   */
  startRefresh(intervalMs: number): void {
    if (this.#refreshTimer || !(intervalMs > 0)) return;
    this.#refreshTimer = setInterval(() => {
      const server = this.ctx.server;
      if (!server) return;
      for (const auctionId of [...this.#seen]) {
        if (server.localMembers(auctionRoom(auctionId)) === 0) {
          this.#seen.delete(auctionId);
          continue;
        }
        this.#announce(auctionId, true).catch(this.ctx.report);
      }
    }, intervalMs);
    this.#refreshTimer.unref();
  }

  stop(): void {
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
    clearInterval(this.#refreshTimer);
    this.#refreshTimer = undefined;
    this.#seen.clear();
  }

  async #announce(auctionId: string, localOnly = false): Promise<void> {
    const server = this.ctx.server;
    if (!server) return;
    const bidders: AuctionEvents['auction:bidders'] = { auctionId, count: await this.ctx.store.activeBidders(auctionId) };
    await server.publish(auctionRoom(auctionId), 'auction:bidders', bidders, { volatile: true, localOnly });
  }
}
