/**
 * WebSocket close codes the server uses and what the client does on each.
 * 1000–1015 are RFC 6455 codes; 4000–4999 are Sinyal's own. Each is also exported as a
 * plain constant (`CLOSE_SERVICE_RESTART`…), which bundlers inline: the client uses those
 * so the whole table stays out of browser bundles.
 */

/** @see CloseCodes */
export const CLOSE_NORMAL = 1000;
/** @see CloseCodes */
export const CLOSE_GOING_AWAY = 1001;
/** @see CloseCodes */
export const CLOSE_POLICY_VIOLATION = 1008;
/** @see CloseCodes */
export const CLOSE_MESSAGE_TOO_BIG = 1009;
/** @see CloseCodes */
export const CLOSE_INTERNAL_ERROR = 1011;
/** @see CloseCodes */
export const CLOSE_SERVICE_RESTART = 1012;
/** @see CloseCodes */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** @see CloseCodes */
export const CLOSE_UNAUTHORIZED = 4001;
/** @see CloseCodes */
export const CLOSE_UNSUPPORTED_VERSION = 4002;
/** @see CloseCodes */
export const CLOSE_TOO_MANY_CONNECTIONS = 4008;
/** @see CloseCodes */
export const CLOSE_SLOW_CONSUMER = 4009;
/** @see CloseCodes */
export const CLOSE_HEARTBEAT_TIMEOUT = 4010;
/** @see CloseCodes */
export const CLOSE_PROTOCOL_ERROR = 4011;

export const CloseCodes = {
  /** Normal closure (client called `close()`). Client does not reconnect. */
  NORMAL: CLOSE_NORMAL,
  /** Endpoint going away. Client reconnects on the fast path. */
  GOING_AWAY: CLOSE_GOING_AWAY,
  /**
   * Policy violation: the connection kept sending far over its rate limit (or `ws` refused
   * a message of too many fragments). Client reconnects with backoff.
   */
  POLICY_VIOLATION: CLOSE_POLICY_VIOLATION,
  /** Frame larger than the server's limit. Client reconnects with backoff. */
  MESSAGE_TOO_BIG: CLOSE_MESSAGE_TOO_BIG,
  /** Unexpected server error. Client reconnects with backoff. */
  INTERNAL_ERROR: CLOSE_INTERNAL_ERROR,
  /** Server restarting (graceful shutdown). Client reconnects on the fast path, elsewhere if balanced. */
  SERVICE_RESTART: CLOSE_SERVICE_RESTART,
  /** Server overloaded. Client reconnects with backoff. */
  TRY_AGAIN_LATER: CLOSE_TRY_AGAIN_LATER,
  /** Token expired or revoked on an open connection. Client fetches a new token and reconnects. */
  UNAUTHORIZED: CLOSE_UNAUTHORIZED,
  /** Protocol version not supported. Client stops in `failed`. */
  UNSUPPORTED_VERSION: CLOSE_UNSUPPORTED_VERSION,
  /** Too many connections for this user. Client reconnects with backoff. */
  TOO_MANY_CONNECTIONS: CLOSE_TOO_MANY_CONNECTIONS,
  /** Client could not keep up (send buffer over the limit). Client reconnects with backoff. */
  SLOW_CONSUMER: CLOSE_SLOW_CONSUMER,
  /** No frame from the client within the heartbeat timeout. Client reconnects with backoff. */
  HEARTBEAT_TIMEOUT: CLOSE_HEARTBEAT_TIMEOUT,
  /** Protocol violation (e.g. a frame before `hello`). Client reconnects with backoff. */
  PROTOCOL_ERROR: CLOSE_PROTOCOL_ERROR,
} as const;

/** One of the {@link CloseCodes} values. */
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];
