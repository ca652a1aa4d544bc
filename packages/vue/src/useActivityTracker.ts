import { activityTracker, type ActivitySnapshot, type ActivityTracker, type ActivityTrackerOptions } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/** What {@link useActivityTracker} returns: a computed ref `idle`, and `setIdle`. */
export type UseActivityTrackerReturn = ToComputedRefs<ActivitySnapshot> & Pick<ActivityTracker, 'setIdle'>;

/**
 * Reports this tab's activity while the component using it is mounted, so others see the
 * user `away` when every tab and device of theirs is idle: idle after `idleAfterMs`
 * (5 minutes) without input or at once when the page is hidden, active again on input or
 * when shown (see `activityTracker` in `@sinyal/client`). Call it once, in the root
 * component; the tracker is one per client and `options` apply when it is first created.
 * `setIdle(true)` reports idle until the next input (an app's own "Set me away").
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * useActivityTracker({ idleAfterMs: 2 * 60_000 });
 * </script>
 * ```
 */
export function useActivityTracker(options?: Partial<ActivityTrackerOptions>): UseActivityTrackerReturn {
  return useStoreRefs(activityTracker(useSinyal(), options), ['setIdle']);
}
