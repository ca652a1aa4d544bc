import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/backoff';

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(max, initial·factor^attempt))', () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const ceiling = Math.min(DEFAULT_BACKOFF.maxDelayMs, DEFAULT_BACKOFF.initialDelayMs * 2 ** attempt);
      expect(backoffDelay(attempt, DEFAULT_BACKOFF, () => 0)).toBe(0);
      expect(backoffDelay(attempt, DEFAULT_BACKOFF, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('grows by the factor until the cap: 500, 1000, 2000 … 20000', () => {
    const ceilings = Array.from({ length: 8 }, (_, attempt) => backoffDelay(attempt, DEFAULT_BACKOFF, () => 1));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16000, 20000, 20000]);
  });

  it('spreads a crowd over the whole window (no storm)', () => {
    const attempt = 5; // ceiling 16 s
    const samples = Array.from({ length: 5000 }, () => backoffDelay(attempt, DEFAULT_BACKOFF));
    const buckets = new Array(8).fill(0);
    for (const s of samples) buckets[Math.floor((s / 16000) * 8)]++;
    // Uniform: each eighth of the window gets roughly 1/8 of the clients.
    for (const count of buckets) {
      expect(count).toBeGreaterThan(5000 / 8 * 0.75);
      expect(count).toBeLessThan(5000 / 8 * 1.25);
    }
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(7000);
    expect(mean).toBeLessThan(9000);
  });

  it('honours custom knobs', () => {
    const options = { ...DEFAULT_BACKOFF, initialDelayMs: 100, factor: 3, maxDelayMs: 1000 };
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, options, () => 1))).toEqual([100, 300, 900, 1000]);
  });
});
