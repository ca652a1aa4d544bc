// Scheduled notifications on the in-memory store (one node): the shared feature tests, and
// what one node's memory means for a restart.
import { describe, expect, it } from 'vitest';
import type { Notification } from '@sinyal/protocol/schema';
import { MemoryNotificationStore, notificationFeature, type NotificationFeatureOptions } from '../src/features/notification';
import { startServer } from './helpers';
import { reminder, scheduledNotificationsContract, T0 } from './scheduledNotificationsContract';

async function start(options: NotificationFeatureOptions, store = new MemoryNotificationStore()) {
  const notifications = notificationFeature({ ...options, store });
  const server = await startServer({ features: [notifications] });
  return { server, notifications, store };
}

scheduledNotificationsContract(describe, 'MemoryNotificationStore', (options) => start(options));

describe('scheduled notifications in memory across a restart', () => {
  it('a new store starts empty (memory is one node: a process restart loses them); the same store outlives a server restart', async () => {
    let time = T0;
    const options = { now: () => time, tickMs: 3_600_000, onError: () => {} };
    const store = new MemoryNotificationStore();
    const first = await start(options, store);
    await first.notifications.notify('ana', reminder('kept'), { at: T0 + 1000, key: 'k' });
    await first.server.close();

    const fresh = await start(options);
    expect(await fresh.notifications.scheduled('ana')).toEqual([]);

    const second = await start(options, store);
    time = T0 + 1000;
    await second.notifications.flushDue();
    expect((await store.list('ana', { limit: 10 })).items.map((n) => n.title)).toEqual(['kept']);
  });
});

/** A memory store whose next `saveDelivered` fails, after running `beforeFailing`. */
class FailingOnceStore extends MemoryNotificationStore {
  failNext = false;
  beforeFailing: () => Promise<unknown> = async () => {};
  override async saveDelivered(userId: string, items: readonly Notification[], maxInbox: number): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      await this.beforeFailing();
      throw new Error('store down');
    }
    return super.saveDelivered(userId, items, maxInbox);
  }
}

describe('a scheduled notification whose delivery fails', () => {
  it('is put back for another attempt 5 s later, with the same id, and then delivered once', async () => {
    let time = T0;
    const errors: Array<{ stage: string }> = [];
    const store = new FailingOnceStore();
    const { notifications } = await start({ now: () => time, tickMs: 3_600_000, onError: (_error, context) => errors.push(context) }, store);
    const outcome = await notifications.notify('ana', reminder('Viewing in 1 hour'), { at: T0 + 1000, key: 'viewing:1:h-1h' });
    store.failNext = true;
    time = T0 + 1000;
    await notifications.flushDue();
    expect(errors).toEqual([{ userId: 'ana', stage: 'scheduled' }]);
    expect(await store.list('ana', { limit: 10 })).toEqual({ items: [], hasMore: false });
    expect(await notifications.scheduled('ana')).toEqual([{ userId: 'ana', key: 'viewing:1:h-1h', at: T0 + 6000, notification: outcome.notification }]);
    time = T0 + 5999;
    await notifications.flushDue();
    expect((await store.list('ana', { limit: 10 })).items).toEqual([]);
    time = T0 + 6000;
    await notifications.flushDue();
    await notifications.flushDue();
    expect((await store.list('ana', { limit: 10 })).items).toEqual([outcome.notification]);
  });

  it('is not put back over a reschedule of its key made meanwhile', async () => {
    let time = T0;
    const store = new FailingOnceStore();
    const { notifications } = await start({ now: () => time, tickMs: 3_600_000, onError: () => {} }, store);
    await notifications.notify('ana', reminder('old'), { at: T0 + 1000, key: 'viewing:1:h-1h' });
    store.failNext = true;
    store.beforeFailing = () => notifications.notify('ana', reminder('rescheduled'), { at: T0 + 50_000, key: 'viewing:1:h-1h' });
    time = T0 + 1000;
    await notifications.flushDue();
    expect((await notifications.scheduled('ana')).map((entry) => [entry.notification.title, entry.at])).toEqual([['rescheduled', T0 + 50_000]]);
    time = T0 + 50_000;
    await notifications.flushDue();
    expect((await store.list('ana', { limit: 10 })).items.map((n) => n.title)).toEqual(['rescheduled']);
  });
});
