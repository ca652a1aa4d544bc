import { describe, expect, it } from 'vitest';
import { autoBidMaxProblem, resolveAutoBids, type AutoBidEntry, type AutoBidResolution } from '../src/features/auction/autoBidRules';
import { MemoryAuctionStore } from '../src/features/auction/memoryAuctionStore';

const auto = (userId: string, max: number, order: number, active = true): AutoBidEntry => ({ userId, max, order, active });

// Starting price 1000, increment 100 throughout.
const cases: Array<{ name: string; leader: { userId: string; amount: number } | null; autoBids: AutoBidEntry[]; expected: AutoBidResolution }> = [
  { name: 'no auto-bids: nothing happens', leader: { userId: 'x', amount: 1500 }, autoBids: [], expected: { bid: null, exhausted: [] } },
  { name: 'the first maximum of an auction bids the starting price', leader: null, autoBids: [auto('a', 5000, 1)], expected: { bid: { userId: 'a', amount: 1000 }, exhausted: [] } },
  {
    name: 'two maxima, nobody bid: the higher wins at the lower plus one increment',
    leader: null,
    autoBids: [auto('a', 1500, 1), auto('b', 1300, 2)],
    expected: { bid: { userId: 'a', amount: 1400 }, exhausted: ['b'] },
  },
  { name: 'equal maxima: the earlier wins, at the maximum', leader: null, autoBids: [auto('a', 1500, 2), auto('b', 1500, 1)], expected: { bid: { userId: 'b', amount: 1500 }, exhausted: ['a'] } },
  {
    name: 'a manual leader is answered by one increment over their bid',
    leader: { userId: 'x', amount: 1100 },
    autoBids: [auto('a', 1500, 1)],
    expected: { bid: { userId: 'a', amount: 1200 }, exhausted: [] },
  },
  {
    name: 'a leader with a higher maximum defends at one increment over the challenger',
    leader: { userId: 'a', amount: 1100 },
    autoBids: [auto('a', 2000, 1), auto('b', 1500, 2)],
    expected: { bid: { userId: 'a', amount: 1600 }, exhausted: ['b'] },
  },
  {
    name: "a leader's equal maximum set earlier defends at that maximum",
    leader: { userId: 'a', amount: 1100 },
    autoBids: [auto('a', 1500, 1), auto('b', 1500, 2)],
    expected: { bid: { userId: 'a', amount: 1500 }, exhausted: ['b'] },
  },
  {
    name: "a challenger's equal maximum set earlier wins at that maximum",
    leader: { userId: 'a', amount: 1100 },
    autoBids: [auto('a', 1500, 3), auto('b', 1500, 2)],
    expected: { bid: { userId: 'b', amount: 1500 }, exhausted: ['a'] },
  },
  {
    name: 'the winner pays at most their own maximum',
    leader: { userId: 'x', amount: 1000 },
    autoBids: [auto('a', 1150, 1), auto('b', 1120, 2)],
    expected: { bid: { userId: 'a', amount: 1150 }, exhausted: ['b'] },
  },
  {
    name: 'a maximum below the minimum next bid cannot bid: exhausted',
    leader: { userId: 'x', amount: 1000 },
    autoBids: [auto('a', 1050, 1)],
    expected: { bid: null, exhausted: ['a'] },
  },
  {
    name: "a leader's own maximum below their standing bid adds nothing",
    leader: { userId: 'a', amount: 1500 },
    autoBids: [auto('a', 1200, 1), auto('b', 1700, 2)],
    expected: { bid: { userId: 'b', amount: 1600 }, exhausted: ['a'] },
  },
  {
    name: 'inactive auto-bids take no part',
    leader: { userId: 'x', amount: 1100 },
    autoBids: [auto('a', 9000, 1, false), auto('b', 1300, 2)],
    expected: { bid: { userId: 'b', amount: 1200 }, exhausted: [] },
  },
  {
    name: 'the leader with the only maximum: nothing to answer',
    leader: { userId: 'a', amount: 1100 },
    autoBids: [auto('a', 5000, 1)],
    expected: { bid: null, exhausted: [] },
  },
  {
    name: 'three maxima: the highest wins over the second; the others are all exhausted in the order they were set',
    leader: { userId: 'x', amount: 1000 },
    autoBids: [auto('c', 1800, 3), auto('a', 1400, 1), auto('b', 2500, 2)],
    expected: { bid: { userId: 'b', amount: 1900 }, exhausted: ['a', 'c'] },
  },
];

