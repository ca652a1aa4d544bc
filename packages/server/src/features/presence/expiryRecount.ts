import type { PresenceContext } from './presenceContext';

/**
 * With a store whose membership expires (`PresenceStore.membershipTtlMs`, e.g. Redis):
 * every that many ms, the coalescers re-read the viewer count of each property and the status
 * of each user that this node's sessions watch, and push those that differ from what this node
 * last sent — so when a dead node's viewers or sessions expire (which nobody announces),
 * watchers see the count drop and the user go offline. The recount stops with the coalescers
 * (when the feature stops).
 */
export function startExpiryRecount(ctx: PresenceContext): void {
  const intervalMs = ctx.store.membershipTtlMs;
  if (intervalMs === undefined) return;
  ctx.viewerCounts.recountEvery(intervalMs, () => ctx.localViewers.keys());
  ctx.statuses.recountEvery(intervalMs, () => ctx.localStatusWatchers.keys());
}
