// RedisNotificationStore on a real Redis: the NotificationStore contract, then what only a
// shared store has to do — two nodes ticking at once deliver each held lane once, concurrent
// quota checks never overshoot, scheduled notifications fire once across nodes and survive a
// restart — and an unreachable Redis.
import { expect, it } from 'vitest';
import { notificationFeature, type NotificationFeatureOptions } from '../src/features/notification';
import { RedisNotificationStore } from '../src/features/notification/redisNotificationStore';
import type { HeldLane, ScheduledNotification } from '../src/features/notification/store';
import { createServer, SinyalServerError } from '../src';
import { RawClient, SECRET, sleep } from './helpers';
import { REDIS_URL, redisTestScope } from '../../../test-utils/redis';
import { item, notificationStoreContract, scheduledEntry } from './notificationStoreContract';
import { feedOf, reminder, scheduledNotificationsContract, T0 } from './scheduledNotificationsContract';

const redisTest = await redisTestScope();
const { freshPrefix, closeAfter } = redisTest;

/** One node's store on its own RedisStore connection, closed after the test. */
function node(keyPrefix: string, url = REDIS_URL): RedisNotificationStore {
  return new RedisNotificationStore(redisTest.node({ prefix: keyPrefix, url }));
}

const batchesOf = (client: RawClient) => client.pending().filter((f) => (f as { t: string; name?: string }).t === 'event' && (f as { name: string }).name === 'notification:batch');

notificationStoreContract(redisTest.describe, 'RedisNotificationStore', () => node(freshPrefix()));

/** A server (one node) with a notification feature on a RedisNotificationStore under `keys`, closed after the test. */
async function featureNode(keys: string, options: NotificationFeatureOptions) {
  const redisStore = redisTest.node({ prefix: keys });
  const store = new RedisNotificationStore(redisStore);
  const notifications = notificationFeature({ ...options, store });
  const server = closeAfter(await createServer({ auth: { secret: SECRET }, logger: null, store: redisStore, features: [notifications] }));
  return { server, notifications, store };
}

scheduledNotificationsContract(redisTest.describe, 'RedisNotificationStore', (options) => featureNode(freshPrefix(), options));

