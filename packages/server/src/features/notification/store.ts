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
