import type { ErrorCode } from '@sinyal/protocol';

/**
 * The one error type the client raises or reports. `code` is a stable
 * {@link ErrorCode} from `@sinyal/protocol`; branch on it, not on `message`.
 *
 * @example
 * ```ts
 * try { await client.request('auction:place_bid', { amount }) }
 * catch (e) { if (isSinyalError(e) && e.code === 'rate_limited') retryIn(e.retryAfterMs) }
 * ```
 */
export class SinyalError extends Error {
  override readonly name = 'SinyalError';
  // `declare`: set in the constructor, so no field initialisers are emitted (bytes in the core).
  /** Stable machine-readable code. */
  declare readonly code: ErrorCode;
  /** For `rate_limited`: how long to wait before retrying. */
  declare readonly retryAfterMs: number | undefined;
  /** Structured detail from the server (`nack.data`), e.g. `{ minNextBid }`. */
  declare readonly details: unknown;

  constructor(code: ErrorCode, message: string, retryAfterMs?: number, details?: unknown) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
    this.details = details;
  }
}

/**
 * Whether `value` is a {@link SinyalError}; also true for one from another copy of the
 * package (it checks the shape, not the class). A function rather than a static method so
 * an app that never calls it does not ship it.
 */
export function isSinyalError(value: unknown): value is SinyalError {
  return value instanceof Error && value.name === 'SinyalError' && typeof (value as SinyalError).code === 'string';
}
