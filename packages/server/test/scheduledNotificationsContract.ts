// Scheduled notifications through the feature (notify with { at, key }, cancel, the tick),
// on a clock moved by hand: the interval tick is an hour apart, `flushDue()` is the tick.
// Run on each store: scheduledNotifications.test.ts (memory) and notificationStores.test.ts (Redis).
import { expect, it, type describe } from 'vitest';
import type { NotificationInput } from '@sinyal/protocol/schema';
import { notificationFeature, type NotificationFeatureOptions } from '../src/features/notification';
import type { NotificationStore } from '../src/features/notification/store';
import type { SinyalServer } from '../src';
import { RawClient, waitFor } from './helpers';

/** Monday 6 January 2025, 12:00 UTC (19:00 in UTC+7). */
export const T0 = Date.UTC(2025, 0, 6, 12, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const reminder = (title: string, priority: NotificationInput['priority'] = 'instant'): NotificationInput => ({
  category: 'appointment',
  type: 'viewing_reminder',
  title,
  body: 'Rumah Kemang',
  priority,
  data: { viewingId: '123' },
});

/** What a client joined to `user:<id>` receives of the notification events, in order. */
export async function feedOf(server: SinyalServer, user: string) {
  const client = await RawClient.ready(server, user);
  client.send({ t: 'join', id: 'j', room: `user:${user}` });
  await client.next('joined');
  const notifications = () =>
    client.log.flatMap((frame) => {
      const event = frame as { t: string; name?: string; data?: { title?: string; items?: Array<{ title: string }>; reason?: string } };
      if (event.t !== 'event') return [];
      if (event.name === 'notification:new') return [`new ${event.data!.title}`];
      if (event.name === 'notification:batch') return [`${event.data!.reason} ${event.data!.items!.map((n) => n.title).join(',')}`];
      return [];
    });
  return { client, notifications };
}

/**
 * Registers the tests; `start(options)` starts a server with one notification feature on a
 * fresh store of the kind under test (closed after the test) and returns both.
 */
export function scheduledNotificationsContract(
  describeFn: typeof describe,
  name: string,
  start: (options: NotificationFeatureOptions) => Promise<{ server: SinyalServer; notifications: ReturnType<typeof notificationFeature>; store: NotificationStore }>,
): void {
  describeFn(`${name}: scheduled notifications`, () => {
    async function setup(options: NotificationFeatureOptions = {}) {
      let time = T0;
      const clock = { now: () => time, set: (to: number) => void (time = to) };
      const started = await start({ now: clock.now, tickMs: HOUR, batchWindowMs: 60_000, onError: () => {}, ...options });
      const ana = await feedOf(started.server, 'ana');
      /** Moves the clock and runs the tick. */
      const at = async (to: number) => {
        clock.set(to);
        await started.notifications.flushDue();
      };
      const inbox = async (user = 'ana') => (await started.store.list(user, { limit: 100 })).items.map((n) => n.title);
      return { ...started, clock, ana, at, inbox };
    }

    it('fires once, at its time and not before, through the feed and into the inbox', async () => {
      const { notifications, ana, at, inbox } = await setup();
      const outcome = await notifications.notify('ana', reminder('Viewing in 1 hour'), { at: T0 + HOUR, key: 'viewing:123:h-1h' });
      expect(outcome).toMatchObject({ delivery: 'scheduled', dueAt: T0 + HOUR, key: 'viewing:123:h-1h', notification: { title: 'Viewing in 1 hour', createdAt: T0 + HOUR } });
      expect((await notifications.scheduled('ana')).map((entry) => [entry.key, entry.at])).toEqual([['viewing:123:h-1h', T0 + HOUR]]);
      await at(T0 + HOUR - 1);
      expect(await inbox()).toEqual([]);
      await at(T0 + HOUR);
      expect(await inbox()).toEqual(['Viewing in 1 hour']);
      // As returned when scheduled: same id, created at its time.
      expect((await ana.client.next('event', (e) => e.name === 'notification:new')).data).toEqual(outcome.notification);
      expect((await ana.client.next('event', (e) => e.name === 'notification:unread')).data).toEqual({ count: 1 });
      await at(T0 + HOUR + 1);
      await at(T0 + 2 * DAY);
      expect(await inbox()).toEqual(['Viewing in 1 hour']);
      expect(ana.notifications()).toEqual(['new Viewing in 1 hour']);
      expect(await notifications.scheduled('ana')).toEqual([]);
    });

    it('a rescheduled viewing moves its reminders: the old times do not fire, the new ones do', async () => {
      const { notifications, ana, at, inbox } = await setup();
      const viewing = T0 + 2 * DAY;
      await notifications.notify('ana', reminder('Viewing tomorrow'), { at: viewing - DAY, key: 'viewing:123:h-1d' });
      await notifications.notify('ana', reminder('Viewing in 3 hours'), { at: viewing - 3 * HOUR, key: 'viewing:123:h-3h' });
      const moved = viewing + 2 * DAY;
      const again = await notifications.notify('ana', reminder('Viewing tomorrow (moved)'), { at: moved - DAY, key: 'viewing:123:h-1d' });
      expect(again).toMatchObject({ delivery: 'scheduled', key: 'viewing:123:h-1d' });
      await notifications.notify('ana', reminder('Viewing in 3 hours (moved)'), { at: moved - 3 * HOUR, key: 'viewing:123:h-3h' });
      expect((await notifications.scheduled('ana')).map((entry) => entry.at)).toEqual([moved - DAY, moved - 3 * HOUR]);
      await at(viewing - DAY);
      await at(viewing - 3 * HOUR);
      await at(viewing);
      expect(await inbox()).toEqual([]);
      await at(moved - DAY);
      expect(await inbox()).toEqual(['Viewing tomorrow (moved)']);
      await at(moved);
      expect(await inbox()).toEqual(['Viewing in 3 hours (moved)', 'Viewing tomorrow (moved)']);
      await waitFor(() => ana.notifications().length >= 2);
      expect(ana.notifications()).toEqual(['new Viewing tomorrow (moved)', 'new Viewing in 3 hours (moved)']);
    });

    it('cancels by key and by prefix; what is cancelled never fires', async () => {
      const { notifications, at, inbox } = await setup();
      for (const [key, hours] of [['viewing:123:h-1d', 1], ['viewing:123:h-3h', 2], ['viewing:124:h-1d', 3], ['payment:9', 4]] as const) {
        await notifications.notify('ana', reminder(key), { at: T0 + hours * HOUR, key });
      }
      await notifications.notify('ben', reminder('ben viewing'), { at: T0 + HOUR, key: 'viewing:123:h-1d' });
      await expect(notifications.cancelScheduled('ana', { prefix: 'viewing:123:' })).resolves.toEqual({ cancelled: ['viewing:123:h-1d', 'viewing:123:h-3h'] });
      await expect(notifications.cancelScheduled('ana', { key: 'payment:9' })).resolves.toEqual({ cancelled: ['payment:9'] });
      await expect(notifications.cancelScheduled('ana', { key: 'payment:9' })).resolves.toEqual({ cancelled: [] });
      await at(T0 + DAY);
      expect(await inbox()).toEqual(['viewing:124:h-1d']);
      expect(await inbox('ben')).toEqual(['ben viewing']); // another user's key of the same name is untouched
      // Once fired, there is nothing left to cancel.
      await expect(notifications.cancelScheduled('ana', { key: 'viewing:124:h-1d' })).resolves.toEqual({ cancelled: [] });
    });

    it('quiet hours hold a scheduled non-instant notification until they end; an instant one goes out', async () => {
      const { notifications, ana, at, inbox } = await setup();
      await notifications.setPreferences('ana', { quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: 420 });
      const night = Date.UTC(2025, 0, 6, 16, 0); // 23:00 in UTC+7
      await notifications.notify('ana', reminder('Payment due tomorrow', 'batched'), { at: night, key: 'payment:9:h-1d' });
      await notifications.notify('ana', reminder('Viewing moved to 07:30'), { at: night + 60_000, key: 'viewing:123:moved' });
      await at(night); // into the batched lane, due a window later
      await at(night + 60_000); // the lane is due, but it is night: deferred to 07:00; the instant one goes out
      expect(await inbox()).toEqual(['Viewing moved to 07:30']);
      await at(Date.UTC(2025, 0, 6, 23, 59)); // 06:59
      expect(await inbox()).toEqual(['Viewing moved to 07:30']);
      await at(Date.UTC(2025, 0, 7, 0, 0)); // 07:00
      expect(await inbox()).toEqual(['Viewing moved to 07:30', 'Payment due tomorrow']);
      await waitFor(() => ana.notifications().length >= 2);
      expect(ana.notifications()).toEqual(['new Viewing moved to 07:30', 'deferred Payment due tomorrow']);
    });

    it('a time that is not in the future delivers at once and replaces what its key held', async () => {
      const { notifications, at, inbox } = await setup();
      await notifications.notify('ana', reminder('later'), { at: T0 + HOUR, key: 'deadline:1' });
      const now = await notifications.notify('ana', reminder('now'), { at: T0, key: 'deadline:1' });
      expect(now).toMatchObject({ delivery: 'delivered', notification: { createdAt: T0 } });
      const past = await notifications.notify('ana', reminder('past', 'batched'), { at: 0 });
      expect(past).toMatchObject({ delivery: 'held', dueAt: T0 + 60_000 });
      expect(await inbox()).toEqual(['now']);
      expect(await notifications.scheduled('ana')).toEqual([]);
      await at(T0 + DAY);
      expect((await inbox()).sort()).toEqual(['now', 'past']);
    });

    it('without a key, the notification id is its key; notifyMany schedules for each user', async () => {
      const { notifications, at, inbox } = await setup();
      const outcome = await notifications.notify('ana', reminder('no key'), { at: T0 + HOUR });
      expect(outcome.key).toBe(outcome.notification.id);
      await expect(notifications.notifyMany(['ana', 'ben', ''], reminder('open house'), { at: T0 + HOUR, key: 'open-house:7' })).resolves.toMatchObject([{ userId: '', error: { code: 'bad_request' } }]);
      expect((await notifications.scheduled('ben')).map((entry) => entry.key)).toEqual(['open-house:7']);
      await expect(notifications.cancelScheduled('ana', { key: outcome.key! })).resolves.toEqual({ cancelled: [outcome.key] });
      await at(T0 + HOUR);
      expect(await inbox()).toEqual(['open house']);
      expect(await inbox('ben')).toEqual(['open house']);
    });

    it('refuses bad schedules with typed errors, and bounds how far ahead and how many per user', async () => {
      const { notifications } = await setup({ maxScheduledPerUser: 2, maxScheduleAheadMs: 30 * DAY });
      const refuse = (schedule: unknown, code = 'bad_request') => expect(notifications.notify('ana', reminder('x'), schedule as never)).rejects.toMatchObject({ code });
      await refuse({ at: T0 + 0.5 });
      await refuse({ at: Number.NaN });
      await refuse({ at: Number.POSITIVE_INFINITY });
      await refuse({ at: -1 });
      await refuse({ at: String(T0 + HOUR) });
      await refuse({});
      await refuse({ at: T0 + HOUR, key: '' });
      await refuse({ at: T0 + HOUR, key: 'has space' });
      await refuse({ at: T0 + HOUR, key: 'x'.repeat(201) });
      await refuse({ at: T0 + HOUR, key: 'k', when: 'soon' });
      await refuse({ at: T0 + 30 * DAY + 1 });
      await expect(notifications.notify('ana', { ...reminder('x'), title: '' }, { at: T0 + HOUR })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(notifications.notify('', reminder('x'), { at: T0 + HOUR })).rejects.toMatchObject({ code: 'bad_request' });
      await notifications.notify('ana', reminder('a'), { at: T0 + 30 * DAY, key: 'a' });
      await notifications.notify('ana', reminder('b'), { at: T0 + HOUR, key: 'b' });
      await refuse({ at: T0 + HOUR, key: 'c' }, 'conflict');
      await expect(notifications.notify('ana', reminder('b again'), { at: T0 + 2 * HOUR, key: 'b' })).resolves.toMatchObject({ delivery: 'scheduled' });
      await expect(notifications.notify('ben', reminder('c'), { at: T0 + HOUR, key: 'c' })).resolves.toMatchObject({ delivery: 'scheduled' });
      await expect(notifications.cancelScheduled('ana', {} as never)).rejects.toMatchObject({ code: 'bad_request' });
      await expect(notifications.cancelScheduled('ana', { key: 'a', prefix: 'a' } as never)).rejects.toMatchObject({ code: 'bad_request' });
      await expect(notifications.cancelScheduled('ana', { prefix: '' })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(notifications.cancelScheduled('', { key: 'a' })).rejects.toMatchObject({ code: 'bad_request' });
      expect((await notifications.scheduled('ana')).map((entry) => entry.key)).toEqual(['b', 'a']);
    });

    it('shows the scheduled count and the per-user bound in /metrics', async () => {
      const { notifications, server, at } = await setup({ maxScheduledPerUser: 50 });
      await notifications.notify('ana', reminder('a'), { at: T0 + HOUR, key: 'a' });
      await notifications.notify('ben', reminder('b'), { at: T0 + 2 * HOUR, key: 'b' });
      const metric = async (name: string) => {
        const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
        return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      };
      expect(await metric('sinyal_notification_scheduled')).toBe(2);
      expect(await metric('sinyal_notification_scheduled_per_user_limit')).toBe(50);
      await at(T0 + HOUR);
      expect(await metric('sinyal_notification_scheduled')).toBe(1);
    });
  });
}
