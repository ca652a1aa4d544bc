/** Reconnect timing. All delays in milliseconds. */
export interface BackoffOptions {
  /** Upper bound of the first retry's delay. @default 500 */
  initialDelayMs: number;
  /** Upper bound of any retry's delay. @default 20000 */
  maxDelayMs: number;
  /** Growth of the upper bound per failed attempt. @default 2 */
  factor: number;
  /** Failed attempts in a row before giving up in `failed`. @default Infinity */
  maxAttempts: number;
  /**
   * After the server says it is restarting (close 1012) or going away (1001), the
   * client reconnects after a random delay in `[0, restartJitterMs)`: fast, but
   * spread so a restarted node is not hit by every client in the same millisecond.
   * @default 1000
   */
  restartJitterMs: number;
}

/** The defaults, exported so apps can derive their own. */
export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 500,
  maxDelayMs: 20_000,
  factor: 2,
  maxAttempts: Infinity,
  restartJitterMs: 1000,
};

/**
 * Delay before retry number `attempt` (0-based): exponential growth with **full
 * jitter** — uniformly random in `[0, min(max, initial·factor^attempt))`. Full jitter
 * spreads a crowd of clients that lost the same server over the whole window, so
 * their reconnects do not arrive as one storm.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** attempt);
  return Math.floor(random() * ceiling);
}
