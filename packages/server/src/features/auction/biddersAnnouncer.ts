import type { AuctionEvents } from '@sinyal/protocol/schema';
import { auctionRoom, type AuctionContext } from './auctionContext';

/**
 * Announces the number of distinct users in an auction room (`auction:bidders`, volatile).
 * Joins and leaves are coalesced: the first change arms a timer, and when it fires the
 * count is read once and sent, so a burst of 50 joins costs one broadcast.
 */
export class BiddersAnnouncer {
  readonly #pending = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: AuctionContext) {}

  /** Someone joined or left `auctionId`'s room. */
  changed(auctionId: string): void {
    // After stop() the server is gone: leaves during shutdown are not announced.
    if (!this.ctx.server || this.#pending.has(auctionId)) return;
    const timer = setTimeout(() => {
      this.#pending.delete(auctionId);
      this.#announce(auctionId).catch(this.ctx.report);
    }, this.ctx.biddersCoalesceMs);
    timer.unref();
    this.#pending.set(auctionId, timer);
  }

  stop(): void {
    for (const timer of this.#pending.values()) clearTimeout(timer);
    this.#pending.clear();
  }

  async #announce(auctionId: string): Promise<void> {
    const server = this.ctx.server;
    if (!server) return;
    const bidders: AuctionEvents['auction:bidders'] = { auctionId, count: await this.ctx.store.activeBidders(auctionId) };
    await server.publish(auctionRoom(auctionId), 'auction:bidders', bidders, { volatile: true });
  }
}
