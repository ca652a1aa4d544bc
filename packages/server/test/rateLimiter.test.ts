import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/limits/rateLimiter';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 3, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')].every((d) => d.ok)).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 100 });
    expect(limiter.take('b').ok).toBe(true);
    now = 50;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterMs: 50 });
    now = 100;
    expect(limiter.take('a').ok).toBe(true);
    now = 10_000;
    limiter.prune();
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')].map((d) => d.ok)).toEqual([true, true, true, false]);
  });
});
