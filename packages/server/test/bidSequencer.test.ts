import { describe, expect, it } from 'vitest';
import { BidSequencer } from '../src/features/auction/bidSequencer';

describe('BidSequencer', () => {
  it('runs announcements in bid order whatever order they arrive in, and the end after the last bid', async () => {
    const errors: unknown[] = [];
    const sequencer = new BidSequencer(0, (error) => errors.push(error));
    const ran: string[] = [];
    const task = (name: string, fail = false) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (fail) throw new Error(name);
      ran.push(name);
    };
    const done = [
      sequencer.afterBids(4, task('end')),
      sequencer.bid(3, task('bid3')),
      sequencer.bid(2, task('bid2', true)),
      sequencer.bid(4, task('bid4')),
      sequencer.bid(1, task('bid1')),
    ];
    await Promise.all(done);
    expect(ran).toEqual(['bid1', 'bid3', 'bid4', 'end']);
    expect(errors).toHaveLength(1);
  });

  it('skips a bid that never shows up on this node after the gap timeout', async () => {
    const errors: unknown[] = [];
    const sequencer = new BidSequencer(0, (error) => errors.push(error), 30);
    const ran: number[] = [];
    await Promise.all([sequencer.bid(3, async () => void ran.push(3)), sequencer.bid(1, async () => void ran.push(1))]);
    expect(ran).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    sequencer.dispose();
  });
});
