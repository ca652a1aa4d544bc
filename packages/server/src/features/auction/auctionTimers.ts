/** setTimeout cannot wait longer than 2^31-1 ms (~24.8 days); longer waits are re-armed. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * One-shot timers keyed by name (`start:<auctionId>`, `end:<auctionId>`), firing at an
 * absolute server time. Re-arming a key replaces its timer (an extended end). Timers are
 * `unref`'d so they never keep the process alive, and a callback that throws or rejects
 * is reported, never crashes the server.
 */
export class AuctionTimers {
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly now: () => number,
    private readonly report: (error: unknown) => void,
  ) {}

  /** Calls `fire` at server time `at` (at once if `at` has passed), replacing any timer under `key`. */
  at(key: string, at: number, fire: () => unknown): void {
    this.cancel(key);
    const delay = Math.max(0, at - this.now());
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      // Timers may fire a little early relative to our clock, or the wait was clamped: re-arm.
      if (this.now() < at) return this.at(key, at, fire);
      try {
        const result = fire();
        if (result instanceof Promise) result.catch(this.report);
      } catch (error) {
        this.report(error);
      }
    }, Math.min(delay, MAX_TIMER_DELAY_MS));
    timer.unref();
    this.#timers.set(key, timer);
  }

  cancel(key: string): void {
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
  }

  /** Stops every timer (server shutdown). */
  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
