import type { Feature } from '../../api/feature';
import { DEFAULT_PRESENCE_RATE_LIMITS, type PresenceOptions } from './options';
import { startExpiryRecount } from './expiryRecount';
import { createPresenceContext } from './presenceContext';
import { STATUS_KIND, VIEWERS_KIND } from './roomNames';
import { startRolloverWatch } from './rolloverWatch';
import { setActivityCommand } from './setActivityCommand';
import { setAgentStatusCommand } from './setAgentStatusCommand';
import { socialProofRoutes } from './socialProofRoutes';
import { connectionTracker, statusRoomKind } from './userStatus';
import { viewersRoomKind } from './viewersRoomKind';

export { DEFAULT_PRESENCE_OPTIONS, DEFAULT_PRESENCE_RATE_LIMITS, isAgentByRoleClaim, type ActivityAuth, type PresenceOptions, type StatusVisibility } from './options';
export type { ActivityKind, PresenceStore, SessionIdleChange, UserPresenceRecord } from './store';
export { userPresenceOf } from './userPresence';
export { MemoryPresenceStore } from './memoryPresenceStore';
export { RedisPresenceStore, type RedisPresenceStoreOptions } from './redisPresenceStore';
export { socialProofWindows, type SocialProofWindows } from './socialProofWindows';
export { STATUS_KIND, VIEWERS_KIND, statusRoom, viewersRoom } from './roomNames';

/**
 * Presence & social proof: "N people are viewing this property" (unique users, live,
 * coalesced), wishlist-today / viewings-this-week counters, and user status
 * (`online | away | offline` with `lastSeen`) plus agent status (`online | busy | offline`,
 * estimated availability).
 *
 * Adds room kinds `viewers` (`viewers:<propertyId>`) and `status` (`status:<userId>`), the
 * commands `presence:set_agent_status` and `presence:set_activity`, and the routes `POST /api/properties/:id/wishlist`,
 * `POST /api/properties/:id/viewings`, `GET /api/properties/:id/presence`. A feature
 * instance belongs to one server: once stopped it pushes nothing more, and closes its store
 * (if the store has `close`). On several nodes, give each a `RedisPresenceStore` on the
 * same Redis: counts and statuses are shared, and a dead node's viewers expire.
 *
 * @example
 * ```ts
 * import { createServer } from '@sinyal/server';
 * import { presenceFeature } from '@sinyal/server';
 *
 * const server = await createServer({
 *   auth: { secret },
 *   publishSecret,
 *   features: [presenceFeature({ utcOffsetMinutes: 420 })], // days roll over at midnight WIB
 * });
 * ```
 */
export function presenceFeature(options: PresenceOptions = {}): Feature {
  const ctx = createPresenceContext(options);
  const connections = connectionTracker(ctx);
  let stopRolloverWatch: (() => void) | undefined;
  let recounting = false;
  return {
    name: 'presence',
    rooms: { [VIEWERS_KIND]: viewersRoomKind(ctx), [STATUS_KIND]: statusRoomKind(ctx) },
    commands: { 'presence:set_agent_status': setAgentStatusCommand(ctx), 'presence:set_activity': setActivityCommand(ctx) },
    rateLimits: DEFAULT_PRESENCE_RATE_LIMITS,
    routes: socialProofRoutes(ctx),
    onConnect: connections.onConnect,
    onDisconnect: connections.onDisconnect,
    start(server) {
      ctx.server = server;
      stopRolloverWatch ??= startRolloverWatch(ctx);
      if (!recounting) startExpiryRecount(ctx);
      recounting = true;
    },
    async stop() {
      stopRolloverWatch?.();
      ctx.viewerCounts.stop();
      ctx.socialProof.stop();
      ctx.statuses.stop();
      await ctx.store.close?.();
    },
  };
}
