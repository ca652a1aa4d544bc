import type { PublishOptions } from '../api/server';

/** Longest delay `setInterval` accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How one {@link Coalescer.mark} wants the key's next value sent. */
export interface MarkOptions {
  /**
   * Send the value even if it equals the last one this coalescer sent: with a store shared by
   * several nodes, another node may have sent a different value since (node A sends 5, node B
   * sends 6, a leave on A brings it back to 5 — A must say so), so only this node's own
   * repeats without a change (a periodic recount) are worth suppressing.
   */
  resend?: boolean;
  /**
   * Send to this node's members only (a `localOnly` publish): for a recount that every node
   * makes for its own members. A mark without it pending for the same flush wins: a change
   * reaches every node.
   */
  localOnly?: boolean;
}

/** How a {@link Coalescer} reads, compares and sends the value of one key. */
export interface CoalescerOptions<Value> {
  /** Quiet time after the first change before the value is sent; at most one send per key per interval. */
  intervalMs: number;
  /** The key's current value, read when the interval ends (so the newest state is sent). */
  read(key: string): Promise<Value>;
  /** Sends the value (a volatile publish), to every node's members or, with `localOnly`, to this node's. */
  send(key: string, value: Value, how: Required<Pick<PublishOptions, 'localOnly'>>): unknown;
  /**
   * Whether nobody on this node listens to `key` any more (e.g. its room has no local members):
   * checked after each flush, to drop the memory of the last value sent (so memory does not
   * grow with every key ever seen), and by a recount, which skips such keys.
   */
  forget?(key: string): boolean;
  /** A read or send failed (`key` is undefined when a recount failed to list its keys); the next change tries again. */
  onError(error: unknown, key: string | undefined): void;
}

/**
 * Trailing-edge coalescing of "latest value wins" updates per key — a room's viewer count, a
 * user's status, an auction room's bidders: the first change of a key arms a timer; changes
 * while it runs are absorbed; when it fires the current value is read and sent unless it
 * equals the last value sent. A burst of 200 joins therefore costs the room a handful of
 * updates. Flushes of one key never overlap (a change during a flush re-arms the timer once
 * it ends), so a slow read can never send an older value after a newer one.
 *
 * With a store shared by several nodes, a value can also change without any change on this
 * node (another node died and its members expired): {@link recountEvery} re-reads the keys
 * this node's members watch periodically.
 *
 * @example
 * ```ts
 * const counts = new Coalescer({
 *   intervalMs: 250,
 *   read: (propertyId) => store.count(propertyId),
 *   send: (propertyId, count, { localOnly }) => server.publish(`viewers:${propertyId}`, 'presence:viewers', { count }, { volatile: true, localOnly }),
 *   onError: log,
 * });
 * counts.mark('42'); // after every join or leave
 * counts.recountEvery(30_000, () => watchedPropertyIds); // with a shared store
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
  /** Keys whose next flush goes to every node (a mark without `localOnly`), else to this node's members. */
  private readonly reach = new Map<string, 'all' | 'local'>();
  private readonly recounts: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(private readonly options: CoalescerOptions<Value>) {}

  /** Something that affects `key`'s value changed (see {@link MarkOptions}). */
  mark(key: string, options: MarkOptions = {}): void {
    if (this.stopped) return;
    if (options.resend) this.resend.add(key);
    if (!options.localOnly) this.reach.set(key, 'all');
    else if (!this.reach.has(key)) this.reach.set(key, 'local');
    if (this.timers.has(key)) return;
    if (this.flushing.has(key)) {
      this.changedDuringFlush.add(key);
      return;
    }
    const timer = setTimeout(() => void this.flush(key), this.options.intervalMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /**
   * Every `intervalMs`, marks with `options` each key of `keys()` that somebody on this node
   * still listens to (`forget` says no): for values that change with no change on this node
   * — a store shared by several nodes whose dead node's members expired, which nobody
   * announces. Stopped by {@link stop}; an interval that is not positive does nothing.
   */
  recountEvery(intervalMs: number, keys: () => Iterable<string>, options: MarkOptions = {}): void {
    if (this.stopped || !(intervalMs > 0)) return;
    const timer = setInterval(() => {
      try {
        for (const key of keys()) if (!this.options.forget?.(key)) this.mark(key, options);
      } catch (error) {
        this.options.onError(error, undefined);
      }
    }, Math.min(intervalMs, MAX_TIMER_MS));
    timer.unref();
    this.recounts.push(timer);
  }

  /** Cancels every pending flush and recount; later marks are ignored. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const timer of this.recounts) clearInterval(timer);
    this.timers.clear();
    this.recounts.length = 0;
    this.changedDuringFlush.clear();
    this.lastSent.clear();
    this.resend.clear();
    this.reach.clear();
  }

  private async flush(key: string): Promise<void> {
    this.timers.delete(key);
    this.flushing.add(key);
    try {
      const resend = this.resend.delete(key);
      const localOnly = this.reach.get(key) === 'local';
      this.reach.delete(key);
      const value = await this.options.read(key);
      const json = JSON.stringify(value);
      if (!this.stopped && (resend || json !== this.lastSent.get(key))) {
        this.lastSent.set(key, json);
        await this.options.send(key, value, { localOnly });
      }
    } catch (error) {
      this.lastSent.delete(key);
      this.options.onError(error, key);
    } finally {
      this.flushing.delete(key);
      if (this.changedDuringFlush.delete(key)) this.flushAgain(key);
      else if (this.options.forget?.(key)) this.lastSent.delete(key);
    }
  }

  /** Re-arms a key changed during its flush; its pending marks' options are already recorded. */
  private flushAgain(key: string): void {
    if (this.stopped) return;
    const timer = setTimeout(() => void this.flush(key), this.options.intervalMs);
    timer.unref();
    this.timers.set(key, timer);
  }
}
