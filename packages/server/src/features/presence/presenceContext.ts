import type { PresenceStatus, SocialProof, ViewerCount } from '@sinyal/protocol/schema';
import type { AuthUser } from '../../auth/authenticator';
import { createJsonLogger, silentLogger, type Logger } from '../../ops/logger';
import type { SinyalServer } from '../../api/server';
import { Coalescer } from '../../rooms/coalescer';
import { KeyedQueue } from '../../store/keyedQueue';
import { MemoryPresenceStore } from './memoryPresenceStore';
import { DEFAULT_PRESENCE_OPTIONS, isAgentByRoleClaim, type ActivityAuth, type PresenceOptions, type StatusVisibility } from './options';
import { statusRoom, viewersRoom } from './roomNames';
import { socialProofWindows } from './socialProofWindows';
import type { PresenceStore, UserPresenceRecord } from './store';
import { userPresenceOf } from './userPresence';

/** Everything the parts of the presence feature share, built once per feature instance. */
export interface PresenceContext {
  readonly store: PresenceStore;
  readonly now: () => number;
  readonly utcOffsetMinutes: number;
  readonly activityAuth: ActivityAuth;
  /** Whether a property id may be counted (see `PresenceOptions.propertyExists`). */
  readonly propertyExists: ((propertyId: string) => boolean | Promise<boolean>) | undefined;
  readonly rolloverCheckMs: number;
  readonly maxAvailableInMs: number;
  readonly isAgent: (user: AuthUser) => boolean;
  /** Who may watch whose status (`PresenceOptions.statusVisibility`). */
  readonly statusVisibility: StatusVisibility;
  readonly logger: Logger;
  /** Store calls of one session run in order (keyed by session id). */
  readonly sessionQueue: KeyedQueue;
  /** Pushes `presence:viewers` per property. */
  readonly viewerCounts: Coalescer<ViewerCount>;
  /** Pushes `presence:social_proof` per property. */
  readonly socialProof: Coalescer<SocialProof>;
  /** Pushes `presence:status` per user. */
  readonly statuses: Coalescer<PresenceStatus>;
  /** Properties viewed by this node's sessions, with how many sessions: whom a rollover concerns. */
  readonly localViewers: Map<string, number>;
  /** Users whose status this node's sessions watch, with how many sessions: whom an expiry recount concerns. */
  readonly localStatusWatchers: Map<string, number>;
  /** The running server, known from `start` or the first hook. */
  server: SinyalServer | undefined;
}

/** A user's public status from the stored record. */
export function presenceStatusOf(userId: string, record: UserPresenceRecord): PresenceStatus {
  const presence = userPresenceOf(record);
  const online = presence !== 'offline';
  const agentStatus = record.agent ? (online ? record.agent.status : 'offline') : null;
  return {
    userId,
    online,
    presence,
    lastSeen: record.lastSeen,
    agentStatus,
    availableAt: agentStatus === 'busy' ? (record.agent?.availableAt ?? null) : null,
  };
}

/** The property's counters in the windows containing now. */
export async function readSocialProof(ctx: PresenceContext, propertyId: string): Promise<SocialProof> {
  const windows = socialProofWindows(ctx.now(), ctx.utcOffsetMinutes);
  const [wishlistToday, viewingsThisWeek] = await Promise.all([
    ctx.store.activityCount('wishlist', propertyId, windows.day),
    ctx.store.activityCount('viewing', propertyId, windows.week),
  ]);
  return { wishlistToday, viewingsThisWeek };
}

/**
 * Whether the store is shared by several nodes (its membership expires: `membershipTtlMs`).
 * Then a change's push is sent even when it equals what this node last sent, since another
 * node may have pushed a different value in between (see `Coalescer.mark`).
 */
export function sharedStore(ctx: PresenceContext): boolean {
  return ctx.store.membershipTtlMs !== undefined;
}

/** Adds `delta` to `key`'s count of local sessions, dropping it at 0. */
export function countLocal(counts: Map<string, number>, key: string, delta: 1 | -1): void {
  const sessions = (counts.get(key) ?? 0) + delta;
  if (sessions > 0) counts.set(key, sessions);
  else counts.delete(key);
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 0)) throw new TypeError(`presenceFeature: ${name} must be a non-negative integer`);
  return value;
}

