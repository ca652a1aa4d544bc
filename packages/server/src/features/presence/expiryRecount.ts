import type { PresenceContext } from './presenceContext';
import { statusRoom, viewersRoom } from './roomNames';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * With a store whose membership expires (`PresenceStore.membershipTtlMs`, e.g. Redis):
 * every that many ms, marks the viewer count of each property and the status of each user
 * that this node's sessions watch. The coalescers re-read them and push those that differ
 * from what this node last sent — so when a dead node's viewers or sessions expire (which
 * nobody announces), watchers see the count drop and the user go offline. Returns the stop function.
 */
export function startExpiryRecount(ctx: PresenceContext): () => void {
  const intervalMs = ctx.store.membershipTtlMs;
  if (intervalMs === undefined || !(intervalMs > 0)) return () => {};
  const timer = setInterval(() => {
    const server = ctx.server;
    if (!server) return;
    try {
      for (const propertyId of ctx.localViewers.keys()) {
        if (server.localMembers(viewersRoom(propertyId)) > 0) ctx.viewerCounts.mark(propertyId);
      }
      for (const userId of ctx.localStatusWatchers.keys()) {
        if (server.localMembers(statusRoom(userId)) > 0) ctx.statuses.mark(userId);
      }
    } catch (err) {
      ctx.logger.error({ err }, 'presence: expiry recount failed');
    }
  }, Math.min(intervalMs, MAX_TIMER_MS));
  timer.unref();
  return () => clearInterval(timer);
}
