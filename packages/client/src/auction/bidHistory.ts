import type { AuctionBid } from '@sinyal/protocol';

/**
 * An auction's bid history: ordered by `seq` (the server's acceptance order), one entry
 * per `bidId`. Both functions return the same array when nothing changes, so snapshots
 * stay stable.
 */
export function insertBid(bids: readonly AuctionBid[], bid: AuctionBid): readonly AuctionBid[] {
  let index = bids.length;
  // Almost always appended at the end; replays after a reconnect may land earlier.
  while (index > 0 && bids[index - 1]!.seq >= bid.seq) {
    if (bids[index - 1]!.seq === bid.seq) return bids;
    index--;
  }
  const next = bids.slice();
  next.splice(index, 0, bid);
  return next;
}

/** Adds every bid of `more` not already in `bids`. */
export function mergeBids(bids: readonly AuctionBid[], more: readonly AuctionBid[]): readonly AuctionBid[] {
  let merged = bids;
  for (const bid of more) merged = insertBid(merged, bid);
  return merged;
}

/**
 * After a `reset` the missed bids will not be replayed: keep only the unbroken run of
 * bids ending at the newest, so the history has no hole in it.
 */
export function contiguousTail(bids: readonly AuctionBid[]): readonly AuctionBid[] {
  let start = bids.length - 1;
  while (start > 0 && bids[start - 1]!.seq === bids[start]!.seq - 1) start--;
  return start <= 0 ? bids : bids.slice(start);
}
