import type { ChosenAgentStatus } from '@sinyal/protocol/schema';

/** The two social-proof activities counted per property. */
export type ActivityKind = 'wishlist' | 'viewing';

/** A user's presence as the store keeps it. */
export interface UserPresenceRecord {
  /** Connections of this user open right now, on every node. */
  sessions: number;
  /** How many of those connections said they are idle (`presence:set_activity`); at most `sessions`. */
  idleSessions: number;
  /** When the user came online (while online) or when their last connection closed; `null` if never seen. */
  lastSeen: number | null;
  /** Set once the user connected as an agent: the status they chose, kept across reconnects. */
  agent: { status: ChosenAgentStatus; availableAt: number | null } | null;
}

/** What {@link PresenceStore.setSessionIdle} did. */
export interface SessionIdleChange {
  /** Whether the session's flag changed: false when it already was so, or the session is not connected. */
  changed: boolean;
  /** The user's record after the call. */
  record: UserPresenceRecord;
}

/**
 * Where presence lives: who views which property, which users have connections open,
 * agents' chosen status, and the social-proof counters. Every method is async so a
 * networked store can implement it; the feature never assumes a call completes at once.
 *
 * Concurrency contract (what a Redis/Lua implementation must keep):
 * - Viewer and session membership are **sets keyed by session id**: adding the same
 *   session twice, or removing one that is not there, changes nothing. A session's idle
 *   flag belongs to the session: it goes when the session is removed or expires, and only
 *   a connected session can be flagged. Each method
 *   returns the count *after* its own change, computed atomically with it (one Lua
 *   script or MULTI), so concurrent calls from several nodes never lose an update.
 * - For one session, the feature issues add/remove in order (it queues them per
 *   session); calls for different sessions may run concurrently.
 * - `recordActivity` is an atomic "add actor to the window's set, bump the counter if new".
 * - Entries of a node that dies without cleaning up must expire: a networked store keeps
 *   membership with a TTL the owning node refreshes (e.g. a sorted set scored by expiry
 *   time), and windowed counters with a TTL of one window plus a margin. The in-memory
 *   store needs neither: it dies with its node.
 */
export interface PresenceStore {
  /** `sessionId` of `userId` views `propertyId`. Returns the number of unique users viewing it. */
  addViewer(propertyId: string, userId: string, sessionId: string): Promise<number>;
  /** That session stopped viewing. Returns the number of unique users still viewing. */
  removeViewer(propertyId: string, userId: string, sessionId: string): Promise<number>;
  /** Unique users viewing `propertyId`. */
  viewerCount(propertyId: string): Promise<number>;
  /** Whether any session of `userId` views `propertyId`. */
  isViewing(propertyId: string, userId: string): Promise<boolean>;

  /**
   * A connection of `userId` opened at `at`. With `asAgent`, the user gets an agent
   * record (status `online`) unless they already have one. Returns the user's record after the change.
   */
  connectSession(userId: string, sessionId: string, at: number, asAgent: boolean): Promise<UserPresenceRecord>;
  /**
   * A connection closed at `at` (its idle flag goes with it); when it was the last one,
   * `lastSeen` becomes `at`. Returns the record after the change.
   */
  disconnectSession(userId: string, sessionId: string, at: number): Promise<UserPresenceRecord>;
  /**
   * Flags a connected session idle (`true`) or active (`false`; every session starts active).
   * Setting the flag it already has, or flagging a session that is not connected, changes nothing.
   */
  setSessionIdle(userId: string, sessionId: string, idle: boolean): Promise<SessionIdleChange>;
  /** The user's record (`sessions: 0, idleSessions: 0, lastSeen: null, agent: null` for a stranger). */
  getUser(userId: string): Promise<UserPresenceRecord>;
  /** Stores an agent's chosen status. Returns the record after the change. */
  setAgentStatus(userId: string, status: ChosenAgentStatus, availableAt: number | null): Promise<UserPresenceRecord>;

  /**
   * Counts one activity of `propertyId` in `window`. Window keys end in a number that grows
   * with time (`d:<day>`, `w:<week>`); a store keeps only the newest window per kind and
   * property, may drop older ones, and never counts into a window older than one it holds.
   * With an `actor`, counts at most once per window. Returns whether this call counted.
   */
  recordActivity(kind: ActivityKind, propertyId: string, window: string, actor: string | undefined): Promise<boolean>;
  /** The count of `kind` for `propertyId` in `window` (0 for an unknown or expired window). */
  activityCount(kind: ActivityKind, propertyId: string, window: string): Promise<number>;

  /**
   * Optional, for a store whose membership expires: how long a dead node's viewers and
   * sessions outlive it. Nobody announces such an expiry, so the feature re-reads this often
   * the viewer counts and statuses its local members watch, and pushes those that changed.
   * Absent (the in-memory store): membership never expires, nothing is re-read.
   */
  readonly membershipTtlMs?: number;
  /**
   * Optional: stops the store's background work (e.g. refreshing this node's memberships,
   * which then expire). Called by the feature when its server stops; removals that arrive
   * afterwards (connections closing during the drain) must still work.
   */
  close?(): Promise<void>;
}
