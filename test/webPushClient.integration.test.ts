// The client's Web Push store (`@sinyal/client/push`) against the real server: the browser's
// service worker, Push API and Notification permission are stand-ins whose subscriptions are
// devices of the local push service (test-utils/mockPushService.ts), so a push the server
// sends after `enable()` really arrives, encrypted for the subscription the store registered.
import { createDevToken } from '@sinyal/server';
import { fetchJson } from '@sinyal/client';
import { pushNotifications, type PushNotificationsOptions } from '@sinyal/client/push';
import webpush from 'web-push';
import { afterEach, describe, expect, it } from 'vitest';
import { notificationFeature } from '../packages/server/src/features/notification';
import { connect, SECRET, startServer, until } from '../test-utils/harness';
import { fakePushBrowser as fakeBrowser } from '../test-utils/fakePushBrowser';
import { startMockPushService } from '../test-utils/mockPushService';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const service = await startMockPushService();
  cleanups.push(() => service.close());
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:alerts@rumah.example' };
  const notifications = notificationFeature({ push: { vapid, allowInsecureLocalEndpoints: true }, onError: () => {} });
  const server = await startServer({ features: [notifications] });
  cleanups.push(() => server.close());
  const listed = async (user: string) =>
    (await fetchJson<{ items: Array<{ endpoint: string }> }>({ url: server.url, token: () => createDevToken(SECRET, user) }, '/api/notifications/push-subscriptions')).items.map((item) => item.endpoint);
  const client = (user: string) => {
    const c = connect(server.url, user);
    cleanups.push(() => c.close());
    return c as never;
  };
  return { service, vapid, notifications, server, listed, client };
}

describe('pushNotifications (client)', () => {
  it('enable() asks permission, subscribes with the server’s VAPID key, registers it; the user then gets pushes while away; disable() undoes it', async () => {
    const { service, vapid, notifications, server, listed, client } = await setup();
    const browser = fakeBrowser(service);
    const ana = client('ana');
    const push = pushNotifications(ana, { serviceWorker: '/sinyal-sw.js', environment: browser.environment } satisfies PushNotificationsOptions);
    const seen: string[] = [];
    push.subscribe(() => seen.push(push.getSnapshot().status));
    await until(() => push.getSnapshot().status === 'disabled');

    const snapshot = await push.enable();
    expect(snapshot).toMatchObject({ status: 'enabled', permission: 'granted', endpoint: browser.current()!.endpoint, error: undefined });
    expect(seen).toEqual(['checking', 'disabled', 'enabling', 'enabled']);
    expect(browser.registered).toEqual(['/sinyal-sw.js']);
    expect(Buffer.from(browser.subscribeKeys[0]!).toString('base64url')).toBe(vapid.publicKey);
    expect(await listed('ana')).toEqual([snapshot.endpoint]);

    // Connected: no push. Away: pushed to the subscription the store registered.
    await notifications.notify('ana', { category: 'message', type: 'agent_reply', title: 'while here', body: '' });
    (ana as { close(): void }).close();
    await until(() => server.connections() === 0);
    await notifications.notify('ana', { category: 'message', type: 'agent_reply', title: 'while away', body: '' });
    await notifications.push!.idle();
    expect(service.received.map((received) => (received.payload as { title: string }).title)).toEqual(['while away']);

    // A fresh store on a new client sees the device enabled.
    const again = pushNotifications(client('ana'), { serviceWorker: '/sinyal-sw.js', environment: browser.environment });
    expect(await again.refresh()).toMatchObject({ status: 'enabled', endpoint: snapshot.endpoint });

    const subscription = browser.current()!;
    expect(await again.disable()).toMatchObject({ status: 'disabled', endpoint: undefined, error: undefined });
    expect(subscription.unsubscribed).toBe(true);
    expect(await listed('ana')).toEqual([]);
  });

  it('a device subscribed for another user shows as disabled; enabling moves it to the signed-in user', async () => {
    const { service, listed, client } = await setup();
    const browser = fakeBrowser(service);
    const forAna = pushNotifications(client('ana'), { serviceWorker: '/sinyal-sw.js', environment: browser.environment });
    const { endpoint } = await forAna.enable();
    const forBen = pushNotifications(client('ben'), { serviceWorker: '/sinyal-sw.js', environment: browser.environment });
    expect(await forBen.refresh()).toMatchObject({ status: 'disabled' });
    expect(await forBen.enable()).toMatchObject({ status: 'enabled', endpoint });
    expect(await listed('ana')).toEqual([]);
    expect(await listed('ben')).toEqual([endpoint]);
  });

  it('a refused permission leaves push off (denied) and registers nothing; without the APIs it is unsupported', async () => {
    const { service, listed, client } = await setup();
    const denied = fakeBrowser(service, 'denied');
    const push = pushNotifications(client('ana'), { serviceWorker: '/sinyal-sw.js', environment: denied.environment });
    expect(await push.enable()).toMatchObject({ status: 'denied', permission: 'denied' });
    expect(denied.subscribeKeys).toEqual([]);
    const dismissed = fakeBrowser(service, 'default');
    expect(await pushNotifications(client('ben'), { serviceWorker: '/sinyal-sw.js', environment: dismissed.environment }).enable()).toMatchObject({ status: 'disabled' });
    expect(await listed('ana')).toEqual([]);

    const none = pushNotifications(client('cy'), { serviceWorker: '/sinyal-sw.js', environment: { navigator: {} as Navigator, Notification: undefined } });
    expect(await none.enable()).toMatchObject({ status: 'unsupported', permission: 'unsupported' });
    const insecure = pushNotifications(client('dee'), { serviceWorker: '/sinyal-sw.js', environment: { ...fakeBrowser(service).environment, isSecureContext: false } });
    expect(await insecure.refresh()).toMatchObject({ status: 'unsupported' });
  });

  it('a server refusal ends in status error with the server’s code, and enable() can be tried again', async () => {
    const { service, server, listed } = await setup();
    const browser = fakeBrowser(service);
    // A token the server refuses: the REST calls answer 401.
    const bad = connect(server.url, 'ana', { token: () => 'not-a-token', autoConnect: false } as never);
    cleanups.push(() => bad.close());
    const push = pushNotifications(bad as never, { serviceWorker: '/sinyal-sw.js', environment: browser.environment });
    const snapshot = await push.enable();
    expect(snapshot.status).toBe('error');
    expect(snapshot.error).toMatchObject({ name: 'SinyalError', code: 'unauthorized' });
    expect(await listed('ana')).toEqual([]);
  });
});
