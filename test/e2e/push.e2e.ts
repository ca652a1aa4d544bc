// Web Push in Chromium: each built example app (React, Vue) on 127.0.0.1 (a secure context) registers
// its service worker (sinyal-sw.js) through the "Notify me when I'm away" control; pushes are
// then delivered to the worker through the DevTools protocol (ServiceWorker.deliverPushMessage),
// as a push service would deliver them. The worker must tell an open window and show nothing
// (the app shows it in-app), and show a notification — tagged with the notification's id, so
// a repeat replaces it, linking to the right page — when no window of the app is open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { pushPayload } from '../../packages/server/src/features/notification';
import { e2eEnabled, launchBrowser, repoRoot, serveStatic, startServer, until, type Browsing } from './harness';
import type { ExampleServer } from '../../examples/server/exampleServer.mjs';

const enabled = e2eEnabled();

describe.runIf(enabled).each(['react-property', 'vue-property'])('Web Push in Chromium (%s example app)', (appName) => {
  let browsing: Browsing;
  let app: { url: string; close(): Promise<void> };
  let server: ExampleServer;

  beforeAll(async () => {
    browsing = await launchBrowser();
    app = await serveStatic(`${repoRoot}examples/${appName}/dist`);
    server = await startServer();
  });
  afterAll(async () => {
    await browsing?.close();
    await app?.close();
    await server?.close();
  });

  /** The app's service worker registration id, once Chromium reports it. */
  async function registrationId(cdp: CDPSession): Promise<string> {
    let found: string | undefined;
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: Array<{ registrationId: string; scopeURL: string; isDeleted: boolean }> }) => {
      const mine = registrations.find((registration) => registration.scopeURL === `${app.url}/` && !registration.isDeleted);
      if (mine) found = mine.registrationId;
    });
    await cdp.send('ServiceWorker.enable');
    return until('the service worker registration', () => found as string);
  }

  const notificationsShown = (page: Page) =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration('/');
      return (await registration!.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url }));
    });

  it('registers the worker from the control; a push to an open window is passed to it, one to nobody is shown, once, linking to its page', async () => {
    const context: BrowserContext = await browsing.browser.newContext();
    await context.grantPermissions(['notifications'], { origin: app.url });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${app.url}/?user=buyer-1&server=${encodeURIComponent(server.httpUrl)}#/`);

    // The control is in the notification menu. Turning it on registers the worker; the
    // subscription itself needs a real push service (none here: offline Chromium), so the
    // control ends either on or reporting the failure — never stuck.
    await page.getByTestId('bell').click();
    const toggle = page.getByTestId('push-toggle');
    await expect.poll(() => toggle.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await toggle.textContent()).toContain('Notify me when I’m away');
    await toggle.locator('input').check({ force: true }).catch(() => undefined);
    await until('the push control to settle', async () => ['enabled', 'error'].includes((await page.getByTestId('push-status').getAttribute('data-status')) ?? ''));
    await until('the worker to control the page', () => page.evaluate(() => navigator.serviceWorker.controller !== null));

    // A session on a page outside the app's origin, so it outlives the app's windows and
    // does not count as one of them.
    const outside = await context.newPage();
    await outside.goto('about:blank');
    const cdp = await context.newCDPSession(outside);
    const registration = await registrationId(cdp);
    const deliver = (payload: unknown) => cdp.send('ServiceWorker.deliverPushMessage', { origin: app.url, registrationId: registration, data: JSON.stringify(payload) });

    // 1. The app is open and on screen: the worker hands the push to it and shows nothing.
    const received = page.evaluate(
      () =>
        new Promise<{ type: string; payload: { id: string }; shown: boolean }>((resolve) =>
          navigator.serviceWorker.addEventListener('message', (event) => event.data?.type === 'sinyal:push' && resolve(event.data)),
        ),
    );
    const live = pushPayload([{ id: 'n-live', category: 'message', type: 'agent_reply', title: 'Sari replied', body: 'Bisa survey besok', priority: 'instant', createdAt: Date.now() }]);
    await deliver(live);
    expect(await received).toMatchObject({ type: 'sinyal:push', payload: { id: 'n-live' }, shown: false });
    expect(await notificationsShown(page)).toEqual([]);

    // 2. No window of the app is open: the worker shows it, tagged with its id, linking to
    // the property page as the same person. Delivered twice, it is still one notification.
    await page.close();
    const away = pushPayload([{ id: 'n-away', category: 'property_alert', type: 'price_drop', title: 'Price drop on Rumah Kemang', body: 'Rp 5.5 M → Rp 5.2 M', priority: 'instant', createdAt: Date.now(), data: { propertyId: 'p-1' } }]);
    await deliver(away);
    await deliver(away);
    const again = await context.newPage();
    await again.goto(`${app.url}/?user=buyer-1&server=${encodeURIComponent(server.httpUrl)}#/`);
    const shown = await until('the notification to be shown', async () => {
      const list = await notificationsShown(again);
      return list.length > 0 ? list : undefined;
    });
    expect(shown).toEqual([{ title: 'Price drop on Rumah Kemang', body: 'Rp 5.5 M → Rp 5.2 M', tag: 'n-away', url: `${app.url}/?user=buyer-1&server=${encodeURIComponent(server.httpUrl)}#/p/p-1` }]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
