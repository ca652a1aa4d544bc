import { auctionStore, type AuctionSnapshot, type AuctionStore } from '@sinyal/client';
import { useEffect, useMemo, useState } from 'react';
import { actionsOf } from './useStoreView';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';

/** Options of {@link useAuction}. */
export interface UseAuctionOptions {
  /** How often `msRemaining` ticks while the auction is active. @default 250 */
  tickMs?: number;
}

/** What {@link useAuction} returns: the auction's snapshot, a ticking countdown, `placeBid` and the auto-bid actions. */
export type UseAuctionResult = AuctionSnapshot &
  Pick<AuctionStore, 'placeBid' | 'setAutoBid' | 'cancelAutoBid'> & {
    /** Milliseconds until the end on the server's clock; ticks every `tickMs` while scheduled or active, 0 once ended. */
    msRemaining: number;
    /** Milliseconds until the start on the server's clock while `scheduled` (0 once started); ticks like `msRemaining`. */
    msUntilStart: number;
  };

/**
 * A live auction: `state` (price, `minNextBid`, `endsAt`, `status`…, `undefined` until it
 * arrives), `bids`, `myBidderNumber`, `isLeading`, `outbid`, `lastError`, `msRemaining` and
 * `msUntilStart` (ticking on server time while scheduled or active; never on the server),
 * `placeBid(amount)`, and auto-bid: `autoBid` (`{ max, active }` or `null`), `setAutoBid(max)`
 * and `cancelAutoBid()`. Joins `auction:<id>` while mounted.
 *
 * @example
 * ```tsx
 * const { state, isLeading, outbid, msRemaining, placeBid } = useAuction('menteng-12');
 * if (!state) return <p>Loading auction…</p>;
 * return (
 *   <button disabled={state.status !== 'active'} onClick={() => placeBid(state.minNextBid)}>
 *     Bid {state.minNextBid} · {Math.ceil(msRemaining / 1000)} s {isLeading ? '(leading)' : outbid ? '(outbid!)' : ''}
 *   </button>
 * );
 * ```
 */
export function useAuction(auctionId: string, options: UseAuctionOptions = {}): UseAuctionResult {
  const store = auctionStore(useSinyal(), auctionId);
  const snapshot = useStore(store);
  const [msRemaining, setMsRemaining] = useState(() => store.msRemaining());
  const [msUntilStart, setMsUntilStart] = useState(() => store.msUntilStart());
  const tickMs = options.tickMs ?? 250;
  // After useStore's subscription (effects run in order), which keeps the store joined.
  useEffect(() => {
    setMsRemaining(store.msRemaining());
    setMsUntilStart(store.msUntilStart());
    return store.subscribeCountdown((remaining, untilStart) => {
      setMsRemaining(remaining);
      setMsUntilStart(untilStart);
    }, tickMs);
  }, [store, tickMs]);
  return useMemo(() => ({ ...snapshot, msRemaining, msUntilStart, ...actionsOf(store, ['placeBid', 'setAutoBid', 'cancelAutoBid']) }), [snapshot, msRemaining, msUntilStart, store]);
}
