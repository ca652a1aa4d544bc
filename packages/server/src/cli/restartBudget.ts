/**
 * Bounds how often the `--workers` primary restarts workers: at most `max` restarts in any
 * `windowMs`. A restart over the bound is not dropped but put off until the window has room,
 * so a worker that crashes at once on every start costs `max` forks a window, not a busy loop.
 */
export class RestartBudget {
  /** When each restart of the current window runs (ms), oldest first; some may lie ahead. */
  private readonly times: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {
    if (!(Number.isInteger(max) && max >= 1)) throw new TypeError('RestartBudget: max must be a positive integer');
  }

  /** Books the next restart asked for at `now`; returns how long to wait before it (0: at once). */
  take(now: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    const at = this.times.length < this.max ? now : Math.max(now, this.times[this.times.length - this.max]! + this.windowMs);
    this.times.push(at);
    return at - now;
  }
}
