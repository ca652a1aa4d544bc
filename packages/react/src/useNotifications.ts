import { notificationsStore, type NotificationsSnapshot, type NotificationsStore } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreView } from './useStoreView';

/** What {@link useNotifications} returns: the notification center and its actions. */
export type UseNotificationsResult = NotificationsSnapshot & Pick<NotificationsStore, 'markRead' | 'markAllRead' | 'loadMore'>;

/**
 * The signed-in user's notifications: `items` (newest first), `unreadCount`, `hasMore`,
 * `status`, and `markRead(id | ids)`, `markAllRead()`, `loadMore()` (read marks show at
 * once). `options.pageSize` applies when the store is first created.
 *
 * @example
 * ```tsx
 * const { items, unreadCount, markAllRead } = useNotifications();
 * return <button onClick={markAllRead}>🔔 {unreadCount}</button>;
 * ```
 */
export function useNotifications(options?: { pageSize?: number }): UseNotificationsResult {
  return useStoreView(notificationsStore(useSinyal<object, object>(), options), ['markRead', 'markAllRead', 'loadMore']);
}
