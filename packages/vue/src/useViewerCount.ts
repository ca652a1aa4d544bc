import { viewerCountStore, type ViewerCountSnapshot } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/**
 * Live social proof of a property as computed refs: `count` (people viewing now, this user
 * included), `wishlistToday`, `viewingsThisWeek`, and the room `status`. **Mounting it means
 * viewing**: the user is counted while a component using it is mounted.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const { count } = useViewerCount('rumah-kemang-12');
 * </script>
 * <template><span>👀 {{ count }} orang sedang melihat</span></template>
 * ```
 */
export function useViewerCount(propertyId: string): ToComputedRefs<ViewerCountSnapshot> {
  return useStoreRefs(viewerCountStore(useSinyal(), propertyId), []);
}
