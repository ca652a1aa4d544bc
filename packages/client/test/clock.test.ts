import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerClock } from '../src/clock';

describe('ServerClock', () => {
  afterEach(() => vi.useRealTimers());

  it('uses the welcome time until a pong is measured, then the lowest-RTT sample', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const clock = new ServerClock();
    clock.seed(1_005_000); // server 5 s ahead, latency unknown
    expect(clock.now()).toBe(1_005_000);

    // Ping sent at 1_000_000, server stamped 1_005_050, received at 1_000_100 → rtt 100, offset 5000.
    clock.sample(1_000_000, 1_005_050, 1_000_100);
    expect(clock.rttMs).toBe(100);
    expect(clock.offsetMs).toBe(5000);

    // A congested sample (rtt 900) with a skewed stamp does not displace the better one.
    clock.sample(1_000_200, 1_005_900, 1_001_100);
    expect(clock.offsetMs).toBe(5000);
    // A faster sample wins.
    clock.sample(1_002_000, 1_007_010, 1_002_020);
    expect(clock.rttMs).toBe(20);
    expect(clock.offsetMs).toBe(5000);
    // seed() no longer overrides measured samples.
    clock.seed(0);
    expect(clock.offsetMs).toBe(5000);
  });
});
