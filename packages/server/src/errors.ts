import type { ErrorCode } from '@sinyal/protocol';

/**
 * An error with a protocol {@link ErrorCode}. Throw it from an `authorize` hook, a
 * `publish` guard or a command handler to answer the client with a `nack` carrying
 * that code and message; any other error becomes `nack internal` and is logged.
 *
 * @example
 * ```ts
 * throw new SinyalServerError('conflict', 'auction already ended');
 * ```
 */
export class SinyalServerError extends Error {
  override readonly name = 'SinyalServerError';
  /** Protocol error code sent to the client. */
  readonly code: ErrorCode;
  /** For `rate_limited`: how long the client should wait before retrying. */
  readonly retryAfterMs: number | undefined;
  /**
   * The refusal depends on a passing condition (e.g. "join the room first"), so the
   * dedupe cache must not remember it: the same command id retried later runs again.
   */
  readonly transient: boolean;
  /** Structured detail sent with the `nack` (`nack.data`), e.g. `{ minNextBid: 1200 }`. */
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options?: { retryAfterMs?: number; cause?: unknown; transient?: boolean; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
    this.transient = options?.transient ?? false;
    this.details = options?.details;
  }
}
