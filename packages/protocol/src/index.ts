/**
 * The Sinyal wire protocol: frame types, error codes, close codes and the typed
 * event registry. This entry has no runtime dependencies; the zod schemas live in
 * `@sinyal/protocol/schema`.
 * @module
 */
export { PROTOCOL_VERSION, SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX } from './version';
export { ErrorCodes, RETRYABLE_ERROR_CODES, type ErrorCode } from './errors';
export * from './closeCodes';
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
