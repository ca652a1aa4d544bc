import { notificationsStore, type NotificationsSnapshot, type NotificationsStore } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/** What {@link useNotifications} returns: a computed ref per field, and the actions. */
export type UseNotificationsReturn = ToComputedRefs<NotificationsSnapshot> & Pick<NotificationsStore, 'markRead' | 'markAllRead' | 'loadMore'>;

/**
 * The signed-in user's notifications: `items` (newest first), `unreadCount`, `hasMore`,
 * `status` as computed refs, and `markRead(id | ids)`, `markAllRead()`, `loadMore()` (read
 * marks show at once). `options.pageSize` applies when the store is first created.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const { unreadCount, markAllRead } = useNotifications();
 * </script>
 * <template><button @click="markAllRead()">🔔 {{ unreadCount }}</button></template>
 * ```
 */
export function useNotifications(options?: { pageSize?: number }): UseNotificationsReturn {
  return useStoreRefs(notificationsStore(useSinyal<object, object>(), options), ['markRead', 'markAllRead', 'loadMore']);
}
