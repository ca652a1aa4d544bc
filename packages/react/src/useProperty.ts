import { propertyStore, viewerCountStore, type PropertySnapshot, type ViewerCountSnapshot } from '@sinyal/client';
import { useMemo } from 'react';
import { useSinyal } from './useSinyal';
import { useStore, type ExternalStore } from './useStore';

/** Options of {@link useProperty}. */
export interface UsePropertyOptions {
  /**
   * Count this user as viewing the property (joins `viewers:<id>`) and return the live
   * `viewers`, `wishlistToday` and `viewingsThisWeek`. Turn it off for cards in a list.
   * @default true
   */
  viewers?: boolean;
}

/** What {@link useProperty} returns: the property's live state and its social proof. */
export type UsePropertyResult = PropertySnapshot & Pick<ViewerCountSnapshot, 'wishlistToday' | 'viewingsThisWeek'> & {
  /** People viewing the property now, this user included (0 with `viewers: false`). */
  viewers: number;
};

type Counts = Pick<ViewerCountSnapshot, 'count' | 'wishlistToday' | 'viewingsThisWeek'>;
const NO_COUNTS: Counts = { count: 0, wishlistToday: 0, viewingsThisWeek: 0 };
/** Stands in for the viewer store with `viewers: false`, so the hooks run in the same order. */
const NOT_COUNTED: ExternalStore<Counts> = { subscribe: () => () => {}, getSnapshot: () => NO_COUNTS };

/**
 * A property page's live data: `status`, `price`, `currency`, `lastChange` (e.g. to flash
 * "PRICE DROP"), `priceHistory`, `photos`, `openHouse`, `featured`, `ready` — plus
 * `viewers`, `wishlistToday` and `viewingsThisWeek`. Joins `property:<id>` (and
 * `viewers:<id>`, counting the user as viewing, unless `viewers: false`) while mounted.
 *
 * @example
 * ```tsx
 * const { ready, price, currency, lastChange, viewers } = useProperty('p-42');
 * ```
 */
export function useProperty(propertyId: string, options: UsePropertyOptions = {}): UsePropertyResult {
  const client = useSinyal();
  const property = useStore(propertyStore(client, propertyId));
  const counts: Counts = useStore(options.viewers === false ? NOT_COUNTED : viewerCountStore(client, propertyId));
  return useMemo(
    () => ({ ...property, viewers: counts.count, wishlistToday: counts.wishlistToday, viewingsThisWeek: counts.viewingsThisWeek }),
    [property, counts],
  );
}
