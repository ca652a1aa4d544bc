import { describe, expect, it } from 'vitest';
import { contiguousTail, insertBid, mergeBids } from '../src/auction/bidHistory';

const bid = (seq: number) => ({ bidId: `a.${seq}`, auctionId: 'a', seq, amount: 100 + seq, bidderNumber: 1 + (seq % 3), at: 1000 + seq });

describe('auction bid history', () => {
  it('keeps bids ordered by seq, once each, and returns the same array when nothing changes', () => {
    const one = insertBid([], bid(1));
    const two = insertBid(one, bid(3));
    const three = insertBid(two, bid(2)); // a replayed bid lands in its place
    expect(three.map((b) => b.seq)).toEqual([1, 2, 3]);
    expect(insertBid(three, bid(2))).toBe(three);
    expect(insertBid(three, bid(3))).toBe(three);
    expect(mergeBids(three, [bid(1), bid(3)])).toBe(three);
    expect(mergeBids(three, [bid(5), bid(4), bid(2)]).map((b) => b.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('after a reset keeps only the unbroken run ending at the newest bid', () => {
    const withHole = mergeBids([], [bid(1), bid(2), bid(7), bid(8), bid(9)]);
    expect(contiguousTail(withHole).map((b) => b.seq)).toEqual([7, 8, 9]);
    const whole = mergeBids([], [bid(4), bid(5)]);
    expect(contiguousTail(whole)).toBe(whole);
    expect(contiguousTail([])).toEqual([]);
  });
});
