// Sizes of the chaos suite. `npm test` (CI) runs the `ci` sizes, bounded so the whole
// suite stays within a few minutes on 2 cores; `CHAOS_SCALE=full npm run test:chaos`
// runs the sizes of the reliability issue (#7).
export const FULL = process.env.CHAOS_SCALE === 'full';

export const scale = {
  /** Generated protocol frames sent over one authenticated connection. */
  fuzzFrames: FULL ? 100_000 : 20_000,
  /** Connect/join/leave/disconnect cycles of the leak check (real client + raw clients). */
  leakCycles: FULL ? 10_000 : 2_000,
  /** Fragments of one message in the fragment flood (over ws's limit of 16,384 either way). */
  fragments: FULL ? 100_000 : 20_000,
  /** Random first frames sent on fresh connections (each one a new connection). */
  firstFrames: FULL ? 2_000 : 300,
};

/** Seed of the generated frames: fixed by default so a failure reproduces; `CHAOS_SEED` overrides. */
export const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : 0x5e1a1;

/** Print the figures: at full scale, or when asked with `CHAOS_REPORT=1`; a CI run stays quiet. */
export const REPORT = FULL || process.env.CHAOS_REPORT === '1';

/** A figure for the run's report (frames per second, pong delays, heap growth); see {@link REPORT}. */
export function report(label: string, values: Record<string, unknown>): void {
  if (REPORT) console.log(`[chaos] ${label}: ${JSON.stringify(values)}`);
}
