// Waiting, shared by every layer: a pause, and a wait for a promise that gives up after a while.

/** Resolves after `ms` (on the global timers, so tests that fake them control it). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for `promise`, but at most `ms`: true if it fulfilled in time, false if the time ran
 * out first (a rejection in time is passed on). The timer is cleared as soon as either happens.
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms)))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