describe('resolveAutoBids', () => {
  for (const { name, leader, autoBids, expected } of cases) {
    it(name, () => {
      expect(resolveAutoBids({ leader, startingPrice: 1000, increment: 100, autoBids })).toEqual(expected);
    });
  }

  it('one step settles the auction: resolving again after the proxy bid does nothing', () => {
    const autoBids = [auto('a', 1400, 1), auto('b', 2500, 2), auto('c', 1800, 3)];
    const first = resolveAutoBids({ leader: { userId: 'x', amount: 1000 }, startingPrice: 1000, increment: 100, autoBids });
    const after = autoBids.map((entry) => ({ ...entry, active: !first.exhausted.includes(entry.userId) }));
    expect(resolveAutoBids({ leader: first.bid, startingPrice: 1000, increment: 100, autoBids: after })).toEqual({ bid: null, exhausted: [] });
  });
});

describe('autoBidMaxProblem', () => {
  it('wants a positive whole maximum of at least the minimum next bid', () => {
    expect(autoBidMaxProblem(1200, 1200)).toBeUndefined();
    expect(autoBidMaxProblem(1199, 1200)).toBe('too_low');
    expect(autoBidMaxProblem(12.5, 10)).toBe('invalid');
    expect(autoBidMaxProblem(0, 10)).toBe('invalid');
    expect(autoBidMaxProblem(Number.MAX_SAFE_INTEGER + 2, 10)).toBe('invalid');
  });
});

describe('the worked example of docs/auction.md § Auto-bid', () => {
  it('plays out as the table says', async () => {
    const store = new MemoryAuctionStore();
    const limits = { rateLimit: { maxBids: 100, windowMs: 1000 }, auditLimit: 100 };
    await store.create({ id: 'x', startingPrice: 1_000_000, increment: 100_000, startsAt: 0, endsAt: 100_000, extendWithinMs: 0, extendByMs: 0 }, 0);
    const set = (userId: string, max: number, now: number) => store.setAutoBid({ auctionId: 'x', userId, max, now, ...limits });
    const bid = (userId: string, amount: number, now: number) => store.placeBid({ auctionId: 'x', userId, amount, now, ...limits });
    const leader = async () => (await store.get('x', 0))!.leader!;
    await set('ani', 1_500_000, 1);
    expect(await leader()).toMatchObject({ userId: 'ani', amount: 1_000_000 });
    await bid('budi', 1_100_000, 2);
    expect(await leader()).toMatchObject({ userId: 'ani', amount: 1_200_000 });
    expect(await set('citra', 2_000_000, 3)).toMatchObject({ autoBids: { exhausted: [{ userId: 'ani' }] } });
    expect(await leader()).toMatchObject({ userId: 'citra', amount: 1_600_000 });
    expect(await set('dewi', 2_000_000, 4)).toMatchObject({ autoBid: { active: false }, autoBids: { proxyBid: { userId: 'citra', bid: { amount: 2_000_000 } } } });
    expect(await bid('budi', 2_100_000, 5)).toMatchObject({ autoBids: { proxyBid: null, exhausted: [{ userId: 'citra' }] } });
    expect(await leader()).toMatchObject({ userId: 'budi', amount: 2_100_000 });
    expect((await store.get('x', 10))!.recentBids.map((b) => [b.amount, b.auto === true])).toEqual([
      [1_000_000, true],
      [1_100_000, false],
      [1_200_000, true],
      [1_600_000, true],
      [2_000_000, true],
      [2_100_000, false],
    ]);
  });
});
