import { chatListStore, type ChatListSnapshot, type ChatListStore } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreView } from './useStoreView';

/** What {@link useChatList} returns: the inbox snapshot and `refresh`. */
export type UseChatListResult = ChatListSnapshot & Pick<ChatListStore, 'refresh'>;

/**
 * The signed-in user's inbox: `conversations` by last activity (each with `lastMessage`
 * and `unread`), `totalUnread` for the badge, `status`, and `refresh`. Kept live through
 * the user's feed while mounted, also for conversations that are not open.
 *
 * @example
 * ```tsx
 * const { conversations, totalUnread } = useChatList();
 * ```
 */
export function useChatList(): UseChatListResult {
  return useStoreView(chatListStore(useSinyal<object, object>()), ['refresh']);
}
