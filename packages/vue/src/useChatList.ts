import { chatListStore, type ChatListSnapshot, type ChatListStore } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/** What {@link useChatList} returns: a computed ref per inbox field, and `refresh`. */
export type UseChatListReturn = ToComputedRefs<ChatListSnapshot> & Pick<ChatListStore, 'refresh'>;

/**
 * The signed-in user's inbox: `conversations` by last activity (each with `lastMessage`
 * and `unread`), `totalUnread` for the badge, `status` — computed refs — and `refresh`.
 * Kept live through the user's feed while mounted.
 *
 * @example
 * ```ts
 * const { conversations, totalUnread } = useChatList();
 * ```
 */
export function useChatList(): UseChatListReturn {
  return useStoreRefs(chatListStore(useSinyal<object, object>()), ['refresh']);
}
