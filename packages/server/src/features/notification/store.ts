import type { Notification, NotificationPreferences, SavedSearch } from '@sinyal/protocol/schema';
import type { RateWindow } from './rateWindows';

/** Where a held notification waits: its batching window, the digest, or a deferral (quiet hours, rate limit). */
export type DeliveryLane = 'batched' | 'digest' | 'deferred';

/** Notifications of one user waiting in one lane until `dueAt`. */
export interface HeldLane {
  userId: string;
  lane: DeliveryLane;
  dueAt: number;
  items: Notification[];
}

/**
 * A notification waiting for its time: `notify(userId, input, { at, key })`. It is made
 * (id, `createdAt`) when scheduled and goes through the normal delivery path at `at`.
 * `key` names it among the user's scheduled notifications (`viewing:123:h-1d`).
 */
export interface ScheduledNotification {
  userId: string;
  key: string;
  /** Server time (ms) it is due. */
  at: number;
  notification: Notification;
}

/**
 * What {@link NotificationStore.schedule} did: stored a new key, replaced what the key held,
 * left a taken key alone (`onlyIfAbsent`), or refused a new key (the user has `maxPerUser`).
 */
export type ScheduleResult = 'added' | 'replaced' | 'kept' | 'full';

/** Which of a user's scheduled notifications to cancel: one `key`, or every key starting with `prefix`. */
export type ScheduledMatch = { key: string } | { prefix: string };

/** Position in a user's inbox (newest first): items strictly older than it. */
export interface InboxCursor {
  createdAt: number;
  id: string;
}

/**
 * Where the notification feature keeps its state. Async so a networked store (Redis)
 * can implement it; every method is one atomic step, so several server nodes may share
 * a store:
 * - the inbox (delivered notifications) is a sorted set per user;
 * - held notifications are lanes per (user, lane) indexed by due time, and
 *   {@link takeDue} removes what it returns, so two nodes ticking at once never
 *   deliver a lane twice;
 * - scheduled notifications are indexed by due time and by (user, key);
 *   {@link takeDueScheduled} removes what it returns, so each fires once;
 * - {@link consumeQuota} checks and counts in one step (INCRBY + EXPIRE in Lua), so
 *   concurrent deliveries cannot overshoot a limit.
 */
export interface NotificationStore {
  /** Adds delivered notifications to the user's inbox, keeping the newest `maxInbox`. */
  saveDelivered(userId: string, items: readonly Notification[], maxInbox: number): Promise<void>;
  /** Inbox page, newest first (`createdAt` then `id` descending), starting after `before`. */
  list(userId: string, page: { limit: number; before?: InboxCursor }): Promise<{ items: Notification[]; hasMore: boolean }>;
  unreadCount(userId: string): Promise<number>;
  /** Sets `readAt` on those of `ids` that are in the inbox and unread; resolves to them. */
  markRead(userId: string, ids: readonly string[], readAt: number): Promise<string[]>;
  /** Sets `readAt` on every unread notification; resolves to how many changed. */
  markAllRead(userId: string, readAt: number): Promise<number>;

  /**
   * Holds notifications in the user's lane. If the lane already holds some, they join
   * it and the lane keeps the earlier of its due time and `dueAt` (so a batch window
   * runs from its first notification). Resolves to the lane's due time.
   */
  hold(userId: string, lane: DeliveryLane, items: readonly Notification[], dueAt: number): Promise<number>;
  /** Removes and returns every lane due at `now` (`dueAt <= now`), items oldest first. */
  takeDue(now: number): Promise<HeldLane[]>;

  /**
   * Stores a scheduled notification under (userId, key), replacing what the key held (a
   * reschedule: the old one will not fire). A new key is refused (`'full'`) when the user
   * already has `maxPerUser`. With `onlyIfAbsent`, a taken key is left as it is (`'kept'`).
   */
  schedule(entry: ScheduledNotification, options: { maxPerUser: number; onlyIfAbsent?: boolean }): Promise<ScheduleResult>;
  /** Removes the user's scheduled notifications that `match`; resolves to their keys, sorted. */
  cancelScheduled(userId: string, match: ScheduledMatch): Promise<string[]>;
  /** The user's scheduled notifications, soonest first (then by key). */
  scheduledFor(userId: string): Promise<ScheduledNotification[]>;
  /**
   * Removes and returns up to `limit` scheduled notifications due at `now` (`at <= now`),
   * soonest first. One atomic step: two nodes taking at once never both get one.
   */
  takeDueScheduled(now: number, limit: number): Promise<ScheduledNotification[]>;
  /** How many scheduled notifications are waiting, all users together (for /metrics). */
  scheduledCount(): Promise<number>;

  /**
   * Grants up to `wanted` deliveries so that no window exceeds its `max` (all `wanted`
   * with `force`, for instant notifications, which count but are never held back) and
   * counts the granted ones. Resolves to the number granted.
   */
  consumeQuota(userId: string, wanted: number, windows: readonly RateWindow[], now: number, force: boolean): Promise<number>;

  getPreferences(userId: string): Promise<NotificationPreferences | undefined>;
  setPreferences(userId: string, preferences: NotificationPreferences): Promise<void>;

  /** Saves a search unless the user already has `maxPerUser`; resolves to whether it was saved. */
  addSavedSearch(userId: string, search: SavedSearch, maxPerUser: number): Promise<boolean>;
  /** Resolves to whether it existed. */
  removeSavedSearch(userId: string, searchId: string): Promise<boolean>;
  savedSearches(userId: string): Promise<SavedSearch[]>;
  /**
   * Saved searches that may match a listing in `city` (case-insensitive): those for that
   * city and those without a city. The caller checks the other criteria. (An index by
   * city keeps this from scanning every search.)
   */
  savedSearchCandidates(city: string): Promise<Array<{ userId: string; search: SavedSearch }>>;
}
