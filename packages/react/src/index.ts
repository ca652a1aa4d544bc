/**
 * `@sinyal/react`: `<SinyalProvider>` and hooks over the `@sinyal/client` stores, built
 * on `useSyncExternalStore`. All logic lives in the client; these only bind it to React.
 * @module
 */
export { SinyalProvider, type SinyalProviderProps } from './SinyalProvider';
export { useSinyal } from './useSinyal';
export { useStore, type ExternalStore } from './useStore';
export { useConnectionState } from './useConnectionState';
export { useRoom } from './useRoom';
export { useEvent } from './useEvent';
export { useChat, type UseChatResult } from './useChat';
export { useChatList, type UseChatListResult } from './useChatList';
export { useTyping } from './useTyping';
export { useProperty, type UsePropertyOptions, type UsePropertyResult } from './useProperty';
export { useViewerCount } from './useViewerCount';
export { useAgentStatus, type UseAgentStatusResult } from './useAgentStatus';
export { useUserStatus } from './useUserStatus';
export { useActivityTracker, type UseActivityTrackerResult } from './useActivityTracker';
export { useAuction, type UseAuctionOptions, type UseAuctionResult } from './useAuction';
export { useNotifications, type UseNotificationsResult } from './useNotifications';
export { usePushNotifications, type UsePushNotificationsResult } from './usePushNotifications';
// The snapshot types the hooks return, so apps need not import them from @sinyal/client.
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
