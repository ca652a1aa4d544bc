/** How long past its retry time a refused command holds the ones after it, when it does not come back. */
export const REFUSAL_HOLD_GRACE_MS = 10_000;

/** A decision of {@link RefusalHold.check} (the shape of a rate limiter's). */
export type HoldDecision = { ok: true } | { ok: false; retryAfterMs: number };

interface Held {
  /** The first refused command. */
  id: string;
  /** When it was told to retry. */
  retryAt: number;
  /** When the hold lapses if it never comes back (its sender gave up on it). */
  until: number;
}

/**
 * Keeps a connection's commands in order across rate-limit refusals. A token bucket refills
 * continuously, so right after refusing command 11 it may accept command 17 of the same
 * pipelined batch — and the client, which re-sends 11 after `retryAfterMs`, would then see 17
 * land before 11..16. After a refusal, every later command under the same key is refused too
 * (told to retry when the first one was), until the first refused command comes back (the
 * client re-sends in order, so it is first) or `graceMs` past its retry time has gone by.
 * Keys name a connection and what is limited (`<session>\0<command name>`, or one key per
 * connection for its frame limit).
 */
export class RefusalHold {
  readonly #held = new Map<string, Held>();

  constructor(
    private readonly graceMs: number = REFUSAL_HOLD_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Before asking the limiter: refuses `id` while an earlier refused command of `key` has not come back. */
  check(key: string, id: string): HoldDecision {
    const held = this.#held.get(key);
    if (!held) return { ok: true };
    const now = this.now();
    if (held.id === id || now >= held.until) {
      this.#held.delete(key);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.max(1, held.retryAt - now) };
  }

  /** The limiter refused `id`: later commands of `key` wait behind it (unless one already holds them). */
  refused(key: string, id: string, retryAfterMs: number): void {
    if (this.#held.has(key)) return;
    const now = this.now();
    this.#held.set(key, { id, retryAt: now + retryAfterMs, until: now + retryAfterMs + this.graceMs });
  }

  /** Drops lapsed holds; with `keyPrefix`, every hold of that connection (it closed). */
  prune(keyPrefix?: string): void {
    const now = this.now();
    for (const [key, held] of this.#held) if (now >= held.until || (keyPrefix !== undefined && key.startsWith(keyPrefix))) this.#held.delete(key);
  }

  /** Holds kept now (bounded by the connections that were refused within the last retry + grace). */
  get size(): number {
    return this.#held.size;
  }
}
