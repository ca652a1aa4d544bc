import { auctionStore, type AuctionSnapshot, type AuctionStore } from '@sinyal/client';
import { shallowRef, type ShallowRef } from 'vue';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';
import { whileMounted } from './whileMounted';

/** Options of {@link useAuction}. */
export interface UseAuctionOptions {
  /** How often `msRemaining` ticks while the auction is active. @default 250 */
  tickMs?: number;
}

/** What {@link useAuction} returns: a computed ref per auction field, a ticking countdown, `placeBid` and the auto-bid actions. */
export type UseAuctionReturn = ToComputedRefs<AuctionSnapshot> &
  Pick<AuctionStore, 'placeBid' | 'setAutoBid' | 'cancelAutoBid'> & {
    /** Milliseconds until the end on the server's clock; ticks every `tickMs` while scheduled or active, 0 once ended. */
    msRemaining: Readonly<ShallowRef<number>>;
    /** Milliseconds until the start on the server's clock while `scheduled` (0 once started). */
    msUntilStart: Readonly<ShallowRef<number>>;
  };

/**
 * A live auction as refs: `state` (price, `minNextBid`, `endsAt`, `status`…, `undefined`
 * until it arrives), `bids`, `myBidderNumber`, `isLeading`, `outbid`, `lastError`,
 * `msRemaining` and `msUntilStart` (ticking on server time from mount while scheduled or active; never
 * during server-side rendering), `placeBid(amount)`, and auto-bid: `autoBid` (`{ max, active }`
 * or `null`), `setAutoBid(max)` and `cancelAutoBid()`. Joins `auction:<id>` while mounted.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const { state, isLeading, outbid, msRemaining, placeBid } = useAuction('menteng-12');
 * </script>
 * <template>
 *   <button v-if="state" :disabled="state.status !== 'active'" @click="placeBid(state.minNextBid)">
 *     Bid {{ state.minNextBid }} · {{ Math.ceil(msRemaining / 1000) }} s {{ isLeading ? '(leading)' : outbid ? '(outbid!)' : '' }}
 *   </button>
 * </template>
 * ```
 */
export function useAuction(auctionId: string, options: UseAuctionOptions = {}): UseAuctionReturn {
  const store = auctionStore(useSinyal(), auctionId);
  const view = useStoreRefs(store, ['placeBid', 'setAutoBid', 'cancelAutoBid']);
  const msRemaining = shallowRef(store.msRemaining());
  const msUntilStart = shallowRef(store.msUntilStart());
  // Registered after useStore's subscription, which keeps the store joined.
  whileMounted(() => {
    msRemaining.value = store.msRemaining();
    msUntilStart.value = store.msUntilStart();
    return store.subscribeCountdown((remaining, untilStart) => {
      msRemaining.value = remaining;
      msUntilStart.value = untilStart;
    }, options.tickMs ?? 250);
  });
  return { ...view, msRemaining, msUntilStart };
}
