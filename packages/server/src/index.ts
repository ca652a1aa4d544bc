/**
 * The Sinyal reference server: WebSocket endpoint on `ws` with authentication at the
 * upgrade, frame validation, per-kind room authorization, resumable room history,
 * idempotent commands, rate limits, heartbeat eviction and graceful shutdown.
 * @module
 */
export { createServer } from './server';
export { type SinyalServer } from './api/server';
export { DEFAULT_LIMITS, type Limits, type ActionRateLimit, type DeflateOptions } from './api/limits';
export { type ServerOptions } from './api/options';
export type { TrustProxy } from './auth/clientIp';
export type { MetricsOptions } from './ops/metrics';
export type { RoomKindOptions, AuthorizeContext, PublishContext, MemberContext } from './api/rooms';
export type { Feature, ConnectionContext } from './api/feature';
export { HTTP_STATUS } from './http/router';
export { type Route, type RouteAuth, type RouteContext } from './api/routes';
export { USER_FEED } from './rooms/userFeed';
export type { CommandHandler, CommandContext, CommandDefinition, CommandEntry } from './api/commands';
export {
  createDevToken,
  DEFAULT_CLOCK_TOLERANCE_SEC,
  type AuthUser,
  type AuthOptions,
  type SecretAuthOptions,
  type JwksAuthOptions,
  type VerifyAuthOptions,
  type JwtClaimOptions,
  type AuthClockOptions,
  type HmacAlgorithm,
  type PublicKeyAlgorithm,
  type VerifyToken,
} from './auth/authenticator';
export { SinyalServerError } from './errors';
export { createJsonLogger, createPinoLogger, REDACT_PATHS, type Logger, type LogLevel } from './ops/logger';
export type { PublishResult, PublishOptions } from './api/server';
export { MemoryStore, type MemoryStoreOptions } from './store/memoryStore';
export type { Store, StoreStats, StoredEvent, NewEvent, StreamHead, CommandOutcome, CommandClaim, ReadAfterOptions } from './store/types';
export { LocalFanout } from './rooms/localFanout';
export { type Fanout, type FanoutListener, type FanoutHealth } from './store/types';
export { RedisStore, type RedisStoreOptions } from './redis/redisStore';
export { RedisFanout } from './redis/redisFanout';
export { redisKeys, DEFAULT_REDIS_PREFIX, type RedisKeys } from './redis/keys';
export { RoomEventsRedisStore, requireServerOnSameRedis, type RoomTarget } from './redis/roomEventsRedisStore';
export {
  chatFeature,
  MemoryChatStore,
  RedisChatStore,
  type MemoryChatStoreOptions,
  type ChatStoreStats,
  DEFAULT_CHAT_OPTIONS,
  DEFAULT_CHAT_RATE_LIMITS,
  type ChatFeature,
  type ChatFeatureOptions,
  type ChatStore,
  type ChatMarkers,
  type ChatMarkerKind,
  type NewChatMessage,
} from './features/chat';
export {
  auctionFeature,
  auctionRoom,
  DEFAULT_AUCTION_OPTIONS,
  MemoryAuctionStore,
  RedisAuctionStore,
  type RedisAuctionStoreOptions,
  type AuctionFeature,
  type AuctionFeatureOptions,
  type AuctionStore,
  type AuctionConfig,
  type AuctionRecord,
  type AuctionLeader,
  type AttemptLimits,
  type PlaceBidInput,
  type PlaceBidOutcome,
  type RecordAttemptOutcome,
  type EndAuctionOutcome,
  type AcceptedBid,
  type AutoBidOutcome,
  type SetAutoBidInput,
  type SetAutoBidOutcome,
  type RejectedAttempt,
  resolveAutoBids,
  type AutoBidEntry,
  type AutoBidPosition,
  type AutoBidResolution,
  type AuctionTerms,
  type BidRateLimit,
} from './features/auction';
export {
  presenceFeature,
  DEFAULT_PRESENCE_OPTIONS,
  DEFAULT_PRESENCE_RATE_LIMITS,
  isAgentByRoleClaim,
  MemoryPresenceStore,
  RedisPresenceStore,
  type RedisPresenceStoreOptions,
  socialProofWindows,
  viewersRoom,
  statusRoom,
  VIEWERS_KIND,
  STATUS_KIND,
  type PresenceOptions,
  type StatusVisibility,
  type ActivityAuth,
  type PresenceStore,
  type UserPresenceRecord,
  type SessionIdleChange,
  userPresenceOf,
  type ActivityKind,
  type SocialProofWindows,
} from './features/presence';
export {
  propertyFeature,
  DEFAULT_PROPERTY_OPTIONS,
  DEFAULT_PROPERTY_RATE_LIMITS,
  DEFAULT_TRANSITIONS,
  MemoryPropertyStore,
  RedisPropertyStore,
  priceChange,
  propertyRoomName,
  type PropertyFeature,
  type PropertyFeatureOptions,
  type PropertyUpdateHook,
  type PropertyStore,
  type StatusTransitions,
} from './features/property';
export {
  notificationFeature,
  DEFAULT_NOTIFICATION_OPTIONS,
  DEFAULT_NOTIFICATION_RATE_LIMITS,
  MemoryNotificationStore,
  RedisNotificationStore,
  MemoryPushStore,
  RedisPushStore,
  pushPayload,
  propertyAlertFor,
  quietHoursEnd,
  matchesListing,
  type NotificationFeature,
  type NotificationFeatureOptions,
  type NotificationStore,
  type NotifyOutcome,
  type ScheduledNotification,
  type ScheduledMatch,
  type ScheduleResult,
  type NotificationPushOptions,
  type PushPayload,
  type PushStore,
  type StoredPushSubscription,
  type AddPushSubscriptionResult,
  type RedisPushStoreOptions,
  type VapidKeys,
} from './features/notification';
export { loadDevVapidKeys, generateVapidKeys, type DevVapidKeys } from './features/notification/devVapid';
export { platformFeatures, type PlatformFeatures, type PlatformFeaturesOptions } from './features/platform';
