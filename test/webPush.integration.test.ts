// Web Push: subscriptions over REST, and notifications pushed to users who are away, through
// a local push service (test-utils/mockPushService.ts) that verifies each message's VAPID JWT
// and decrypts its aes128gcm body with the device's keys. Time is a fake clock moved by hand
// (`now`), the delivery tick is real and short.
import { fetchJson, type SinyalClient } from '@sinyal/client';
import { createDevToken } from '@sinyal/server';
import webpush from 'web-push';
import { afterEach, describe, expect, it } from 'vitest';
import { notificationsStore } from '../packages/client/src/notification/notificationsStore';
import type { NotificationInput } from '../packages/protocol/src/schema/notification';
import { MemoryPushStore, notificationFeature, type NotificationFeatureOptions, type NotificationPushOptions } from '../packages/server/src/features/notification';
import { connect, SECRET, startServer, until } from '../test-utils/harness';
import { startMockPushService, type MockPushService } from '../test-utils/mockPushService';

const PUBLISHER = 'push-publisher-secret';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:alerts@rumah.example' };

const alert = (title: string, extra: Partial<NotificationInput> = {}): NotificationInput => ({ category: 'message', type: 'agent_reply', title, body: `${title} body`, ...extra });

async function setup(options: NotificationFeatureOptions = {}, push: Partial<NotificationPushOptions> = {}) {
  const service: MockPushService = await startMockPushService();
  cleanups.push(() => service.close());
  let time = Date.UTC(2025, 0, 6, 12, 0); // a Monday, 12:00 UTC
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const errors: Array<{ error: unknown; stage: string }> = [];
  const notifications = notificationFeature({
    tickMs: 10,
    batchWindowMs: 50,
    now: clock.now,
    onError: (error, context) => errors.push({ error, stage: context.stage }),
    push: { vapid, allowInsecureLocalEndpoints: true, timeoutMs: 1_000, ...push },
    ...options,
  });
  const server = await startServer({ features: [notifications], publishSecret: PUBLISHER });
  cleanups.push(() => server.close());
  /** REST as `user` (their own token), without a connection. */
  const as = (user: string) => ({ url: server.url, token: () => createDevToken(SECRET, user) });
  const subscribe = async (user: string) => {
    const device = service.subscribe();
    await fetchJson(as(user), '/api/notifications/push-subscriptions', { body: { endpoint: device.endpoint, keys: device.keys, expirationTime: null } });
    return device;
  };
  const online = async (user: string) => {
    const client = connect(server.url, user) as unknown as SinyalClient<object, object>;
    cleanups.push(() => client.close());
    const store = notificationsStore(client);
    store.subscribe(() => {});
    await until(() => store.getSnapshot().status === 'ready');
    return { client, store };
  };
  const metric = async (name: string) => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    return Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  };
  const pushed = async () => {
    await notifications.push!.idle();
    return service.received.map((push) => push.payload as { id: string; title: string; body: string; count?: number; ids?: string[] });
  };
  return { service, clock, errors, notifications, server, as, subscribe, online, metric, pushed };
}

