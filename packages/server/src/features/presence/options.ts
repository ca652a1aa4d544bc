import type { AuthUser } from '../../auth/authenticator';
import type { Logger } from '../../ops/logger';
import type { ActionRateLimit } from '../../api/limits';
import type { PresenceStore } from './store';

/**
 * Who may watch another user's status (`status:<userId>`: online, `lastSeen`, agent status):
 * - `'agents'`: everyone signed in may watch an **agent** (a user the store knows as one:
 *   they connected with an agent token at least once); nobody may watch anyone else;
 * - a function `(viewer, targetUserId) => boolean | Promise<boolean>` ("contacts"): agents
 *   as above, and anyone else when the function says so (e.g. they share a conversation);
 * - `'everyone'`: every signed-in user may watch every user;
 * - `'nobody'`: nobody, agents included.
 * A user may always watch their own status. A refused join is `forbidden`.
 */
export type StatusVisibility = 'everyone' | 'agents' | 'nobody' | ((viewer: AuthUser, targetUserId: string) => boolean | Promise<boolean>);

/** Who may count wishlist saves and viewings through the REST endpoints. */
export type ActivityAuth = 'user' | 'publisher';

/** Options of {@link presenceFeature}. Every field has a default in {@link DEFAULT_PRESENCE_OPTIONS} or below. */
export interface PresenceOptions {
  /**
   * Where viewers, sessions, agent statuses and counters live. Pass a shared one
   * (`new RedisPresenceStore(redisStore)`) to count across several nodes. The feature
   * closes it (`store.close?.()`) when its server stops.
   * @default new MemoryPresenceStore()
   */
  store?: PresenceStore;
  /**
   * Viewer counts, social-proof counters and statuses are pushed at most once per this
   * many ms per room (trailing edge), and not at all when the value did not change.
   * @default 250
   */
  coalesceMs?: number;
  /**
   * Server clock (ms since epoch) for `lastSeen`, `availableAt` checks and the counting
   * windows. Inject a fake one in tests.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Offset of the platform's time zone from UTC in minutes: "today" and "this week" roll
   * over at that zone's midnight (weeks start on Monday). 420 for WIB (Jakarta).
   * @default 0
   */
  utcOffsetMinutes?: number;
  /**
   * `user`: a signed-in user counts their own wishlist save / viewing, once per day / week
   * (repeats are ignored). `publisher`: only the platform's backend may count (with the
   * server's `publishSecret`), optionally naming the `userId` to count once.
   * @default 'user'
   */
  activityAuth?: ActivityAuth;
  /**
   * Whether a property exists (your listings). The counting endpoints answer 404 for any
   * other id and count nothing, so a signed-in user cannot create counters for made-up ids
   * without bound. **Required with `activityAuth: 'user'`** (`presenceFeature` throws
   * without it); `platformFeatures()` wires it to the property feature's registered
   * properties. With `'publisher'` it is optional (the backend is trusted).
   * @default undefined
   */
  propertyExists?: (propertyId: string) => boolean | Promise<boolean>;
  /**
   * How often to check whether the day or week rolled over, so viewers see the counters
   * reset without waiting for the next activity.
   * @default 60000
   */
  rolloverCheckMs?: number;
  /**
   * Furthest in the future a busy agent's `availableAt` may lie.
   * @default 604800000 (7 days)
   */
  maxAvailableInMs?: number;
  /**
   * Who may watch another user's online state, `lastSeen` and agent status (see
   * {@link StatusVisibility}). The default shows agents — whose availability buyers need to
   * see — and hides everyone else's comings and goings, which are nobody's business but
   * their contacts': pass a function to show those to contacts.
   * @default 'agents'
   */
  statusVisibility?: StatusVisibility;
  /**
   * Decides whether a connection belongs to an agent (who gets an agent status and may set it).
   * @default (user) => user.claims?.role === 'agent'
   */
  isAgent?: (user: AuthUser) => boolean;
  /**
   * Where failures of the presence store are reported (the feature never throws them at
   * the server). `null` silences them.
   * @default createJsonLogger('warn')
   */
  logger?: Logger | null;
}

/**
 * Default per-action rate limits of the presence commands (per user, all connections
 * together; `ServerOptions.rateLimits` overrides them by name): every agent status change is
 * pushed to everyone watching the agent; activity follows the user's hands (a tab hidden and
 * shown again is two changes), so it gets a larger burst — the client's activity tracker
 * sends its latest state again after a `rate_limited`. Viewing is joining a room (bounded by
 * the per-user frame limit and `limits.maxRoomsPerSession`), not a command.
 */
export const DEFAULT_PRESENCE_RATE_LIMITS: Readonly<Record<string, ActionRateLimit>> = Object.freeze({
  'presence:set_agent_status': { perSecond: 1, burst: 5 },
  'presence:set_activity': { perSecond: 2, burst: 10 },
});

/** Default values of {@link PresenceOptions}. */
export const DEFAULT_PRESENCE_OPTIONS = Object.freeze({
  coalesceMs: 250,
  utcOffsetMinutes: 0,
  activityAuth: 'user' as ActivityAuth,
  statusVisibility: 'agents' as StatusVisibility,
  rolloverCheckMs: 60_000,
  maxAvailableInMs: 7 * 24 * 60 * 60 * 1000,
});

/** The default {@link PresenceOptions.isAgent}: the token's `role` claim is `agent`. */
export function isAgentByRoleClaim(user: AuthUser): boolean {
  return user.claims?.role === 'agent';
}
