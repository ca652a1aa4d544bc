import type { PresenceContext } from './presenceContext';
import { socialProofWindows } from './socialProofWindows';

/**
 * Checks every `rolloverCheckMs` whether the day or week changed; when it did, every
 * property viewed on this node gets a `presence:social_proof` push, so "8 saved today"
 * drops to 0 at midnight without waiting for the next save. Returns the stop function.
 */
export function startRolloverWatch(ctx: PresenceContext): () => void {
  const windowsNow = () => {
    const { day, week } = socialProofWindows(ctx.now(), ctx.utcOffsetMinutes);
    return `${day}/${week}`;
  };
  let current = windowsNow();
  const timer = setInterval(() => {
    try {
      const next = windowsNow();
      if (next === current) return;
      current = next;
      for (const propertyId of ctx.localViewers.keys()) ctx.socialProof.mark(propertyId);
    } catch (err) {
      ctx.logger.error({ err }, 'presence: rollover check failed');
    }
  }, ctx.rolloverCheckMs);
  timer.unref();
  return () => clearInterval(timer);
}
