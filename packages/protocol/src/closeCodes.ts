/**
 * WebSocket close codes the server uses and what the client does on each.
 * 1000–1015 are RFC 6455 codes; 4000–4999 are Sinyal's own.
 */
export const CloseCodes = {
  /** Normal closure (client called `close()`). Client does not reconnect. */
  NORMAL: 1000,
  /** Endpoint going away. Client reconnects on the fast path. */
  GOING_AWAY: 1001,
  /** Frame larger than the server's limit. Client reconnects with backoff. */
  MESSAGE_TOO_BIG: 1009,
  /** Unexpected server error. Client reconnects with backoff. */
  INTERNAL_ERROR: 1011,
  /** Server restarting (graceful shutdown). Client reconnects on the fast path, elsewhere if balanced. */
  SERVICE_RESTART: 1012,
  /** Server overloaded. Client reconnects with backoff. */
  TRY_AGAIN_LATER: 1013,
  /** Token expired or revoked on an open connection. Client fetches a new token and reconnects. */
  UNAUTHORIZED: 4001,
  /** Protocol version not supported. Client stops in `failed`. */
  UNSUPPORTED_VERSION: 4002,
  /** Too many connections for this user. Client reconnects with backoff. */
  TOO_MANY_CONNECTIONS: 4008,
  /** Client could not keep up (send buffer over the limit). Client reconnects with backoff. */
  SLOW_CONSUMER: 4009,
  /** No frame from the client within the heartbeat timeout. Client reconnects with backoff. */
  HEARTBEAT_TIMEOUT: 4010,
  /** Protocol violation (e.g. a frame before `hello`). Client reconnects with backoff. */
  PROTOCOL_ERROR: 4011,
} as const;

/** One of the {@link CloseCodes} values. */
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];
