import type { AuctionEvents } from '@sinyal/protocol/schema';
import { Coalescer } from '../../rooms/coalescer';
import { auctionRoom, type AuctionContext } from './auctionContext';

type Bidders = AuctionEvents['auction:bidders'];

/**
 * Announces the number of distinct users in an auction room (`auction:bidders`, volatile)
 * through a {@link Coalescer}, as the presence feature announces viewer counts: joins and
 * leaves are coalesced per auction (`biddersCoalesceMs`), the count is read once when the
 * interval ends and sent to every node's members — every time, since another node may have
 * sent a different count meanwhile — so a burst of 50 joins costs one broadcast.
 *
 * With a store shared by several nodes, a node that died without its users leaving is
 * announced by nobody: every `recountMs` each node re-reads the count of every auction whose
 * room has members on this node and sends it to those members (`localOnly`: every node does
 * the same for its own), which corrects the count everyone sees once the dead node's
 * presence expired in the store.
 */
export class BiddersAnnouncer {
  /** Auctions whose room has (or had) members on this node: the ones a recount re-reads. */
  readonly #seen = new Set<string>();
  #counts: Coalescer<Bidders> | undefined;

  constructor(private readonly ctx: AuctionContext) {}

  /** Starts announcing (the server is running); with `recountMs`, also re-announces that often. */
  start(recountMs?: number): void {
    this.stop();
    const unwatched = (auctionId: string) => !this.ctx.server || this.ctx.server.localMembers(auctionRoom(auctionId)) === 0;
    const counts = new Coalescer<Bidders>({
      intervalMs: this.ctx.biddersCoalesceMs,
      read: async (auctionId) => ({ auctionId, count: await this.ctx.store.activeBidders(auctionId) }),
      send: (auctionId, bidders, { localOnly }) => this.ctx.server?.publish(auctionRoom(auctionId), 'auction:bidders', bidders, { volatile: true, localOnly }),
      forget: unwatched,
      onError: (error) => this.ctx.report(error),
    });
    if (recountMs !== undefined) {
      const watched = () => {
        for (const auctionId of this.#seen) if (unwatched(auctionId)) this.#seen.delete(auctionId);
        return this.#seen;
      };
      counts.recountEvery(recountMs, watched, { resend: true, localOnly: true });
    }
    this.#counts = counts;
  }

  /** Someone joined or left `auctionId`'s room (ignored once stopped: leaves during shutdown are not announced). */
  changed(auctionId: string): void {
    if (!this.#counts) return;
    this.#seen.add(auctionId);
    this.#counts.mark(auctionId, { resend: true });
  }

  /** Cancels pending announcements and the recount. */
  stop(): void {
    this.#counts?.stop();
    this.#counts = undefined;
    this.#seen.clear();
  }
}
