import { activityTracker, type ActivitySnapshot, type ActivityTracker, type ActivityTrackerOptions } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreView } from './useStoreView';

/** What {@link useActivityTracker} returns: whether this connection reports itself idle, and `setIdle`. */
export type UseActivityTrackerResult = ActivitySnapshot & Pick<ActivityTracker, 'setIdle'>;

/**
 * Reports this tab's activity while a component using it is mounted, so others see the user
 * `away` when every tab and device of theirs is idle: idle after `idleAfterMs` (5 minutes)
 * without input or at once when the page is hidden, active again on input or when shown
 * (see `activityTracker` in `@sinyal/client`). Mount it once, near the root; the tracker is
 * one per client and `options` apply when it is first created. `setIdle(true)` reports idle
 * until the next input (an app's own "Set me away").
 *
 * @example
 * ```tsx
 * function App() {
 *   useActivityTracker({ idleAfterMs: 2 * 60_000 });
 *   return <Routes />;
 * }
 * ```
 */
export function useActivityTracker(options?: Partial<ActivityTrackerOptions>): UseActivityTrackerResult {
  return useStoreView(activityTracker(useSinyal(), options), ['setIdle']);
}
