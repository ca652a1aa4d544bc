import { propertyStore, viewerCountStore, type PropertySnapshot } from '@sinyal/client';
import { computed, type ComputedRef } from 'vue';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';
import { refsOf, type ToComputedRefs } from './useStoreRefs';

/** Options of {@link useProperty}. */
export interface UsePropertyOptions {
  /**
   * Count this user as viewing the property (joins `viewers:<id>`) and return the live
   * `viewers`, `wishlistToday` and `viewingsThisWeek`. Turn it off for cards in a list.
   * @default true
   */
  viewers?: boolean;
}

/** What {@link useProperty} returns: a computed ref per property field, and its social proof. */
export type UsePropertyReturn = ToComputedRefs<PropertySnapshot> & {
  /** People viewing the property now, this user included (0 with `viewers: false`). */
  viewers: ComputedRef<number>;
  wishlistToday: ComputedRef<number>;
  viewingsThisWeek: ComputedRef<number>;
};

/**
 * A property page's live data as computed refs: `status`, `price`, `currency`,
 * `lastChange` (e.g. to flash "PRICE DROP"), `priceHistory`, `photos`, `openHouse`,
 * `featured`, `ready` — plus `viewers`, `wishlistToday` and `viewingsThisWeek`. Joins
 * `property:<id>` (and `viewers:<id>`, counting the user as viewing, unless
 * `viewers: false`) while mounted.
 *
 * @example
 * ```ts
 * const { ready, price, currency, lastChange, viewers } = useProperty('p-42');
 * ```
 */
export function useProperty(propertyId: string, options: UsePropertyOptions = {}): UsePropertyReturn {
  const client = useSinyal();
  const property = refsOf(useStore(propertyStore(client, propertyId)));
  const counts = options.viewers === false ? undefined : useStore(viewerCountStore(client, propertyId));
  const count = (field: 'count' | 'wishlistToday' | 'viewingsThisWeek') => computed(() => counts?.value[field] ?? 0);
  return { ...property, viewers: count('count'), wishlistToday: count('wishlistToday'), viewingsThisWeek: count('viewingsThisWeek') };
}
