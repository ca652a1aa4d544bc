import type { Notification, NotificationInput, NotificationPreferences, NotificationSchedule } from '@sinyal/protocol/schema';
import { NotificationPreferencesSchema } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { Feature } from '../../api/feature';
import type { SinyalServer } from '../../api/server';
import { notificationCommands } from './commands';
import { MemoryNotificationStore } from './memoryStore';
import { NotificationDelivery, type NotifyOutcome } from './notificationDelivery';
import { DEFAULT_NOTIFICATION_OPTIONS, DEFAULT_NOTIFICATION_RATE_LIMITS, type NotificationFeatureOptions } from './options';
import type { RateWindow } from './rateWindows';
import { MemoryPushStore } from './pushStore';
import { notificationRoutes } from './routes';
import { SavedSearches } from './savedSearches';
import { ScheduledNotifications } from './scheduledNotifications';
import type { DeliveryLane, ScheduledMatch, ScheduledNotification } from './store';
import { WebPushNotifications } from './webPush';

export { DEFAULT_NOTIFICATION_OPTIONS, DEFAULT_NOTIFICATION_RATE_LIMITS, type NotificationFeatureOptions, type NotificationRateLimit } from './options';
export { MemoryNotificationStore } from './memoryStore';
export { RedisNotificationStore } from './redisNotificationStore';
export { MemoryPushStore, type PushStore, type StoredPushSubscription, type AddPushSubscriptionResult } from './pushStore';
export { RedisPushStore, type RedisPushStoreOptions } from './redisPushStore';
export { pushPayload, type NotificationPushOptions, type PushPayload, type VapidKeys } from './webPush';
export type { NotificationStore, DeliveryLane, HeldLane, InboxCursor, ScheduledNotification, ScheduledMatch, ScheduleResult } from './store';
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
  /**
   * Notifies one user: delivered now (`instant`) or held (`batched`, `digest`). With
   * `schedule`, at server time `schedule.at` instead (`delivery: 'scheduled'`), through the
   * same rules then; `schedule.key` names it so that scheduling the key again replaces it
   * and {@link cancelScheduled} removes it (without a key, the notification's id is its key).
   * A time that is not in the future delivers at once. Throws `bad_request` for an invalid
   * `at` or `key` or a time beyond `maxScheduleAheadMs`, `conflict` for a new key beyond
   * `maxScheduledPerUser`.
   *
   * @example
   * ```ts
   * const viewingAt = Date.parse('2025-03-10T10:00:00+07:00');
   * const reminder = { category: 'appointment', type: 'viewing_reminder', title: 'Viewing tomorrow 10:00', body: 'Rumah Kemang' } as const;
   * await notifications.notify('u-1', reminder, { at: viewingAt - 86_400_000, key: 'viewing:123:h-1d' });
   * await notifications.notify('u-1', { ...reminder, title: 'Viewing at 10:00' }, { at: viewingAt - 3 * 3_600_000, key: 'viewing:123:h-3h' });
   * // The viewing moves: schedule the same keys again. It is cancelled: one call.
   * await notifications.cancelScheduled('u-1', { prefix: 'viewing:123:' });
   * ```
   */
  notify(userId: string, input: NotificationInput, schedule?: NotificationSchedule): Promise<NotifyOutcome>;
  /** Notifies each user (e.g. a property's watchers), scheduled alike when `schedule` is given; one failure does not stop the others. Resolves to the failures. */
  notifyMany(userIds: readonly string[], input: NotificationInput, schedule?: NotificationSchedule): Promise<Array<{ userId: string; error: unknown }>>;
  /**
   * Cancels a user's scheduled notifications: the one with `key`, or every one whose key
   * starts with `prefix` (`viewing:123:` — end a prefix with a separator, or `viewing:12`
   * also matches `viewing:123:…`). Resolves to the keys cancelled (none when already fired
   * or unknown). Throws `bad_request` unless exactly one of `key` and `prefix` is a valid key.
   */
  cancelScheduled(userId: string, match: ScheduledMatch): Promise<{ cancelled: string[] }>;
  /** A user's scheduled notifications that have not fired yet, soonest first. */
  scheduled(userId: string): Promise<ScheduledNotification[]>;
  /** Announces a new listing: notifies every user with a matching saved search. */
  announceListing(listing: unknown): Promise<{ notified: string[] }>;
  /** Sets a user's preferences (as the `notification:set_preferences` command does). */
  setPreferences(userId: string, preferences: Partial<NotificationPreferences>): Promise<NotificationPreferences>;
  /** Releases every held and scheduled notification that is due now, without waiting for the next tick. */
  flushDue(): Promise<void>;
  /** Web Push, when configured (`push` option): the VAPID public key, and a wait for the pushes under way. */
  readonly push?: {
    readonly publicKey: string;
    /** Resolves once every push queued so far has been sent or has failed. */
    idle(): Promise<void>;
  };
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
  let ticking: Promise<void> | undefined;
  const onError = options.onError ?? ((error: unknown, context: { userId?: string; stage: string }) => console.error('[sinyal] notification feature:', context, error));
  const push =
    options.push &&
    new WebPushNotifications(options.push, {
      store: options.push.store ?? new MemoryPushStore(),
      now,
      onError,
      preferences: async (userId) => (await store.getPreferences(userId)) ?? defaultPreferences,
    });
  const delivery = new NotificationDelivery({
    store,
    server: () => server,
    now,
    batchWindowMs: positive('batchWindowMs', options.batchWindowMs ?? defaults.batchWindowMs),
    digestIntervalMs: positive('digestIntervalMs', options.digestIntervalMs ?? defaults.digestIntervalMs),
    windows,
    defaultPreferences,
    maxInbox: positive('maxInbox', options.maxInbox ?? defaults.maxInbox),
    onError,
    ...(push ? { onDelivered: (userId: string, items: readonly Notification[], reason: 'new' | DeliveryLane) => push.delivered(userId, items, reason) } : {}),
  });
  const searches = new SavedSearches({
    store,
    delivery,
    now,
    maxPerUser: options.maxSavedSearchesPerUser ?? defaults.maxSavedSearchesPerUser,
    alertPriority: options.listingAlertPriority ?? defaults.listingAlertPriority,
    ...(options.formatPrice ? { formatPrice: options.formatPrice } : {}),
  });
  const scheduled = new ScheduledNotifications({
    store,
    delivery,
    now,
    maxPerUser: positive('maxScheduledPerUser', options.maxScheduledPerUser ?? defaults.maxScheduledPerUser),
    maxAheadMs: positive('maxScheduleAheadMs', options.maxScheduleAheadMs ?? defaults.maxScheduleAheadMs),
    onError,
  });
  const commands = notificationCommands(delivery, store);
  const notify = (userId: string, input: NotificationInput, schedule?: NotificationSchedule) =>
    schedule === undefined ? delivery.notify(userId, input) : scheduled.schedule(userId, input, schedule);
  /** Fires due scheduled notifications (into the delivery path), then releases due lanes. One at a time. */
  const tick = (): Promise<void> =>
    (ticking ??= (async () => {
      try {
        if (server) await scheduled.fireDue();
      } catch (error) {
        onError(error, { stage: 'scheduled' });
      }
      await delivery.tick(); // catches its own errors
    })().finally(() => {
      ticking = undefined;
    }));

  return {
    name: 'notification',
    commands,
    rateLimits: DEFAULT_NOTIFICATION_RATE_LIMITS,
    routes: notificationRoutes(delivery, store, searches, scheduled, push),
    ...(push
      ? {
          onConnect({ user, sessionId }) {
            push.store.connectSession(user.id, sessionId).catch((error: unknown) => onError(error, { userId: user.id, stage: 'push' }));
          },
          onDisconnect({ user, sessionId }) {
            push.store.disconnectSession(user.id, sessionId).catch((error: unknown) => onError(error, { userId: user.id, stage: 'push' }));
          },
          push: { publicKey: push.publicKey, idle: () => push.idle() },
        }
      : {}),
    start(running) {
      server = running;
      scheduled.register(running.metrics);
      push?.register(running.metrics);
      // tick() catches its own errors.
      timer = setInterval(() => void tick(), tickMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      // A tick under way finishes while the server can still deliver (what it took from the store is not lost).
      await ticking;
      // Pushes of the last deliveries go out (each bounded by push.timeoutMs).
      await push?.idle();
      push?.store.close?.();
      server = undefined;
    },
    notify,
    async notifyMany(userIds, input, schedule) {
      const failures: Array<{ userId: string; error: unknown }> = [];
      for (const userId of userIds) {
        try {
          await notify(userId, input, schedule);
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
    cancelScheduled: (userId, match) => scheduled.cancel(userId, match),
    scheduled: (userId) => scheduled.list(userId),
    async flushDue() {
      await ticking; // one that started before the caller's change of time…
      await tick(); // …then one that sees it
    },
  };
}
