/**
 * `@sinyal/client`: the framework-agnostic Sinyal client — connection state
 * machine, reconnect with backoff, heartbeat, server clock, offline outbox, rooms
 * that resume, typed events and requests.
 * @module
 */
export { createClient, newId, SinyalClient, type CommandOptions } from './client';
export type { ClientOptions } from './options';
export type { ConnectionState, ConnectionSnapshot, TokenSource } from './connection';
export { Room, type RoomStatus, type RoomSnapshot, type EventMeta, type ResetInfo, type JoinedInfo } from './room';
export { onUserFeed } from './userFeed';
export { fetchJson } from './rest';
export { Outbox, PendingCommand, DEFAULT_OUTBOX, type OutboxOptions, type CommandStatus, type CommandSnapshot } from './outbox';
export { memoryStorage, localStorageStorage, type OutboxStorage, type OutboxRecord } from './outboxStorage';
export { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
export { DEFAULT_HEARTBEAT, type HeartbeatOptions } from './heartbeat';
export { ServerClock } from './clock';
export { isSinyalError, SinyalError } from './errors';
export { browserEnvironment, type Environment } from './environment';
export type { WebSocketLike, WebSocketConstructor } from './socket';
export { ErrorCodes, CloseCodes, PROTOCOL_VERSION, type ErrorCode, type UserPresence } from '@sinyal/protocol';
export * from './chat';
export { auctionStore, AuctionStore, type AuctionSnapshot, type AuctionView } from './auction/auctionStore';
export {
  ViewerCountStore,
  viewerCountStore,
  UserStatusStore,
  userStatusStore,
  agentStatusStore,
  setAgentStatus,
  ActivityTracker,
  activityTracker,
  DEFAULT_ACTIVITY_TRACKER,
  browserActivitySource,
  ACTIVITY_INPUT_EVENTS,
  type ViewerCountSnapshot,
  type UserStatusSnapshot,
  type ActivityTrackerOptions,
  type ActivitySnapshot,
  type ActivitySource,
} from './presence';
export { propertyStore, PropertyStore, type PropertySnapshot } from './property/propertyStore';
export { watchlistStore, WatchlistStore, type WatchlistSnapshot } from './property/watchlistStore';
export { notificationsStore, NotificationsStore, type NotificationsSnapshot, type NotificationsStatus } from './notification/notificationsStore';
