/**
 * `@sinyal/vue`: a plugin and composables over the `@sinyal/client` stores. Composables
 * return an object with one read-only computed ref per snapshot field plus the store's
 * actions (plain functions), released with the effect scope. All logic lives in the client.
 * @module
 */
export { createSinyal, provideSinyal, SINYAL_KEY, type SinyalInjection, type SinyalPluginOptions } from './plugin';
export { useSinyal } from './useSinyal';
export { useStore, type ExternalStore } from './useStore';
export type { ToComputedRefs } from './useStoreRefs';
export { useConnectionState } from './useConnectionState';
export { useRoom } from './useRoom';
export { useEvent } from './useEvent';
export { useChat, type UseChatReturn } from './useChat';
export { useChatList, type UseChatListReturn } from './useChatList';
export { useTyping } from './useTyping';
export { useProperty, type UsePropertyOptions, type UsePropertyReturn } from './useProperty';
export { useViewerCount } from './useViewerCount';
export { useAgentStatus, type UseAgentStatusReturn } from './useAgentStatus';
export { useUserStatus } from './useUserStatus';
export { useActivityTracker, type UseActivityTrackerReturn } from './useActivityTracker';
export { useAuction, type UseAuctionOptions, type UseAuctionReturn } from './useAuction';
export { useNotifications, type UseNotificationsReturn } from './useNotifications';
export { usePushNotifications, type UsePushNotificationsReturn } from './usePushNotifications';
// The snapshot types behind the refs, so apps need not import them from @sinyal/client.
export type {
  ActivitySnapshot,
  ActivityTrackerOptions,
  AuctionSnapshot,
  AuctionView,
  ChatListSnapshot,
  ChatMessageStatus,
  ChatMessageView,
  ChatSnapshot,
  ChatStoreOptions,
  ConnectionSnapshot,
  NotificationsSnapshot,
  PropertySnapshot,
  RoomSnapshot,
  TypingController,
  TypingControllerOptions,
  UserPresence,
  UserStatusSnapshot,
  ViewerCountSnapshot,
} from '@sinyal/client';
export type { PushNotificationsOptions, PushSnapshot, PushStatus } from '@sinyal/client/push';
