import type { AuctionEvents } from '@sinyal/protocol/schema';
import { auctionRoom, type AuctionContext } from './auctionContext';
import type { AuctionLifecycle } from './auctionLifecycle';
import type { AcceptedBid, AutoBidOutcome } from './store';

/** What one atomic store step accepted: the bid that triggered it (if any) and the auto-bids' answer. */
export interface AcceptedStep {
  auctionId: string;
  /** The bidder's own bid (`auction:place_bid`), or `null` when a new maximum triggered the step. */
  bid: AcceptedBid | null;
  autoBids: AutoBidOutcome;
}

/**
 * Announces one atomic step of an auction, after the store decided it:
 *
 * - re-arms the end timer for a bid that extended the auction;
 * - `auction:new_bid` (and `auction:time_extended`) to the room for each accepted bid, in bid
 *   order through the auction's `BidSequencer` — unless the store appended them itself in the
 *   same step (`AuctionStore.appendsRoomEvents`);
 * - `auction:outbid` to the feed of everyone who led during the step (before it, or by the
 *   bid a proxy bid then answered) and does not lead after it, with `autoBidLimitReached`
 *   when their auto-bid was passed; an auto-bidder whose maximum was passed without leading
 *   gets it too (`yourBid`: their highest bid, or their maximum when it never bid);
 * - `auction:auto_bid` (`limit_reached`) to the feed of every passed auto-bidder.
 */
export async function announceStep(ctx: AuctionContext, lifecycle: AuctionLifecycle, step: AcceptedStep): Promise<void> {
  const { auctionId } = step;
  const bids = [step.bid, step.autoBids.proxyBid].filter((bid): bid is AcceptedBid => bid !== null);
  for (const accepted of bids) if (accepted.extendedTo !== null) lifecycle.extend(auctionId, accepted.extendedTo);
  const server = ctx.server;
  if (!server) return;
  lifecycle.watch(auctionId);
  if (!ctx.storeAppendsRoomEvents) {
    const room = auctionRoom(auctionId);
    for (const { bid, minNextBid, extendedTo, previousEndsAt } of bids) {
      await lifecycle.sequencer(auctionId, bid.seq).bid(bid.seq, async () => {
        const newBid: AuctionEvents['auction:new_bid'] = { ...bid, minNextBid };
        await server.publish(room, 'auction:new_bid', newBid);
        if (extendedTo !== null) {
          const extended: AuctionEvents['auction:time_extended'] = { auctionId, endsAt: extendedTo, previousEndsAt, reason: 'late_bid', bidId: bid.bidId };
          await server.publish(room, 'auction:time_extended', extended);
        }
      });
    }
  }

  const last = bids.at(-1);
  const passed = new Map(step.autoBids.exhausted.map(({ userId, max }) => [userId, max]));
  if (!last && passed.size === 0) return;
  // Who led during the step, with the bid they led with, except whoever leads after it.
  const outbid = new Map<string, number>();
  for (const accepted of bids) {
    if (accepted.previousLeader) outbid.set(accepted.previousLeader.userId, accepted.previousLeader.amount);
    outbid.set(accepted.userId, accepted.bid.amount);
  }
  const leaderAfter = last?.userId;
  if (leaderAfter !== undefined) outbid.delete(leaderAfter);
  for (const [userId, max] of passed) {
    if (!outbid.has(userId)) outbid.set(userId, (await ctx.store.highestBidOf(auctionId, userId)) ?? max);
  }
  const state = last ? { newHighBid: last.bid.amount, bidSeq: last.bid.seq, minNextBid: last.minNextBid } : await currentPosition(ctx, auctionId);
  if (!state) return;
  for (const [userId, yourBid] of outbid) {
    const event: AuctionEvents['auction:outbid'] = { auctionId, ...state, yourBid, ...(passed.has(userId) ? { autoBidLimitReached: true as const } : {}) };
    await server.publishToUser(userId, 'auction:outbid', event);
  }
  for (const [userId, max] of passed) {
    await server.publishToUser(userId, 'auction:auto_bid', { auctionId, autoBid: { max, active: false }, reason: 'limit_reached' });
  }
}

/** The price, latest bid and minimum next bid when a step placed no bid (a new maximum already passed). */
async function currentPosition(ctx: AuctionContext, auctionId: string): Promise<{ newHighBid: number; bidSeq: number; minNextBid: number } | undefined> {
  const record = await ctx.store.get(auctionId, 0);
  if (!record?.leader) return undefined;
  return { newHighBid: record.leader.amount, bidSeq: record.bidCount, minNextBid: record.leader.amount + record.increment };
}