redisTest.describe('RedisNotificationStore across nodes', () => {
  it('two nodes taking due lanes at once deliver every lane exactly once, even while lanes are being held', async () => {
    const keys = freshPrefix();
    const [a, b] = [node(keys), node(keys)];
    const lanes = ['batched', 'digest', 'deferred'] as const;
    const expected = new Set<string>();
    const hold = async (n: number) => {
      const user = `user-${n % 17}`;
      const lane = lanes[n % 3]!;
      expected.add(`n${n}`);
      await (n % 2 ? a : b).hold(user, lane, [item(`n${n}`, n)], 1000 + (n % 5));
    };
    for (let n = 0; n < 60; n++) await hold(n);
    const taken: HeldLane[] = [];
    const take = async (store: RedisNotificationStore) => {
      for (let round = 0; round < 10; round++) taken.push(...(await store.takeDue(2000)));
    };
    // Both nodes tick repeatedly while more lanes are held.
    const holdMore = async () => {
      for (let n = 60; n < 120; n++) await hold(n);
    };
    await Promise.all([take(a), take(b), take(a), take(b), holdMore()]);
    taken.push(...(await a.takeDue(2000)), ...(await b.takeDue(2000)));
    const delivered = taken.flatMap((lane) => lane.items.map((i) => i.id));
    expect(delivered.length).toBe(expected.size);
    expect(new Set(delivered)).toEqual(expected);
    // Every item came out in the lane it was held in.
    for (const lane of taken) for (const i of lane.items) expect(lanes[Number(i.id.slice(1)) % 3]).toBe(lane.lane);
    expect(await a.takeDue(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('two nodes taking due scheduled notifications at once get each exactly once, while more are scheduled and replaced', async () => {
    const keys = freshPrefix();
    const [a, b] = [node(keys), node(keys)];
    const limit = { maxPerUser: 1000 };
    const schedule = (n: number) => (n % 2 ? a : b).schedule(scheduledEntry(`user-${n % 7}`, `k:${n}`, 1000 + (n % 13)), limit);
    for (let n = 0; n < 100; n++) await schedule(n);
    const taken: ScheduledNotification[] = [];
    const take = async (store: RedisNotificationStore) => {
      for (let round = 0; round < 8; round++) taken.push(...(await store.takeDueScheduled(2000, 7)));
    };
    const scheduleMore = async () => {
      for (let n = 100; n < 160; n++) await schedule(n);
    };
    await Promise.all([take(a), take(b), take(a), take(b), scheduleMore()]);
    taken.push(...(await a.takeDueScheduled(2000, 1000)), ...(await b.takeDueScheduled(2000, 1000)));
    const fired = taken.map((entry) => `${entry.userId}/${entry.key}`);
    expect(fired.length).toBe(160);
    expect(new Set(fired).size).toBe(160);
    expect(await a.scheduledCount()).toBe(0);
  });

  it('concurrent consumeQuota on two nodes never grants more than the limit', async () => {
    const keys = freshPrefix();
    const [a, b] = [node(keys), node(keys)];
    const windows = [
      { max: 10, windowMs: 3_600_000 },
      { max: 25, windowMs: 86_400_000 },
    ];
    const now = Date.now();
    const grants = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).consumeQuota('u', 1 + (i % 3), windows, now, false)));
    expect(grants.reduce((sum, g) => sum + g, 0)).toBe(10);
    // Forced deliveries count too: in the next hour (same day) only 10 of the day's 25 are left.
    await Promise.all(Array.from({ length: 5 }, () => a.consumeQuota('u', 1, windows, now, true)));
    const nextHour = (Math.floor(now / 3_600_000) + 1) * 3_600_000;
    const sameDay = Math.floor(nextHour / 86_400_000) === Math.floor(now / 86_400_000);
    const later = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).consumeQuota('u', 1, windows, nextHour, false)));
    expect(later.reduce((sum, g) => sum + g, 0)).toBe(10);
    if (sameDay) expect(await a.consumeQuota('u', 1, [windows[1]!], nextHour, false)).toBe(0); // day: 10 + 5 + 10 = 25
  });

  it('an inbox written on one node reads the same on another', async () => {
    const keys = freshPrefix();
    const [a, b] = [node(keys), node(keys)];
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).saveDelivered('u', [item(`n${String(i).padStart(2, '0')}`, 1000 + i)], 15)));
    const page = await b.list('u', { limit: 50 });
    expect(page.items.map((n) => n.id)).toEqual(Array.from({ length: 15 }, (_, i) => `n${String(19 - i).padStart(2, '0')}`));
    expect(await a.unreadCount('u')).toBe(15);
    const [marked, all] = await Promise.all([a.markRead('u', ['n19', 'n18'], 5000), b.markAllRead('u', 5001)]);
    expect(marked.length + all).toBe(15); // each notification was marked read once
    expect(await a.unreadCount('u')).toBe(0);
  });

  it('rejects with unavailable when Redis is unreachable', async () => {
    const down = node(freshPrefix(), 'redis://127.0.0.1:1');
    const error = await down.takeDue(Date.now()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SinyalServerError);
    expect(error).toMatchObject({ code: 'unavailable' });
    await expect(down.hold('u', 'batched', [item('a', 1)], 10)).rejects.toMatchObject({ code: 'unavailable' });
    await expect(down.consumeQuota('u', 1, [{ max: 1, windowMs: 1000 }], 0, false)).rejects.toMatchObject({ code: 'unavailable' });
    await expect(down.getPreferences('u')).rejects.toMatchObject({ code: 'unavailable' });
  });
});

