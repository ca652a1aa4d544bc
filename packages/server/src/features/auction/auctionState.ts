import type { AuctionState } from '@sinyal/protocol/schema';
import { auctionStatus, minNextBid } from './rules';
import type { AuctionRecord } from './store';

/** The public view of a stored auction at server time `now` (no user ids: bidders are numbers). */
export function auctionState(record: AuctionRecord, now: number, activeBidders: number): AuctionState {
  const status = auctionStatus(record, now);
  const currentPrice = record.leader?.amount ?? null;
  const ended = status === 'ended';
  return {
    auctionId: record.id,
    status,
    startingPrice: record.startingPrice,
    currentPrice: currentPrice ?? record.startingPrice,
    minNextBid: minNextBid(record, currentPrice),
    increment: record.increment,
    startsAt: record.startsAt,
    endsAt: record.endsAt,
    extendWithinMs: record.extendWithinMs,
    extendByMs: record.extendByMs,
    bidCount: record.bidCount,
    recentBids: record.recentBids,
    leader: record.leader?.bidderNumber ?? null,
    winner: ended ? (record.leader?.bidderNumber ?? null) : null,
    finalPrice: ended ? currentPrice : null,
    activeBidders,
    serverNow: now,
  };
}