/** Resolves the options and wires the coalesced publishers. */
export function createPresenceContext(options: PresenceOptions): PresenceContext {
  const coalesceMs = nonNegative('coalesceMs', options.coalesceMs ?? DEFAULT_PRESENCE_OPTIONS.coalesceMs);
  const utcOffsetMinutes = options.utcOffsetMinutes ?? DEFAULT_PRESENCE_OPTIONS.utcOffsetMinutes;
  if (!(Number.isInteger(utcOffsetMinutes) && Math.abs(utcOffsetMinutes) <= 14 * 60)) throw new TypeError('presenceFeature: utcOffsetMinutes must be a whole number of minutes within ±14 h');
  const activityAuth = options.activityAuth ?? DEFAULT_PRESENCE_OPTIONS.activityAuth;
  if (activityAuth !== 'user' && activityAuth !== 'publisher') throw new TypeError("presenceFeature: activityAuth must be 'user' or 'publisher'");
  const propertyExists = options.propertyExists;
  if (propertyExists !== undefined && typeof propertyExists !== 'function') throw new TypeError('presenceFeature: propertyExists must be a function');
  if (activityAuth === 'user' && !propertyExists) {
    throw new TypeError(
      "presenceFeature: activityAuth 'user' needs propertyExists (id) => boolean, so signed-in users can only count properties that exist; or use activityAuth 'publisher' (platformFeatures() wires it for you)",
    );
  }
  const statusVisibility = options.statusVisibility ?? DEFAULT_PRESENCE_OPTIONS.statusVisibility;
  if (typeof statusVisibility !== 'function' && !['everyone', 'agents', 'nobody'].includes(statusVisibility)) {
    throw new TypeError("presenceFeature: statusVisibility must be 'everyone', 'agents', 'nobody' or a function (viewer, targetUserId) => boolean");
  }
  const logger = options.logger === null ? silentLogger : (options.logger ?? createJsonLogger('warn'));
  const onError = (what: string) => (err: unknown, key: string | undefined) => logger.error({ err, key }, `presence: pushing ${what} failed`);
  /** Nobody on this node listens to the room: forget what was last sent to it. */
  const unwatched = (room: string) => !ctx.server || ctx.server.localMembers(room) === 0;
  const publish = (room: string, event: string, data: unknown) => ctx.server?.publish(room, event, data, { volatile: true });

  const ctx: PresenceContext = {
    store: options.store ?? new MemoryPresenceStore(),
    now: options.now ?? Date.now,
    utcOffsetMinutes,
    activityAuth,
    propertyExists,
    rolloverCheckMs: Math.max(10, nonNegative('rolloverCheckMs', options.rolloverCheckMs ?? DEFAULT_PRESENCE_OPTIONS.rolloverCheckMs)),
    maxAvailableInMs: nonNegative('maxAvailableInMs', options.maxAvailableInMs ?? DEFAULT_PRESENCE_OPTIONS.maxAvailableInMs),
    isAgent: options.isAgent ?? isAgentByRoleClaim,
    statusVisibility,
    logger,
    sessionQueue: new KeyedQueue(),
    viewerCounts: new Coalescer<ViewerCount>({
      intervalMs: coalesceMs,
      read: async (propertyId) => ({ count: await ctx.store.viewerCount(propertyId) }),
      send: (propertyId, value) => publish(viewersRoom(propertyId), 'presence:viewers', value),
      forget: (propertyId) => unwatched(viewersRoom(propertyId)),
      onError: onError('viewer count'),
    }),
    socialProof: new Coalescer<SocialProof>({
      intervalMs: coalesceMs,
      read: (propertyId) => readSocialProof(ctx, propertyId),
      send: (propertyId, value) => publish(viewersRoom(propertyId), 'presence:social_proof', value),
      forget: (propertyId) => unwatched(viewersRoom(propertyId)),
      onError: onError('social proof'),
    }),
    statuses: new Coalescer<PresenceStatus>({
      intervalMs: coalesceMs,
      read: async (userId) => presenceStatusOf(userId, await ctx.store.getUser(userId)),
      send: (userId, value) => publish(statusRoom(userId), 'presence:status', value),
      forget: (userId) => unwatched(statusRoom(userId)),
      onError: onError('status'),
    }),
    localViewers: new Map(),
    localStatusWatchers: new Map(),
    server: undefined,
  };
  return ctx;
}
