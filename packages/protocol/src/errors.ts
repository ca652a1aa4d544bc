/**
 * Stable error codes carried by `nack` and `error` frames and by every `SinyalError`
 * the client raises. The list (with meaning and whether retrying can help) is in
 * docs/protocol.md; codes are never renamed, only added.
 */
export const ErrorCodes = {
  /** Frame or payload does not match the protocol schema. */
  invalid_frame: 'invalid_frame',
  /** Payload is well-formed but its content is not acceptable (e.g. empty text). */
  bad_request: 'bad_request',
  /** Token missing, malformed, expired or rejected. */
  unauthorized: 'unauthorized',
  /** Authenticated, but not allowed to do this (join a room, publish an event). */
  forbidden: 'forbidden',
  /** Room, command or entity does not exist. */
  not_found: 'not_found',
  /** The command conflicts with current state (e.g. already closed). */
  conflict: 'conflict',
  /** Frame exceeds the server's maximum frame size. */
  too_large: 'too_large',
  /** Too many frames or commands; see `retryAfterMs`. */
  rate_limited: 'rate_limited',
  /** Client speaks a protocol version the server does not. */
  unsupported_version: 'unsupported_version',
  /** No answer within the deadline (client-side). */
  timeout: 'timeout',
  /** A queued command outlived the outbox TTL before it could be sent (client-side). */
  expired: 'expired',
  /** The outbox was full; the overflow policy rejected this command (client-side). */
  overflow: 'overflow',
  /** Cancelled by the application or by `client.close()` (client-side). */
  cancelled: 'cancelled',
  /** Server temporarily unable to serve (store down, shutting down); retry later. */
  unavailable: 'unavailable',
  /** Unexpected server failure. */
  internal: 'internal',
} as const;

/** One of the {@link ErrorCodes}. */
export type ErrorCode = keyof typeof ErrorCodes;

/** Codes for which retrying the same command later may succeed. */
export const RETRYABLE_ERROR_CODES: readonly ErrorCode[] = ['rate_limited', 'timeout', 'unavailable', 'internal'];
