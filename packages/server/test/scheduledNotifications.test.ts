// Scheduled notifications on the in-memory store (one node): the shared feature tests, and
// what one node's memory means for a restart.
import { describe, expect, it } from 'vitest';
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
