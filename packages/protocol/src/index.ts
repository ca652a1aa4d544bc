/**
 * The Sinyal wire protocol: frame types, error codes, close codes and the typed
 * event registry. This entry has no runtime dependencies; the zod schemas live in
 * `@sinyal/protocol/schema`.
 * @module
 */
export { PROTOCOL_VERSION, SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX } from './version';
export { ErrorCodes, RETRYABLE_ERROR_CODES, type ErrorCode } from './errors';
export * from './closeCodes';
export { userFeedRoom, base64url } from './userFeed';
export type { SinyalEvents, SinyalCommands, CommandShape, EventName } from './events';
export type {
  HelloFrame,
  JoinFrame,
  LeaveFrame,
  CommandFrame,
  PingFrame,
  ClientFrame,
  WelcomeFrame,
  JoinedFrame,
  EventFrame,
  ResetFrame,
  LeftFrame,
  AckFrame,
  NackFrame,
  PongFrame,
  ErrorFrame,
  ServerFrame,
  Position,
} from './schema/frames';
export type {
  ChatAttachment,
  ChatMessage,
  ChatMarker,
  ChatConversation,
  ChatSummary,
  ChatList,
  ChatHistoryPage,
  ChatJoinState,
  ChatReceipt,
  ChatTyping,
  ChatCreateConversation,
  ChatEvents,
  ChatCommands,
} from './schema/chat';
export type {
  AuctionEvents,
  AuctionCommands,
  AuctionBid,
  AuctionState,
  AuctionJoinState,
  AuctionStatus,
  BidRejectReason,
  PlaceBidData,
  PlaceBidResult,
  AutoBidState,
  SetAutoBidData,
  SetAutoBidResult,
  CancelAutoBidData,
  CancelAutoBidResult,
  CreateAuctionInput,
  AuctionAuditEntry,
  AuctionAudit,
} from './schema/auction';
export type {
  AgentStatus,
  ChosenAgentStatus,
  UserPresence,
  ViewerCount,
  SocialProof,
  ViewersState,
  PresenceStatus,
  SetAgentStatusData,
  SetActivityData,
  SocialProofActivityBody,
  SocialProofActivity,
  PresenceEvents,
  PresenceCommands,
} from './schema/presence';
export type {
  PropertyEvents,
  PropertyCommands,
  PropertyStatus,
  PropertyState,
  PropertyChange,
  PropertyChangeType,
  PropertyPhoto,
  PropertyOpenHouse,
  PropertyPricePoint,
  PropertyEventBody,
  PropertyRegisterBody,
} from './schema/property';
export type {
  NotificationEvents,
  NotificationCommands,
  Notification,
  NotificationInput,
  NotificationCategory,
  NotificationPriority,
  NotificationPreferences,
  NotificationPage,
  SavedSearch,
  SavedSearchCriteria,
  Listing,
  PushSubscriptionBody,
  PushSubscriptionInfo,
} from './schema/notification';
