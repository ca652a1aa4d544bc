import { Gauge, type Registry } from 'prom-client';
import { NotificationScheduleSchema, ScheduleKeySchema, type NotificationInput, type NotificationSchedule } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { NotificationDelivery, NotifyOutcome } from './notificationDelivery';
import type { NotificationStore, ScheduledMatch, ScheduledNotification } from './store';

/** What {@link ScheduledNotifications} needs. */
export interface ScheduledNotificationsDeps {
  store: NotificationStore;
  delivery: NotificationDelivery;
  now: () => number;
  maxPerUser: number;
  maxAheadMs: number;
  onError: (error: unknown, context: { userId?: string; stage: string }) => void;
}

/** At most this many scheduled notifications fire per tick (the rest on the next ones), so one tick's work is bounded. */
export const SCHEDULED_PER_TICK = 500;

/** How long a scheduled notification whose delivery failed (store or fan-out down) waits before the next attempt. */
const RETRY_AFTER_FAILURE_MS = 5_000;

const SCHEDULED_GAUGE = 'sinyal_notification_scheduled';
const LIMIT_GAUGE = 'sinyal_notification_scheduled_per_user_limit';

function badRequest(what: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): SinyalServerError {
  const issue = issues[0];
  return new SinyalServerError('bad_request', `${issue?.path.map(String).join('.') || what}: ${issue?.message ?? 'invalid'}`);
}

function requireUserId(userId: unknown): void {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 128) throw new SinyalServerError('bad_request', 'userId must be a string of 1-128 characters');
}

/** Checks a cancel request: exactly one of `key` and `prefix`, each a valid key (`bad_request` otherwise). */
function parseMatch(match: unknown): ScheduledMatch {
  const { key, prefix } = (match ?? {}) as { key?: unknown; prefix?: unknown };
  if ((key === undefined) === (prefix === undefined)) throw new SinyalServerError('bad_request', 'give either key or prefix');
  const parsed = ScheduleKeySchema.safeParse(key ?? prefix);
  if (!parsed.success) throw badRequest(key === undefined ? 'prefix' : 'key', parsed.error.issues.map((issue) => ({ ...issue, path: [key === undefined ? 'prefix' : 'key'] })));
  return key === undefined ? { prefix: parsed.data } : { key: parsed.data };
}

/**
 * Notifications delivered at a time of the platform's choosing: viewing reminders ("H-1
 * day", "H-3 hours"), payment deadlines. A scheduled notification is made (validated, given
 * its id, `createdAt` = `at`) when scheduled and kept in the store under (user, `key`); at
 * `at` the tick takes it (atomically: once across nodes) and sends it down the normal path —
 * an `instant` one to the feed at once, a `batched` / `digest` one into its lane, where quiet
 * hours and the rate limit apply as to any other.
 *
 * Scheduling a key again replaces it (a rescheduled viewing moves its reminders); cancelling
 * by key or by key prefix removes them. A time that is not in the future delivers at once
 * (and cancels what the key held).
 */
export class ScheduledNotifications {
  constructor(private readonly deps: ScheduledNotificationsDeps) {}

  /** Validates, then schedules (or, for a time not in the future, delivers at once). */
  async schedule(userId: string, input: NotificationInput, schedule: NotificationSchedule): Promise<NotifyOutcome> {
    const parsed = NotificationScheduleSchema.safeParse(schedule);
    if (!parsed.success) throw badRequest('schedule', parsed.error.issues);
    const { at, key } = parsed.data;
    const { delivery, store, maxAheadMs, maxPerUser } = this.deps;
    delivery.server(); // like notify: `unavailable` before the server starts
    const now = this.deps.now();
    if (at > now + maxAheadMs) throw new SinyalServerError('bad_request', `at: at most ${maxAheadMs} ms ahead (maxScheduleAheadMs)`);
    if (at <= now) {
      const notification = delivery.create(userId, input, now);
      if (key !== undefined) await store.cancelScheduled(userId, { key });
      return delivery.dispatch(userId, notification);
    }
    const notification = delivery.create(userId, input, at);
    const entry: ScheduledNotification = { userId, key: key ?? notification.id, at, notification };
    const result = await store.schedule(entry, { maxPerUser });
    if (result === 'full') throw new SinyalServerError('conflict', `at most ${maxPerUser} scheduled notifications per user (maxScheduledPerUser)`);
    return { notification, delivery: 'scheduled', dueAt: at, key: entry.key };
  }

  /** Cancels the user's scheduled notifications with `key`, or whose key starts with `prefix`; resolves to the keys cancelled. */
  async cancel(userId: string, match: unknown): Promise<{ cancelled: string[] }> {
    requireUserId(userId);
    return { cancelled: await this.deps.store.cancelScheduled(userId, parseMatch(match)) };
  }

  /** The user's scheduled notifications, soonest first. */
  list(userId: string): Promise<ScheduledNotification[]> {
    requireUserId(userId);
    return this.deps.store.scheduledFor(userId);
  }

  /** Takes what is due (at most {@link SCHEDULED_PER_TICK}) and sends each down the delivery path. Call from the tick. */
  async fireDue(): Promise<void> {
    const due = await this.deps.store.takeDueScheduled(this.deps.now(), SCHEDULED_PER_TICK);
    await Promise.all(due.map((entry) => this.#fire(entry)));
  }

  async #fire(entry: ScheduledNotification): Promise<void> {
    try {
      await this.deps.delivery.dispatch(entry.userId, entry.notification);
    } catch (error) {
      this.deps.onError(error, { userId: entry.userId, stage: 'scheduled' });
      // Taken from the store but not delivered: put it back for another attempt, unless the
      // key was scheduled anew meanwhile. (A retry that finds it already in the inbox does not
      // add it twice: the inbox keeps each id once.)
      const retry = { ...entry, at: this.deps.now() + RETRY_AFTER_FAILURE_MS };
      await this.deps.store
        .schedule(retry, { maxPerUser: Number.MAX_SAFE_INTEGER, onlyIfAbsent: true })
        .catch((err: unknown) => this.deps.onError(err, { userId: entry.userId, stage: 'scheduled' }));
    }
  }

  /**
   * Shows the queue and its bound in /metrics: `sinyal_notification_scheduled` (waiting, all
   * users; on Redis the shared total, the same on every node) and
   * `sinyal_notification_scheduled_per_user_limit` (`maxScheduledPerUser`). Once per registry.
   */
  register(registry: Registry): void {
    if (registry.getSingleMetric(SCHEDULED_GAUGE)) return;
    const { store, onError } = this.deps;
    new Gauge({
      name: SCHEDULED_GAUGE,
      help: 'Scheduled notifications waiting for their time (all users; on Redis, the shared total)',
      registers: [registry],
      async collect() {
        try {
          this.set(await store.scheduledCount());
        } catch (error) {
          onError(error, { stage: 'metrics' }); // the last value stays
        }
      },
    });
    new Gauge({ name: LIMIT_GAUGE, help: 'maxScheduledPerUser: most scheduled notifications one user may have waiting', registers: [registry] }).set(this.deps.maxPerUser);
  }
}