describe('Web Push subscriptions over REST', () => {
  it('stores, lists and removes the caller’s own subscriptions; bad bodies get a clear 400', async () => {
    const { as, subscribe, service } = await setup();
    const phone = await subscribe('ana');
    const laptop = await subscribe('ana');
    const listed = await fetchJson<{ publicKey: string; items: Array<{ endpoint: string; createdAt: number }> }>(as('ana'), '/api/notifications/push-subscriptions');
    expect(listed.publicKey).toBe(vapid.publicKey);
    expect(listed.items.map((item) => item.endpoint)).toEqual([phone.endpoint, laptop.endpoint]);
    expect((await fetchJson<{ items: unknown[] }>(as('ben'), '/api/notifications/push-subscriptions')).items).toEqual([]);

    // Ben cannot remove Ana's; Ana can.
    const remove = (user: string, endpoint: string) => fetchJson<{ removed: boolean }>(as(user), `/api/notifications/push-subscriptions?endpoint=${encodeURIComponent(endpoint)}`, { method: 'DELETE' });
    expect(await remove('ben', phone.endpoint)).toEqual({ removed: false });
    expect(await remove('ana', phone.endpoint)).toEqual({ removed: true });
    expect((await fetchJson<{ items: Array<{ endpoint: string }> }>(as('ana'), '/api/notifications/push-subscriptions')).items.map((item) => item.endpoint)).toEqual([laptop.endpoint]);

    const post = (body: unknown) => fetchJson(as('ana'), '/api/notifications/push-subscriptions', { body });
    const device = service.subscribe();
    await expect(post({ endpoint: device.endpoint })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('keys') });
    await expect(post({ ...device, keys: { ...device.keys, p256dh: 'short' } })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('p256dh') });
    await expect(post({ ...device, endpoint: 'ftp://push.example/x' })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('https') });
    await expect(post({ ...device, endpoint: 'http://push.example/x' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(post({ ...device, endpoint: 'not a url' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(post('nonsense')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(fetchJson(as('ana'), '/api/notifications/push-subscriptions', { method: 'DELETE' })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('endpoint') });
    await expect(fetchJson({ url: as('ana').url }, '/api/notifications/push-subscriptions', { body: device })).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses http endpoints unless the server allows local ones', async () => {
    const { as, service } = await setup({}, { allowInsecureLocalEndpoints: false });
    const device = service.subscribe();
    await expect(fetchJson(as('ana'), '/api/notifications/push-subscriptions', { body: device })).rejects.toMatchObject({ code: 'bad_request', message: 'endpoint: must be https' });
    await fetchJson(as('ana'), '/api/notifications/push-subscriptions', { body: { ...device, endpoint: 'https://fcm.googleapis.com/fcm/send/abc' } });
  });

  it('keeps at most maxSubscriptionsPerUser per user (the oldest go) and maxSubscriptions in all; /metrics shows them', async () => {
    const { as, subscribe, clock, metric, service } = await setup({}, { maxSubscriptionsPerUser: 3, maxSubscriptions: 4 });
    const devices = [];
    for (let i = 0; i < 4; i++) {
      devices.push(await subscribe('ana'));
      clock.advance(1000);
    }
    const listed = await fetchJson<{ items: Array<{ endpoint: string }> }>(as('ana'), '/api/notifications/push-subscriptions');
    expect(listed.items.map((item) => item.endpoint)).toEqual(devices.slice(1).map((device) => device.endpoint));
    await subscribe('ben'); // 4 in all
    await expect(subscribe('cy')).rejects.toMatchObject({ code: 'unavailable' });
    // Registering an endpoint again is not a new one (the bound does not refuse it).
    await fetchJson(as('ben'), '/api/notifications/push-subscriptions', { body: service.subscribe() }).catch(() => undefined);
    await fetchJson(as('ana'), '/api/notifications/push-subscriptions', { body: { endpoint: devices[3]!.endpoint, keys: devices[3]!.keys } });
    expect(await metric('sinyal_notification_push_subscriptions')).toBe(4);
    expect(await metric('sinyal_notification_push_subscriptions_limit')).toBe(4);
    expect(await metric('sinyal_notification_push_subscriptions_per_user_limit')).toBe(3);
    expect(await metric('sinyal_notification_push_pending_limit')).toBe(1000);
  });

  it('an endpoint registered by another user moves to them: the first user’s notifications stop reaching that device', async () => {
    const { as, service, notifications, pushed } = await setup();
    const device = service.subscribe();
    await fetchJson(as('ana'), '/api/notifications/push-subscriptions', { body: device });
    await fetchJson(as('ben'), '/api/notifications/push-subscriptions', { body: device });
    expect((await fetchJson<{ items: unknown[] }>(as('ana'), '/api/notifications/push-subscriptions')).items).toEqual([]);
    await notifications.notify('ana', alert('for Ana'));
    await notifications.notify('ben', alert('for Ben'));
    expect((await pushed()).map((push) => push.title)).toEqual(['for Ben']);
  });
});

describe('Web Push delivery', () => {
  it('pushes to every device of a user who is away: VAPID-signed, encrypted for each device, decrypted by the push service', async () => {
    const { service, subscribe, notifications, pushed, metric } = await setup();
    const phone = await subscribe('ana');
    const laptop = await subscribe('ana');
    const { notification } = await notifications.notify('ana', alert('Budi replied', { data: { conversationId: 'c-1' } }));
    const payloads = await pushed();
    expect(service.rejected).toEqual([]);
    expect(payloads).toHaveLength(2);
    for (const device of [phone, laptop]) {
      const [push] = service.for(device.device);
      expect(push).toMatchObject({ subject: vapid.subject, vapidKey: vapid.publicKey, urgency: 'high', ttl: 86_400 });
      expect(push!.payload).toEqual({
        id: notification.id,
        title: 'Budi replied',
        body: 'Budi replied body',
        category: 'message',
        type: 'agent_reply',
        createdAt: notification.createdAt,
        data: { conversationId: 'c-1' },
      });
    }
    expect(await metric('sinyal_notification_push_sent_total{result="sent"}')).toBe(2);
  });

  it('does not push to a user with a connection open: they get it live; once they leave, the next one is pushed', async () => {
    const { subscribe, notifications, pushed, online, metric, server } = await setup();
    await subscribe('ana');
    const ana = await online('ana');
    await notifications.notify('ana', alert('live one'));
    await until(() => ana.store.getSnapshot().items.length === 1);
    expect(await pushed()).toEqual([]);
    expect(await metric('sinyal_notification_push_skipped_total{reason="connected"}')).toBe(1);

    ana.client.close();
    await until(() => server.connections() === 0);
    await notifications.notify('ana', alert('away one'));
    expect((await pushed()).map((push) => push.title)).toEqual(['away one']);
  });

  it('follows the in-app rules: a batched group is pushed once, when its window ends, as one summary', async () => {
    const { subscribe, notifications, pushed, clock } = await setup();
    await subscribe('ana');
    const first = await notifications.notify('ana', alert('Price drop: Kemang', { priority: 'batched', category: 'property_alert', type: 'price_drop' }));
    const second = await notifications.notify('ana', alert('Price drop: Menteng', { priority: 'batched', category: 'property_alert', type: 'price_drop' }));
    expect(await pushed()).toEqual([]);
    clock.advance(50);
    await notifications.flushDue();
    const payloads = await pushed();
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toMatchObject({ id: second.notification.id, title: '2 new notifications', body: 'Price drop: Menteng\nPrice drop: Kemang', count: 2, ids: [first.notification.id, second.notification.id] });
  });

  it('holds pushes of held notifications during quiet hours, like in-app delivery', async () => {
    const { subscribe, notifications, pushed, clock } = await setup();
    await subscribe('ana');
    await notifications.setPreferences('ana', { quietHours: { start: '11:00', end: '13:00' }, utcOffsetMinutes: 0 });
    await notifications.notify('ana', alert('quiet one', { priority: 'batched' }));
    clock.advance(50);
    await notifications.flushDue();
    expect(await pushed()).toEqual([]);
    clock.advance(3_600_000); // 13:00
    await notifications.flushDue();
    expect((await pushed()).map((push) => push.title)).toEqual(['quiet one']);
  });

  it('only pushes the categories configured', async () => {
    const { subscribe, notifications, pushed } = await setup({}, { categories: ['message'] });
    await subscribe('ana');
    await notifications.notify('ana', alert('an alert', { category: 'property_alert', type: 'price_drop' }));
    await notifications.notify('ana', alert('a message'));
    expect((await pushed()).map((push) => push.title)).toEqual(['a message']);
  });

  it('pushes only the categories the user chose (pushCategories), among those the server pushes', async () => {
    const { subscribe, notifications, pushed, metric, online, server } = await setup({}, { categories: ['message', 'property_alert', 'appointment'] });
    await subscribe('ana');
    await notifications.setPreferences('ana', { pushCategories: ['message', 'transaction'] });
    await notifications.notify('ana', alert('an alert', { category: 'property_alert', type: 'price_drop' }));
    await notifications.notify('ana', alert('a payment', { category: 'transaction', type: 'payment_due' }));
    await notifications.notify('ana', alert('a message'));
    expect((await pushed()).map((push) => push.title)).toEqual(['a message']);
    expect(await metric('sinyal_notification_push_skipped_total{reason="preferences"}')).toBe(1);

    // The command sets it too; invalid categories are refused.
    const { client } = await online('ana');
    const typed = client as unknown as SinyalClient<object, { 'notification:set_preferences': { data: unknown; result: unknown } }>;
    expect(await typed.request('notification:set_preferences', { pushCategories: [] })).toMatchObject({ pushCategories: [] });
    await expect(typed.request('notification:set_preferences', { pushCategories: ['gossip'] })).rejects.toMatchObject({ code: 'invalid_frame' });
    client.close();
    await until(() => server.connections() === 0);
    await notifications.notify('ana', alert('another message'));
    expect((await pushed()).map((push) => push.title)).toEqual(['a message']);
    expect(await metric('sinyal_notification_push_skipped_total{reason="preferences"}')).toBe(2);
  });

  it('removes a subscription the push service says is gone (404, 410); counts other failures and keeps the subscription', async () => {
    const { service, subscribe, notifications, pushed, as, metric, errors } = await setup({}, { timeoutMs: 300 });
    const gone = await subscribe('ana');
    const missing = await subscribe('ana');
    const broken = await subscribe('ana');
    const slow = await subscribe('ana');
    const fine = await subscribe('ana');
    service.setBehaviour(gone.device, { status: 410 });
    service.setBehaviour(missing.device, { status: 404 });
    service.setBehaviour(broken.device, { status: 500 });
    service.setBehaviour(slow.device, 'hang');
    await notifications.notify('ana', alert('one'));
    expect((await pushed()).map((push) => push.title)).toEqual(['one']);
    expect(service.for(fine.device)).toHaveLength(1);
    const left = await fetchJson<{ items: Array<{ endpoint: string }> }>(as('ana'), '/api/notifications/push-subscriptions');
    expect(left.items.map((item) => item.endpoint)).toEqual([broken.endpoint, slow.endpoint, fine.endpoint]);
    expect(await metric('sinyal_notification_push_sent_total{result="expired"}')).toBe(2);
    expect(await metric('sinyal_notification_push_sent_total{result="failed"}')).toBe(2);
    const pushErrors = errors.filter((e) => e.stage === 'push').map((e) => String(e.error));
    expect(pushErrors).toHaveLength(2);
    expect(pushErrors).toEqual(expect.arrayContaining([expect.stringContaining('failed (500)'), expect.stringContaining('did not answer')]));

    // The removed ones get nothing more; the server goes on.
    await notifications.notify('ana', alert('two'));
    await pushed();
    expect(service.requests.filter((device) => device === gone.device || device === missing.device)).toHaveLength(2);
    expect(service.for(fine.device)).toHaveLength(2);
  });

  it('a push service that cuts the connection, or a push store that fails, costs the push only: the in-app delivery and the server carry on', async () => {
    const failing = new MemoryPushStore();
    let storeDown = false;
    const isConnected = failing.isConnected.bind(failing);
    failing.isConnected = async (userId) => {
      if (storeDown) throw new Error('push store unreachable');
      return isConnected(userId);
    };
    const { service, subscribe, notifications, pushed, online, metric, errors, server } = await setup({}, { store: failing });
    const cut = await subscribe('ana');
    const fine = await subscribe('ana');
    service.setBehaviour(cut.device, 'reset');
    await notifications.notify('ana', alert('one'));
    expect((await pushed()).map((push) => push.title)).toEqual(['one']);
    expect(service.for(fine.device)).toHaveLength(1);
    expect(await metric('sinyal_notification_push_sent_total{result="failed"}')).toBe(1);

    storeDown = true;
    await notifications.notify('ana', alert('two'));
    await notifications.push!.idle();
    expect(errors.filter((e) => e.stage === 'push').map((e) => String(e.error))).toContain('Error: push store unreachable');
    expect(await metric('sinyal_notification_push_sent_total{result="failed"}')).toBe(2);
    // The inbox has both; the server still answers.
    const { store } = await online('ana');
    await until(() => store.getSnapshot().items.length === 2);
    expect(server.connections()).toBe(1);
  });

  it('drops pushes beyond maxPending (counted; the inbox keeps them)', async () => {
    const { service, subscribe, notifications, metric } = await setup({}, { maxPending: 2, concurrency: 1, timeoutMs: 300 });
    const slow = await subscribe('ana');
    service.setBehaviour(slow.device, 'hang');
    for (let i = 0; i < 5; i++) await notifications.notify('ana', alert(`n${i}`));
    expect(await metric('sinyal_notification_push_sent_total{result="dropped"}')).toBe(3);
    await notifications.push!.idle();
    expect(await metric('sinyal_notification_push_sent_total{result="failed"}')).toBe(2);
  });
});
