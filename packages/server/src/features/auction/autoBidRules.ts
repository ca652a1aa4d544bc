// The auto-bid (proxy bidding) rules, as pure functions. A bidder sets a hidden maximum; the
// server bids for them at the minimum increment whenever they are outbid, up to that maximum.
// Stores call `resolveAutoBids` inside the same atomic step as the bid (or the new maximum)
// that triggered it — the Redis Lua script in auctionScripts.ts ports these lines — so an
// auto-bid's answer is in the same total order as the bid it answers, with no window for
// another bid in between. See docs/auction.md § Auto-bid for a worked example.

/** One bidder's auto-bid as a store keeps it. */
export interface AutoBidEntry {
  userId: string;
  /** The most the server may bid for this user. */
  max: number;
  /**
   * When the maximum was set, as a per-auction counter (1, 2, 3…, incremented by every
   * set): of two equal maxima the earlier one wins. A counter, not a clock, so two maxima
   * set in the same millisecond still have an order.
   */
  order: number;
  /** `false` once another bidder went past the maximum: the server no longer bids for this user. */
  active: boolean;
}

/** Where the auction stands when the auto-bids are resolved. */
export interface AutoBidPosition {
  /** The current highest bid and its bidder, or `null` while nobody has bid. */
  leader: { userId: string; amount: number } | null;
  startingPrice: number;
  increment: number;
  autoBids: readonly AutoBidEntry[];
}

/** What the auto-bids do now. */
export interface AutoBidResolution {
  /** The one proxy bid to place now (after the bid that triggered it), or `null`. */
  bid: { userId: string; amount: number } | null;
  /**
   * Users whose auto-bid is passed by the price after `bid` (their maximum is below the next
   * minimum and they do not lead): mark them inactive and tell them "your auto-bid limit was
   * reached". In the order their maxima were set.
   */
  exhausted: string[];
}

interface Contender {
  userId: string;
  /** How far this contender can go: an auto-bid's maximum, or the leader's standing bid. */
  reach: number;
  /** Tie-break: the smaller goes first. */
  order: number;
}

/**
 * Resolves the auto-bids after a bid was accepted or a maximum was set (one step, so at
 * most one proxy bid is placed):
 *
 * 1. The contenders are the leader — reaching as far as the higher of their standing bid
 *    and their own active maximum — and every other active auto-bid whose maximum is at
 *    least the minimum next bid (the starting price while nobody has bid, else the current
 *    price plus the increment).
 * 2. With no contender besides the leader, nothing is bid.
 * 3. Otherwise the contender reaching furthest wins; of equal reaches the maximum set first
 *    wins (a leader with no auto-bid never ties: every other contender reaches past their bid).
 * 4. The winner pays one increment over the runner-up's reach, capped at their own reach —
 *    "the second-highest maximum plus one increment, capped at the highest maximum". With
 *    no runner-up (the first bid of an auction), they pay the starting price.
 * 5. If the winner already leads at that price, nothing is bid; otherwise one proxy bid is
 *    placed for the winner at that price (a leader defending raises their own bid).
 * 6. Every other active auto-bid whose maximum is below the minimum next bid after that is
 *    exhausted.
 *
 * The price placed is always a valid bid: at least the minimum next bid. After the step, no
 * auto-bid but the leader's can still bid, so one step always settles the auction.
 */
export function resolveAutoBids(position: AutoBidPosition): AutoBidResolution {
  const { leader, startingPrice, increment } = position;
  const minimum = leader === null ? startingPrice : leader.amount + increment;
  const active = position.autoBids.filter((entry) => entry.active);
  const contenders: Contender[] = [];
  if (leader) {
    const own = active.find((entry) => entry.userId === leader.userId);
    // A leader's own maximum below their standing bid adds nothing; their bid ranks first among equals.
    const reach = Math.max(leader.amount, own?.max ?? 0);
    contenders.push({ userId: leader.userId, reach, order: own && own.max >= leader.amount ? own.order : Number.NEGATIVE_INFINITY });
  }
  for (const entry of active) {
    if (entry.userId !== leader?.userId && entry.max >= minimum) contenders.push({ userId: entry.userId, reach: entry.max, order: entry.order });
  }

  let bid: AutoBidResolution['bid'] = null;
  const challengers = contenders.length - (leader ? 1 : 0);
  if (challengers > 0) {
    contenders.sort((a, b) => b.reach - a.reach || a.order - b.order);
    const winner = contenders[0]!;
    const runnerUp = contenders[1];
    const price = runnerUp ? Math.min(winner.reach, runnerUp.reach + increment) : minimum;
    if (!(leader && leader.userId === winner.userId && leader.amount >= price)) bid = { userId: winner.userId, amount: price };
  }

  const leaderAfter = bid?.userId ?? leader?.userId;
  const priceAfter = bid?.amount ?? leader?.amount;
  const nextMinimum = priceAfter === undefined ? startingPrice : priceAfter + increment;
  const exhausted = active
    .filter((entry) => entry.userId !== leaderAfter && entry.max < nextMinimum)
    .sort((a, b) => a.order - b.order)
    .map((entry) => entry.userId);
  return { bid, exhausted };
}

/** Why a new maximum is refused (besides the auction's status and the bidder's rate limit), or `undefined`. */
export function autoBidMaxProblem(max: number, minimumNextBid: number): 'invalid' | 'too_low' | undefined {
  if (!Number.isSafeInteger(max) || max <= 0) return 'invalid';
  return max < minimumNextBid ? 'too_low' : undefined;
}
