import { REFUSAL_HOLD_GRACE_MS, RefusalHold } from './refusalHold';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One token bucket: `ratePerSecond` tokens refill continuously up to `capacity`; it
 * starts full. For a single holder (a connection); {@link RateLimiter} keys many by user.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.updatedAt = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = this.now();
    const elapsedMs = now - this.updatedAt;
    if (elapsedMs > 0) this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Result of {@link RateLimiter.take}. */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** The decision "allowed": one shared object (a decision is made for every frame). */
export const ALLOWED: RateDecision = Object.freeze({ ok: true });

/**
 * Token buckets keyed by user id: `ratePerSecond` tokens refill continuously up to
 * `burst`; every inbound frame takes one. All connections of a user share a bucket,
 * so opening more sockets does not buy more throughput.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.ratePerSecond) * 1000) };
  }

  /** Tokens `key` has now (for a budget spent in amounts rather than one per call). */
  available(key: string): number {
    return this.refilled(key).tokens;
  }

  /** Spends `amount` tokens of `key` (down to 0 at most): what a budget in bytes was used for. */
  spend(key: string, amount: number): void {
    const bucket = this.refilled(key);
    bucket.tokens = Math.max(0, bucket.tokens - amount);
  }

  private refilled(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      const elapsedMs = now - bucket.updatedAt;
      if (elapsedMs > 0) bucket.tokens = Math.min(this.burst, bucket.tokens + (elapsedMs / 1000) * this.ratePerSecond);
      bucket.updatedAt = now;
    }
    return bucket;
  }

  /** Forgets buckets that have refilled completely; a full bucket is the same as none. */
  prune(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(key);
    }
  }
}

/** A per-action limit as configured (`ServerOptions.rateLimits`). */
export interface ActionLimitConfig {
  perSecond: number;
  burst?: number;
}

/**
 * The per-action limits in force: the defaults the features declare for their noisy
 * commands (`Feature.rateLimits`), overridden name by name by `ServerOptions.rateLimits`
 * (where `false` removes a limit).
 */
export function mergeActionLimits(
  features: ReadonlyArray<{ name: string; rateLimits?: Readonly<Record<string, ActionLimitConfig>> }>,
  overrides: Readonly<Record<string, ActionLimitConfig | false>> = {},
): Record<string, ActionLimitConfig | false> {
  const merged: Record<string, ActionLimitConfig | false> = {};
  for (const feature of features) {
    for (const [name, limit] of Object.entries(feature.rateLimits ?? {})) {
      if (name === '*') throw new TypeError(`feature ${feature.name}: rateLimits may not set '*' (that is the application's choice)`);
      merged[name] = limit;
    }
  }
  return { ...merged, ...overrides };
}

/**
 * Per-action rate limits: for each configured command name (or `'*'`, any other
 * command), token buckets keyed by user id. Commands without a limit, or whose limit is
 * `false`, always pass.
 */
export class ActionRateLimiter {
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly fallback: ActionLimitConfig | undefined;
  /** Names configured `false`: never limited, not even by `'*'`. */
  private readonly unlimited = new Set<string>();
  /** Keeps each connection's commands in order across refusals. */
  private readonly holds: RefusalHold;

  constructor(
    limits: Readonly<Record<string, ActionLimitConfig | false>> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.holds = new RefusalHold(REFUSAL_HOLD_GRACE_MS, now);
    for (const [name, limit] of Object.entries(limits)) {
      if (limit === false) {
        this.unlimited.add(name);
        continue;
      }
      const { perSecond, burst } = validate(name, limit);
      if (name === '*') this.fallback = { perSecond, burst };
      else this.limiters.set(name, new RateLimiter(perSecond, burst, now));
    }
  }

  /** Whether any limit is configured. */
  get active(): boolean {
    return this.limiters.size > 0 || this.fallback !== undefined;
  }

  /**
   * Takes a token for `user` running `command`. Pass only names of existing commands:
   * with a `'*'` limit each name gets its own bucket. With `order` (the connection and the
   * command's id), a command after one refused on the same connection is refused too until
   * that one comes back, so refusals never let a later command overtake an earlier one
   * ({@link RefusalHold}).
   */
  take(user: string, command: string, order?: { sessionId: string; commandId: string }): RateDecision {
    if (this.unlimited.has(command)) return ALLOWED;
    let limiter = this.limiters.get(command);
    if (!limiter && this.fallback) {
      limiter = new RateLimiter(this.fallback.perSecond, this.fallback.burst!, this.now);
      this.limiters.set(command, limiter);
    }
    if (!limiter) return ALLOWED;
    if (!order) return limiter.take(user);
    // A command after one refused on the same connection waits behind it (see RefusalHold).
    // Nothing held (the usual case): no key to build on the way to the bucket.
    if (this.holds.size > 0) {
      const held = this.holds.check(`${order.sessionId}\0${command}`, order.commandId);
      if (!held.ok) return held;
    }
    const decision = limiter.take(user);
    if (!decision.ok) this.holds.refused(`${order.sessionId}\0${command}`, order.commandId, decision.retryAfterMs);
    return decision;
  }

  /** Forgets the holds of a closed connection. */
  forgetSession(sessionId: string): void {
    this.holds.prune(`${sessionId}\0`);
  }

  prune(): void {
    for (const limiter of this.limiters.values()) limiter.prune();
    this.holds.prune();
  }
}

function validate(name: string, limit: ActionLimitConfig): { perSecond: number; burst: number } {
  const perSecond = limit?.perSecond;
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond <= 0) {
    throw new TypeError(`rateLimits["${name}"].perSecond must be a positive number`);
  }
  const burst = limit.burst ?? Math.max(1, Math.ceil(perSecond));
  if (!Number.isInteger(burst) || burst < 1) throw new TypeError(`rateLimits["${name}"].burst must be a positive integer`);
  return { perSecond, burst };
}
