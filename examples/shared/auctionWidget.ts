// The auction widget's state machine, shared by the React and Vue examples:
//
//   loading → scheduled → idle ⇄ pending → leading ⇄ outbid → ended
//
// `BidFlow` holds the user's side (at most one bid in flight; why the last one was refused,
// in words) and `bidView` combines it with the auction store's snapshot into what the
// widget shows: one phase, one message, whether the bid controls are enabled. `AutoBidFlow`
// and `autoBidView` do the same for the "Auto-bid up to ___" control.
import type { AuctionSnapshot } from '@sinyal/client';
import { formatPrice, formatTime } from './format.mjs';

export type BidPhase = 'loading' | 'scheduled' | 'idle' | 'pending' | 'leading' | 'outbid' | 'ended';

export interface BidFlowSnapshot {
  /** A bid is on its way (or waits in the outbox for the connection): no second one. */
  pending: boolean;
  /** Why the last bid was refused, for the user; `null` once a bid succeeds (or a new one is placed). */
  error: string | null;
}

/** The refusal of a bid in the user's words, money formatted ("Someone else bid first…"). */
export function bidErrorText(error: unknown): string {
  const { code, details } = (error ?? {}) as { code?: string; details?: { reason?: string; minNextBid?: number; startsAt?: number } };
  switch (details?.reason ?? code) {
    case 'too_low':
      return details?.minNextBid !== undefined
        ? `Someone else bid first. The minimum is now ${formatPrice(details.minNextBid)}.`
        : 'Your bid was below the minimum. Check the amount and try again.';
    case 'ended':
      return 'The auction has ended, so your bid was not placed.';
    case 'not_started':
      return details?.startsAt !== undefined ? `Bidding opens at ${formatTime(details.startsAt)}.` : 'Bidding has not opened yet.';
    case 'rate_limited':
      return 'Too many bids in a row. Wait a moment, then try again.';
    case 'invalid':
    case 'bad_request':
      return 'Enter an amount in whole rupiah.';
    case 'forbidden':
      return 'You cannot bid in this auction.';
    case 'timeout':
    case 'unavailable':
      return 'Your bid could not be sent. Check your connection and try again.';
    default:
      return 'Your bid did not go through. Please try again.';
  }
}

/** The refusal of an auto-bid maximum in the user's words. */
export function autoBidErrorText(error: unknown): string {
  const { code, details } = (error ?? {}) as { code?: string; details?: { reason?: string; minNextBid?: number } };
  if ((details?.reason ?? code) === 'too_low' && details?.minNextBid !== undefined) return `Your maximum must be at least ${formatPrice(details.minNextBid)}.`;
  if ((details?.reason ?? code) === 'invalid') return 'Enter a maximum in whole rupiah.';
  return bidErrorText(error).replace('your bid was not placed', 'your auto-bid was not set').replace('Your bid', 'Your auto-bid');
}

/** One command at a time (a double click sends nothing twice), its refusal kept in words until the next success. */
class CommandFlow {
  #snapshot: BidFlowSnapshot = { pending: false, error: null };
  readonly #listeners = new Set<() => void>();

  getSnapshot = (): BidFlowSnapshot => this.#snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  /** Runs `send` unless a command is already on its way; returns whether it did. */
  protected run(send: () => { done: Promise<unknown> }, errorText: (error: unknown) => string): boolean {
    if (this.#snapshot.pending) return false;
    this.#set({ pending: true, error: null });
    send().done.then(
      () => this.#set({ pending: false, error: null }),
      (error: unknown) => this.#set({ pending: false, error: errorText(error) }),
    );
    return true;
  }

  #set(next: BidFlowSnapshot): void {
    this.#snapshot = next;
    for (const listener of this.#listeners) listener();
  }
}

/** The user's bids on one auction: one at a time, their refusals kept until the next success. */
export class BidFlow extends CommandFlow {
  constructor(private readonly store: { placeBid(amount: number): { done: Promise<unknown> } }) {
    super();
  }

  /** Bids `amount` unless a bid is already on its way (a double click); returns whether it did. */
  bid(amount: number): boolean {
    return this.run(() => this.store.placeBid(amount), bidErrorText);
  }
}

/** The user's auto-bid on one auction: set or cancel, one change at a time. */
export class AutoBidFlow extends CommandFlow {
  constructor(private readonly store: { setAutoBid(max: number): { done: Promise<unknown> }; cancelAutoBid(): { done: Promise<unknown> } }) {
    super();
  }

  set(max: number): boolean {
    return this.run(() => this.store.setAutoBid(max), autoBidErrorText);
  }

  cancel(): boolean {
    return this.run(() => this.store.cancelAutoBid(), autoBidErrorText);
  }
}

/**
 * The line under the auto-bid control: `active` ("Auto-bidding up to Rp 2,6 M…") while the
 * server bids for the user, `passed` once another bidder went past the maximum, `null`
 * without an auto-bid. The maximum is the user's own: nobody else sees it.
 */
export function autoBidView(autoBid: AuctionSnapshot['autoBid'], status: 'scheduled' | 'active' | 'ended' | undefined): { tone: 'active' | 'passed'; text: string } | null {
  if (!autoBid || status !== 'active') return null;
  if (autoBid.active) return { tone: 'active', text: `Auto-bidding for you up to ${formatPrice(autoBid.max)}. Only you can see this limit.` };
  return { tone: 'passed', text: `Your auto-bid limit of ${formatPrice(autoBid.max)} was reached. Set a higher maximum to keep bidding.` };
}

export interface BidView {
  phase: BidPhase;
  /** The bid controls are shown and enabled. */
  canBid: boolean;
  /** The one message under the price, if any. */
  alert: { tone: 'leading' | 'outbid' | 'error'; text: string } | null;
}

/**
 * What the widget shows for the auction's snapshot and the user's `BidFlow`. Once the
 * auction has ended nothing but the result remains: no outbid banner, no stale error.
 * `mayBid: false` (the listing's own agent) shows the auction without bid controls.
 */
export function bidView(auction: Pick<AuctionSnapshot, 'state' | 'isLeading' | 'outbid'>, flow: BidFlowSnapshot, mayBid = true): BidView {
  const { state } = auction;
  if (!state) return { phase: 'loading', canBid: false, alert: null };
  if (state.status === 'ended') return { phase: 'ended', canBid: false, alert: null };
  if (state.status === 'scheduled') return { phase: 'scheduled', canBid: false, alert: null };
  const phase: BidPhase = flow.pending ? 'pending' : auction.isLeading ? 'leading' : auction.outbid ? 'outbid' : 'idle';
  const canBid = mayBid && !flow.pending;
  if (flow.error && !flow.pending) return { phase, canBid, alert: { tone: 'error', text: flow.error } };
  if (auction.isLeading) return { phase, canBid, alert: { tone: 'leading', text: 'You have the highest bid.' } };
  if (auction.outbid && !flow.pending) return { phase, canBid, alert: { tone: 'outbid', text: `You've been outbid. Bid ${formatPrice(state.minNextBid)} to lead again.` } };
  return { phase, canBid, alert: null };
}
