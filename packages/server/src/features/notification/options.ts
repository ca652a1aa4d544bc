import type { NotificationPreferences, NotificationPriority } from '@sinyal/protocol/schema';
import type { ActionRateLimit } from '../../api/limits';
import type { NotificationStore } from './store';
import type { NotificationPushOptions } from './webPush';

/** Per-user limits on non-instant notifications; over them, notifications wait for the next window. */
export interface NotificationRateLimit {
  /** @default 10 */
  maxPerHour?: number;
  /** @default 30 */
  maxPerDay?: number;
  /** Length of the "hour" window; shorten it in tests only. @default 3_600_000 */
  hourMs?: number;
  /** Length of the "day" window (UTC days); shorten it in tests only. @default 86_400_000 */
  dayMs?: number;
}

/** Options of {@link notificationFeature}. */
export interface NotificationFeatureOptions {
  /**
   * Where inboxes, held and scheduled notifications, quotas, preferences and saved searches live.
   * @default new MemoryNotificationStore()
   */
  store?: NotificationStore;
  /**
   * How long `batched` notifications are held, from the first one, before they are
   * delivered together as one `notification:batch`.
   * @default 60_000
   */
  batchWindowMs?: number;
  /**
   * How long `digest` notifications accumulate, from the first one, before delivery.
   * @default 3_600_000
   */
  digestIntervalMs?: number;
  /**
   * Per-user limits on non-instant deliveries (instant ones count but always go out);
   * `false` disables them.
   * @default { maxPerHour: 10, maxPerDay: 30 }
   */
  rateLimit?: NotificationRateLimit | false;
  /**
   * Preferences of users who never set theirs (`notification:set_preferences`).
   * @default { quietHours: null, utcOffsetMinutes: 0 }
   */
  defaultPreferences?: NotificationPreferences;
  /**
   * How often held and scheduled notifications are checked for delivery; the precision of
   * batch windows, digests, quiet hours, deferrals and scheduled times.
   * @default 1000
   */
  tickMs?: number;
  /**
   * Delivered notifications kept per user (older ones drop out of the list).
   * @default 500
   */
  maxInbox?: number;
  /** @default 20 */
  maxSavedSearchesPerUser?: number;
  /**
   * Scheduled notifications one user may have waiting; scheduling a new key beyond it is
   * refused with `conflict` (replacing a key the user has is always allowed).
   * @default 1000
   */
  maxScheduledPerUser?: number;
  /**
   * How far ahead a notification may be scheduled (`at` at most now + this); further is
   * refused with `bad_request`.
   * @default 31_622_400_000 (366 days)
   */
  maxScheduleAheadMs?: number;
  /**
   * Priority of the `new_listing` alerts sent for saved-search matches.
   * @default 'batched'
   */
  listingAlertPriority?: NotificationPriority;
  /**
   * How prices read in the texts the feature writes: new-listing alerts and (through
   * `platformFeatures()` or `propertyAlertFor(change, { formatPrice })`) price-change
   * alerts — so notifications show money as the app does, e.g. in your platform's locale:
   * `(amount, currency) => new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount)`.
   * @default undefined ("IDR 5,500,000,000": the currency code and en-US digit grouping)
   */
  formatPrice?: (amount: number, currency: string) => string;
  /**
   * Web Push: reach users who are away (no connection open) on the devices they enabled
   * push on. Delivered notifications go to the feed as always; when the user has no
   * connection open on any node they are also pushed, after the same priority, batching,
   * quiet hours and rate limits. See docs/notification.md, "Reaching users who are away".
   * @default undefined (no Web Push: the push routes answer `not_found`)
   */
  push?: NotificationPushOptions;
  /**
   * Server time, injectable for tests (quiet hours, windows and due times all use it).
   * @default Date.now
   */
  now?: () => number;
  /**
   * Receives errors of background delivery (the tick).
   * @default console.error
   */
  onError?: (error: unknown, context: { userId?: string; stage: string }) => void;
}

/** How {@link NotificationFeatureOptions.formatPrice} writes an amount (internal alias). */
export type PriceFormatter = NonNullable<NotificationFeatureOptions['formatPrice']>;

/**
 * Default per-action rate limits of the notification commands (per user;
 * `ServerOptions.rateLimits` overrides them): marking read writes the store and announces
 * the change to every device of the user; preferences are written to the store.
 */
export const DEFAULT_NOTIFICATION_RATE_LIMITS: Readonly<Record<string, ActionRateLimit>> = Object.freeze({
  'notification:mark_read': { perSecond: 5, burst: 20 },
  'notification:mark_all_read': { perSecond: 1, burst: 5 },
  'notification:set_preferences': { perSecond: 1, burst: 5 },
});

/** Defaults of {@link NotificationFeatureOptions}. */
export const DEFAULT_NOTIFICATION_OPTIONS = {
  batchWindowMs: 60_000,
  digestIntervalMs: 3_600_000,
  rateLimit: { maxPerHour: 10, maxPerDay: 30, hourMs: 3_600_000, dayMs: 86_400_000 },
  defaultPreferences: { quietHours: null, utcOffsetMinutes: 0 },
  tickMs: 1000,
  maxInbox: 500,
  maxSavedSearchesPerUser: 20,
  maxScheduledPerUser: 1000,
  maxScheduleAheadMs: 366 * 86_400_000,
  listingAlertPriority: 'batched',
} as const satisfies Omit<Required<NotificationFeatureOptions>, 'store' | 'now' | 'onError' | 'formatPrice' | 'push'>;
