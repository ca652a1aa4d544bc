// A reference replay of an auction's audit trail through the pure rules (autoBidRules.ts):
// every maximum set or cancelled and every manual bid accepted, in the trail's order, with
// the proxy bids the rules say must follow each. A store (memory or the Redis Lua port)
// that applied the rules in one atomic step per attempt leaves a trail whose proxy bids are
// exactly these.
import type { AuctionAuditEntry } from '../packages/protocol/src/schema/auction';
import { resolveAutoBids, type AutoBidEntry } from '../packages/server/src/features/auction/autoBidRules';

export interface ReplayedBid {
  userId: string;
  amount: number;
  auto: boolean;
}

/** `expected`: the accepted bids the rules produce from the trail's inputs; `actual`: the accepted bids the trail records. */
export function replayAuctionAudit(terms: { startingPrice: number; increment: number }, entries: readonly AuctionAuditEntry[]): { expected: ReplayedBid[]; actual: ReplayedBid[] } {
  const expected: ReplayedBid[] = [];
  const actual: ReplayedBid[] = [];
  const autoBids = new Map<string, AutoBidEntry>();
  let order = 0;
  let leader: { userId: string; amount: number } | null = null;
  const resolve = () => {
    const resolution = resolveAutoBids({ leader, ...terms, autoBids: [...autoBids.values()] });
    if (resolution.bid) {
      expected.push({ ...resolution.bid, auto: true });
      leader = resolution.bid;
    }
    for (const userId of resolution.exhausted) autoBids.get(userId)!.active = false;
  };
  for (const entry of entries) {
    if (entry.result !== 'accepted') continue;
    if (entry.action === 'auto_bid_set') {
      autoBids.set(entry.userId, { userId: entry.userId, max: entry.amount!, order: ++order, active: true });
      resolve();
    } else if (entry.action === 'auto_bid_cancel') {
      autoBids.delete(entry.userId);
    } else if (entry.auto) {
      actual.push({ userId: entry.userId, amount: entry.amount!, auto: true });
    } else {
      actual.push({ userId: entry.userId, amount: entry.amount!, auto: false });
      expected.push({ userId: entry.userId, amount: entry.amount!, auto: false });
      leader = { userId: entry.userId, amount: entry.amount! };
      resolve();
    }
  }
  return { expected, actual };
}
