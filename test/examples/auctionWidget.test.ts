// The example apps' auction widget state machine (examples/shared/auctionWidget.ts).
import type { AuctionSnapshot, AuctionView } from '@sinyal/client';
import { describe, expect, it } from 'vitest';
import { AutoBidFlow, autoBidErrorText, autoBidView, BidFlow, bidErrorText, bidView } from '../../examples/shared/auctionWidget';
import { formatPrice } from '../../examples/shared/format.mjs';

const view = (patch: Partial<AuctionView> = {}): AuctionView => ({
  status: 'active', startingPrice: 4_000_000_000, currentPrice: 4_075_000_000, minNextBid: 4_100_000_000, increment: 25_000_000,
  startsAt: 0, endsAt: 1, leader: 2, winner: null, finalPrice: null, activeBidders: 3, bidCount: 4, ...patch,
});
const auction = (patch: Partial<Pick<AuctionSnapshot, 'state' | 'isLeading' | 'outbid'>> = {}) => ({ state: view(), isLeading: false, outbid: false, ...patch });

/** A store whose bids stay pending until the test settles them. */
function fakeStore() {
  const bids: Array<{ amount: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  return {
    bids,
    placeBid(amount: number) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
      bids.push({ amount, resolve, reject });
      return { done };
    },
  };
}
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));
const tooLow = Object.assign(new Error('bid too low: the minimum is 4100000000'), { code: 'bad_request', details: { reason: 'too_low', minNextBid: 4_100_000_000 } });

describe('auction widget', () => {
  it('one bid at a time: a second click while the first is on its way places nothing', async () => {
    const store = fakeStore();
    const flow = new BidFlow(store);
    expect(flow.bid(4_075_000_000)).toBe(true);
    expect(flow.bid(4_075_000_000)).toBe(false);
    expect(store.bids).toHaveLength(1);
    expect(bidView(auction(), flow.getSnapshot())).toMatchObject({ phase: 'pending', canBid: false });
    store.bids[0]!.resolve();
    await settled();
    expect(bidView(auction({ isLeading: true }), flow.getSnapshot())).toEqual({ phase: 'leading', canBid: true, alert: { tone: 'leading', text: 'You have the highest bid.' } });
  });

  it('a refusal reads in words with the minimum as money, and the next success clears it', async () => {
    const store = fakeStore();
    const flow = new BidFlow(store);
    let changes = 0;
    flow.subscribe(() => changes++);
    flow.bid(4_075_000_000);
    store.bids[0]!.reject(tooLow);
    await settled();
    const refused = bidView(auction(), flow.getSnapshot());
    expect(refused.alert).toEqual({ tone: 'error', text: `Someone else bid first. The minimum is now ${formatPrice(4_100_000_000)}.` });
    expect(refused.alert!.text).not.toMatch(/\d{7,}|too low/);
    flow.bid(4_100_000_000);
    store.bids[1]!.resolve();
    await settled();
    expect(flow.getSnapshot()).toEqual({ pending: false, error: null });
    expect(changes).toBe(4);
  });

  it('outbid, then ended: only the result remains', async () => {
    const store = fakeStore();
    const flow = new BidFlow(store);
    expect(bidView(auction({ outbid: true }), flow.getSnapshot())).toEqual({ phase: 'outbid', canBid: true, alert: { tone: 'outbid', text: `You've been outbid. Bid ${formatPrice(4_100_000_000)} to lead again.` } });
    flow.bid(4_075_000_000);
    store.bids[0]!.reject(Object.assign(new Error('auction "a" has ended'), { code: 'conflict', details: { reason: 'ended' } }));
    await settled();
    expect(bidView(auction({ outbid: true, state: view({ status: 'ended', winner: 2, finalPrice: 4_075_000_000 }) }), flow.getSnapshot())).toEqual({ phase: 'ended', canBid: false, alert: null });
  });

  it('the listing agent sees the auction without bid controls; scheduled and loading have none either', () => {
    const flow = new BidFlow(fakeStore());
    expect(bidView(auction(), flow.getSnapshot(), false)).toMatchObject({ phase: 'idle', canBid: false });
    expect(bidView(auction({ state: view({ status: 'scheduled' }) }), flow.getSnapshot())).toMatchObject({ phase: 'scheduled', canBid: false });
    expect(bidView(auction({ state: undefined }), flow.getSnapshot())).toMatchObject({ phase: 'loading', canBid: false });
  });

  it('every refusal has words', () => {
    expect(bidErrorText({ code: 'conflict', details: { reason: 'not_started', startsAt: new Date(2025, 5, 14, 10, 0).getTime() } })).toBe('Bidding opens at 10:00.');
    expect(bidErrorText({ code: 'rate_limited' })).toMatch(/wait a moment/i);
    expect(bidErrorText({ code: 'timeout' })).toMatch(/connection/);
    expect(bidErrorText({ code: 'forbidden' })).toMatch(/cannot bid/);
    expect(bidErrorText(new Error('boom'))).toBe('Your bid did not go through. Please try again.');
  });

  it('auto-bid: one change at a time, refusals in words, the line under the control says what the server does for you', async () => {
    const calls: string[] = [];
    let reject!: (error: unknown) => void;
    const store = {
      setAutoBid(max: number) {
        calls.push(`set ${max}`);
        return { done: new Promise((_, no) => (reject = no)) };
      },
      cancelAutoBid() {
        calls.push('cancel');
        return { done: Promise.resolve({ cancelled: true }) };
      },
    };
    const flow = new AutoBidFlow(store);
    expect(flow.set(5_000_000_000)).toBe(true);
    expect(flow.cancel()).toBe(false); // the first change is still on its way
    reject(Object.assign(new Error('auto-bid maximum too low'), { code: 'bad_request', details: { reason: 'too_low', minNextBid: 4_100_000_000 } }));
    await settled();
    expect(flow.getSnapshot()).toEqual({ pending: false, error: `Your maximum must be at least ${formatPrice(4_100_000_000)}.` });
    expect(flow.cancel()).toBe(true);
    await settled();
    expect(calls).toEqual(['set 5000000000', 'cancel']);
    expect(flow.getSnapshot()).toEqual({ pending: false, error: null });

    expect(autoBidView(null, 'active')).toBeNull();
    expect(autoBidView({ max: 5_000_000_000, active: true }, 'ended')).toBeNull();
    expect(autoBidView({ max: 5_000_000_000, active: true }, 'active')).toEqual({ tone: 'active', text: `Auto-bidding for you up to ${formatPrice(5_000_000_000)}. Only you can see this limit.` });
    expect(autoBidView({ max: 5_000_000_000, active: false }, 'active')).toMatchObject({ tone: 'passed' });
    expect(autoBidErrorText({ code: 'conflict', details: { reason: 'ended' } })).toBe('The auction has ended, so your auto-bid was not set.');
  });
});