redisTest.describe('notification feature on Redis stores', () => {
  async function server(keys: string) {
    const redisStore = redisTest.node({ prefix: keys });
    const store = new RedisNotificationStore(redisStore);
    const notifications = notificationFeature({ store, tickMs: 10, batchWindowMs: 100, rateLimit: { maxPerHour: 3 }, onError: () => {} });
    const started = closeAfter(await createServer({ auth: { secret: SECRET }, logger: null, store: redisStore, features: [notifications] }));
    return { server: started, notifications, store };
  }

  it('two nodes ticking on one Redis deliver a batch once, within the shared rate limit', async () => {
    const keys = freshPrefix();
    const a = await server(keys);
    const b = await server(keys);
    const bob = closeAfter(await RawClient.ready(b.server, 'bob'));
    bob.send({ t: 'join', id: 'j', room: 'user:bob' });
    await bob.next('joined');
    // Held through node a and node b alike: one lane in Redis, released by whichever node ticks first.
    for (let i = 0; i < 5; i++) {
      await (i % 2 ? a : b).notifications.notify('bob', { category: 'message', type: 'reply', title: `m${i}`, body: '', priority: 'batched' });
    }
    const batch = (await bob.next('event', (e) => e.name === 'notification:batch', 10_000)) as { data: { items: Array<{ title: string }>; reason: string } };
    // The hour allows 3 (counted in Redis, whichever node releases): the other 2 are deferred to the next hour.
    expect(batch.data).toMatchObject({ reason: 'batched' });
    expect(batch.data.items.map((n) => n.title)).toEqual(['m0', 'm1', 'm2']);
    await sleep(300); // both nodes tick many times meanwhile
    expect(batchesOf(bob)).toEqual([]); // no second copy
    // (Sorted: ids made on two nodes in the same millisecond tie-break either way in the inbox.)
    expect((await a.store.list('bob', { limit: 10 })).items.map((n) => n.title).sort()).toEqual(['m0', 'm1', 'm2']);
    expect(await b.store.unreadCount('bob')).toBe(3);
  });
});

redisTest.describe('scheduled notifications on Redis across nodes and restarts', () => {
  const options = (clock: { now: () => number }): NotificationFeatureOptions => ({ now: clock.now, tickMs: 3_600_000, onError: () => {} });

  it('survive a node restart: a new node on the same Redis fires what the old one scheduled, once', async () => {
    const keys = freshPrefix();
    let time = T0;
    const clock = { now: () => time };
    const before = await featureNode(keys, options(clock));
    await before.notifications.notify('ana', reminder('Viewing tomorrow'), { at: T0 + 60_000, key: 'viewing:123:h-1d' });
    await before.notifications.notify('ana', reminder('cancelled after the restart'), { at: T0 + 60_000, key: 'viewing:124:h-1d' });
    await before.server.close();

    const after = await featureNode(keys, options(clock));
    const ana = await feedOf(after.server, 'ana');
    expect((await after.notifications.scheduled('ana')).map((entry) => entry.key)).toEqual(['viewing:123:h-1d', 'viewing:124:h-1d']);
    await expect(after.notifications.cancelScheduled('ana', { prefix: 'viewing:124:' })).resolves.toEqual({ cancelled: ['viewing:124:h-1d'] });
    time = T0 + 59_999;
    await after.notifications.flushDue();
    expect((await after.store.list('ana', { limit: 10 })).items).toEqual([]);
    time = T0 + 60_000;
    await after.notifications.flushDue();
    await after.notifications.flushDue();
    expect((await after.store.list('ana', { limit: 10 })).items.map((n) => n.title)).toEqual(['Viewing tomorrow']);
    await ana.client.next('event', (e) => e.name === 'notification:new');
    expect(ana.notifications()).toEqual(['new Viewing tomorrow']);
  });

  it('two nodes ticking at once fire each scheduled notification exactly once', async () => {
    const keys = freshPrefix();
    let time = T0;
    const clock = { now: () => time };
    const [a, b] = [await featureNode(keys, options(clock)), await featureNode(keys, options(clock))];
    const ana = await feedOf(b.server, 'ana');
    for (let i = 0; i < 20; i++) await (i % 2 ? a : b).notifications.notify('ana', reminder(`r${i}`), { at: T0 + 1000 + (i % 4), key: `r:${i}` });
    time = T0 + 2000;
    await Promise.all([a.notifications.flushDue(), b.notifications.flushDue(), a.notifications.flushDue(), b.notifications.flushDue()]);
    const titles = (await a.store.list('ana', { limit: 100 })).items.map((n) => n.title);
    expect(titles.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
    await ana.client.next('event', (e) => e.name === 'notification:unread' && (e.data as { count: number }).count === 20);
    await sleep(100); // any duplicate would be in the feed by now
    expect([...ana.notifications()].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `new r${i}`).sort());
  });
});
