/**
 * The Sinyal reference server: WebSocket endpoint on `ws` with authentication at the
 * upgrade, frame validation, per-kind room authorization, resumable room history,
 * idempotent commands, rate limits, heartbeat eviction and graceful shutdown.
 * @module
 */
export { createServer, type SinyalServer } from './server';
export { DEFAULT_LIMITS, type Limits, type ServerOptions } from './options';
export type { RoomKindOptions, AuthorizeContext, PublishContext, MemberContext } from './roomKinds';
export type { Feature, ConnectionContext } from './feature';
export { HTTP_STATUS, type Route, type RouteAuth, type RouteContext } from './routes';
export { USER_FEED } from './userFeed';
export type { CommandHandler, CommandContext } from './commands';
export { createDevToken, type AuthUser, type AuthOptions, type VerifyToken } from './auth';
export { SinyalServerError } from './errors';
export { createJsonLogger, type Logger, type LogLevel } from './logger';
export type { PublishResult, PublishOptions } from './publish';
export { MemoryStore } from './store/memoryStore';
export type { Store, StoredEvent, NewEvent, StreamHead, CommandOutcome } from './store/types';
