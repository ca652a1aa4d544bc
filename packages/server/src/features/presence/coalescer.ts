/** How a {@link Coalescer} reads, compares and sends the value of one key. */
export interface CoalescerOptions<Value> {
  /** Quiet time after the first change before the value is sent; at most one send per key per interval. */
  intervalMs: number;
  /** The key's current value, read when the interval ends (so the newest state is sent). */
  read(key: string): Promise<Value>;
  /** Sends the value (a volatile publish). */
  send(key: string, value: Value): unknown;
  /**
   * Called after each flush: `true` drops the memory of the last value sent for `key`
   * (e.g. nobody on this node listens any more), so memory does not grow with every key ever seen.
   */
  forget?(key: string): boolean;
  /** A read or send failed (logged by the caller; the next change tries again). */
  onError(error: unknown, key: string): void;
}

/**
 * Trailing-edge coalescing of "latest value wins" updates per key: the first change of a
 * key arms a timer; changes while it runs are absorbed; when it fires the current value is
 * read and sent unless it equals the last value sent. A burst of 200 joins therefore costs
 * the room a handful of updates. Flushes of one key never overlap (a change during a flush
 * re-arms the timer once it ends), so a slow read can never send an older value after a newer one.
 *
 * @example
 * ```ts
 * const counts = new Coalescer({ intervalMs: 250, read: (room) => store.count(room), send: (room, count) => server.publish(room, 'presence:viewers', { count }, { volatile: true }), onError: log });
 * counts.mark('viewers:42'); // after every join or leave
 * ```
 */
export class Coalescer<Value> {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly flushing = new Set<string>();
  /** Keys changed while their flush was running: flushed again after it. */
  private readonly changedDuringFlush = new Set<string>();
  /** The JSON of the last value sent per key. */
  private readonly lastSent = new Map<string, string>();
  /** Keys whose next flush sends even a value equal to the last one sent. */
  private readonly resend = new Set<string>();
  private stopped = false;

  constructor(private readonly options: CoalescerOptions<Value>) {}

  /**
   * Something that affects `key`'s value changed. With `resend`, the next flush sends the
   * value even if it equals the last one this coalescer sent: with a store shared by several
   * nodes, another node may have sent a different value since (node A sends 5, node B sends
   * 6, a leave on A brings it back to 5 — A must say so), so only this node's own repeats
   * without a change (the periodic recount) are worth suppressing.
   */
  mark(key: string, options: { resend?: boolean } = {}): void {
    if (this.stopped) return;
    if (options.resend) this.resend.add(key);
    if (this.timers.has(key)) return;
    if (this.flushing.has(key)) {
      this.changedDuringFlush.add(key);
      return;
    }
    const timer = setTimeout(() => void this.flush(key), this.options.intervalMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Cancels every pending flush; later marks are ignored. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.changedDuringFlush.clear();
    this.lastSent.clear();
    this.resend.clear();
  }

  private async flush(key: string): Promise<void> {
    this.timers.delete(key);
    this.flushing.add(key);
    try {
      const resend = this.resend.delete(key);
      const value = await this.options.read(key);
      const json = JSON.stringify(value);
      if (!this.stopped && (resend || json !== this.lastSent.get(key))) {
        this.lastSent.set(key, json);
        await this.options.send(key, value);
      }
    } catch (error) {
      this.lastSent.delete(key);
      this.options.onError(error, key);
    } finally {
      this.flushing.delete(key);
      if (this.changedDuringFlush.delete(key)) this.mark(key);
      else if (this.options.forget?.(key)) this.lastSent.delete(key);
    }
  }
}
