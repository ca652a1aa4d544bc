/** At most `max` non-instant deliveries per fixed window of `windowMs` (aligned to the epoch). */
export interface RateWindow {
  max: number;
  windowMs: number;
}

/** Index of the window `now` falls in; a store counts deliveries per (user, windowMs, index). */
export function windowIndex(window: RateWindow, now: number): number {
  return Math.floor(now / window.windowMs);
}

/**
 * When notifications held back by the rate limit are looked at again: the start of the
 * soonest next window. If a longer window is still full then, they wait for the next one.
 */
export function nextWindowStart(windows: readonly RateWindow[], now: number): number {
  return Math.min(...windows.map((window) => (windowIndex(window, now) + 1) * window.windowMs));
}
