import type { NotificationInput, NotificationPreferences } from '@sinyal/protocol/schema';
import { NotificationPreferencesSchema } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { Feature } from '../../api/feature';
import type { SinyalServer } from '../../api/server';
import { notificationCommands } from './commands';
import { MemoryNotificationStore } from './memoryStore';
import { NotificationDelivery, type NotifyOutcome } from './notificationDelivery';
import { DEFAULT_NOTIFICATION_OPTIONS, DEFAULT_NOTIFICATION_RATE_LIMITS, type NotificationFeatureOptions } from './options';
import type { RateWindow } from './rateWindows';
import { notificationRoutes } from './routes';
import { SavedSearches } from './savedSearches';

export { DEFAULT_NOTIFICATION_OPTIONS, DEFAULT_NOTIFICATION_RATE_LIMITS, type NotificationFeatureOptions, type NotificationRateLimit } from './options';
export { MemoryNotificationStore } from './memoryStore';
export { RedisNotificationStore } from './redisNotificationStore';
export type { NotificationStore, DeliveryLane, HeldLane, InboxCursor } from './store';
export type { NotifyOutcome } from './notificationDelivery';
export type { RateWindow } from './rateWindows';
export { quietHoursEnd } from './quietHours';
export { matchesListing } from './savedSearches';
export { propertyAlertFor } from './propertyAlerts';

/**
 * The notification feature as mounted on the server, plus the functions the platform's
 * backend calls. They work once the server has started and throw a
 * `SinyalServerError` (`bad_request`) for invalid input.
 */
export interface NotificationFeature extends Feature {
  /** Notifies one user: delivered now (`instant`) or held (`batched`, `digest`). */
  notify(userId: string, input: NotificationInput): Promise<NotifyOutcome>;
  /** Notifies each user (e.g. a property's watchers); one failure does not stop the others. Resolves to the failures. */
  notifyMany(userIds: readonly string[], input: NotificationInput): Promise<Array<{ userId: string; error: unknown }>>;
  /** Announces a new listing: notifies every user with a matching saved search. */
  announceListing(listing: unknown): Promise<{ notified: string[] }>;
  /** Sets a user's preferences (as the `notification:set_preferences` command does). */
  setPreferences(userId: string, preferences: Partial<NotificationPreferences>): Promise<NotificationPreferences>;
  /** Releases every held notification that is due now, without waiting for the next tick. */
  flushDue(): Promise<void>;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`notificationFeature: ${name} must be a positive number`);
  return value;
}

/**
 * Notifications: categories, priorities (`instant` / `batched` / `digest`), per-user
 * rate limits and quiet hours (deferred, never dropped), unread count and read marks,
 * saved searches and new-listing alerts. Everything reaches the user through their
 * own feed `user:<id>` (durable: missed notifications are replayed after a reconnect).
 *
 * @example
 * ```ts
 * const notifications = notificationFeature({ batchWindowMs: 60_000 });
 * const server = await createServer({ auth, publishSecret, features: [notifications] });
 * await notifications.notify('u1', { category: 'message', type: 'agent_reply', title: 'Budi replied', body: 'Bisa survey besok jam 10', priority: 'instant' });
 * ```
 */
export function notificationFeature(options: NotificationFeatureOptions = {}): NotificationFeature {
  const defaults = DEFAULT_NOTIFICATION_OPTIONS;
  const store = options.store ?? new MemoryNotificationStore();
  const now = options.now ?? Date.now;
  const tickMs = positive('tickMs', options.tickMs ?? defaults.tickMs);
  const windows: RateWindow[] = [];
  if (options.rateLimit !== false) {
    const limit = { ...defaults.rateLimit, ...options.rateLimit };
    windows.push({ max: positive('rateLimit.maxPerHour', limit.maxPerHour), windowMs: positive('rateLimit.hourMs', limit.hourMs) });
    windows.push({ max: positive('rateLimit.maxPerDay', limit.maxPerDay), windowMs: positive('rateLimit.dayMs', limit.dayMs) });
  }
  const defaultPreferences = NotificationPreferencesSchema.parse(options.defaultPreferences ?? defaults.defaultPreferences);
  let server: SinyalServer | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const delivery = new NotificationDelivery({
    store,
    server: () => server,
    now,
    batchWindowMs: positive('batchWindowMs', options.batchWindowMs ?? defaults.batchWindowMs),
    digestIntervalMs: positive('digestIntervalMs', options.digestIntervalMs ?? defaults.digestIntervalMs),
    windows,
    defaultPreferences,
    maxInbox: positive('maxInbox', options.maxInbox ?? defaults.maxInbox),
    onError: options.onError ?? ((error, context) => console.error('[sinyal] notification feature:', context, error)),
  });
  const searches = new SavedSearches({
    store,
    delivery,
    now,
    maxPerUser: options.maxSavedSearchesPerUser ?? defaults.maxSavedSearchesPerUser,
    alertPriority: options.listingAlertPriority ?? defaults.listingAlertPriority,
    ...(options.formatPrice ? { formatPrice: options.formatPrice } : {}),
  });
  const commands = notificationCommands(delivery, store);

  return {
    name: 'notification',
    commands,
    rateLimits: DEFAULT_NOTIFICATION_RATE_LIMITS,
    routes: notificationRoutes(delivery, store, searches),
    start(running) {
      server = running;
      // tick() catches its own errors.
      timer = setInterval(() => void delivery.tick(), tickMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      server = undefined;
    },
    notify: (userId, input) => delivery.notify(userId, input),
    async notifyMany(userIds, input) {
      const failures: Array<{ userId: string; error: unknown }> = [];
      for (const userId of userIds) {
        try {
          await delivery.notify(userId, input);
        } catch (error) {
          failures.push({ userId, error });
        }
      }
      return failures;
    },
    announceListing: (listing) => searches.announceListing(listing),
    async setPreferences(userId, preferences) {
      const parsed = NotificationPreferencesSchema.partial().safeParse(preferences);
      if (!parsed.success) throw new SinyalServerError('bad_request', parsed.error.issues[0]?.message ?? 'invalid preferences');
      const next = NotificationPreferencesSchema.parse({ ...(await delivery.preferences(userId)), ...parsed.data });
      await store.setPreferences(userId, next);
      return next;
    },
    flushDue: () => delivery.tick(),
  };
}
