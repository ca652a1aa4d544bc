import { viewerCountStore, type ViewerCountSnapshot } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';

/**
 * Live social proof of a property: `count` (people viewing now, this user included),
 * `wishlistToday`, `viewingsThisWeek`, and the room `status`. **Mounting it means viewing**:
 * the user is counted while a component using it is mounted.
 *
 * @example
 * ```tsx
 * const { count } = useViewerCount('rumah-kemang-12');
 * return <span>👀 {count} orang sedang melihat</span>;
 * ```
 */
export function useViewerCount(propertyId: string): ViewerCountSnapshot {
  return useStore(viewerCountStore(useSinyal(), propertyId));
}
