// The React and Vue examples, built, in Chromium with `window.WebSocket` removed before any
// script runs (an init script): with `?transport=auto` the client falls back to the HTTP
// transport, and chat and the auction work as over a WebSocket.
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleServer } from '../../examples/server/exampleServer.mjs';
import { chatMessages, e2eEnabled, launchBrowser, repoRoot, serveStatic, startServer, until, type Browsing } from './harness';

const enabled = e2eEnabled();

describe.skipIf(!enabled).each([
  { app: 'react-property', name: 'React' },
  { app: 'vue-property', name: 'Vue' },
])('$name example without WebSocket (HTTP fallback)', ({ app: appName }) => {
  let browsing: Browsing;
  let app: { url: string; close(): Promise<void> };
  let server: ExampleServer;
  const contexts: Array<{ context: BrowserContext; errors: string[] }> = [];

  beforeAll(async () => {
    app = await serveStatic(join(repoRoot, `examples/${appName}/dist`));
    browsing = await launchBrowser();
    server = await startServer();
  });
  afterEach(async () => {
    for (const { context, errors } of contexts.splice(0)) {
      expect(errors, 'errors in the page').toEqual([]);
      await context.close().catch(() => {});
    }
  });
  afterAll(async () => {
    await server?.close();
    await browsing?.close();
    await app?.close();
  });

  const open = async (user: string, hash: string): Promise<Page> => {
    const context = await browsing.browser.newContext({ viewport: { width: 1180, height: 860 } });
    // No WebSocket at all, as on a platform without it.
    await context.addInitScript(() => {
      delete (window as { WebSocket?: unknown }).WebSocket;
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) errors.push(message.text());
    });
    contexts.push({ context, errors });
    await page.goto(`${app.url}/?user=${user}&server=${encodeURIComponent(server.httpUrl)}&transport=auto#${hash}`);
    await until(`${user} connected over HTTP`, () => page.evaluate(() => typeof (window as { WebSocket?: unknown }).WebSocket === 'undefined' && (window as unknown as { sinyal: { state: string } }).sinyal.state === 'open'));
    return page;
  };

  it('chat: a buyer and the agent exchange messages, read receipts included', async () => {
    const buyer = await open('buyer-1', '/p/p-1');
    const agent = await open('agent-1', '/chat/c-buyer-1');
    await buyer.getByTestId('chat-input').waitFor();
    await agent.getByTestId('chat-input').waitFor();
    await buyer.getByTestId('chat-input').fill('Halo, lewat HTTP');
    await buyer.getByTestId('chat-send').click();
    await agent.getByTestId('message').filter({ hasText: 'Halo, lewat HTTP' }).waitFor();
    await until('the read receipt on the buyer page', async () => (await chatMessages(buyer)).at(-1)?.status === 'read');
    await agent.getByTestId('chat-input').fill('Siap, terima kasih');
    await agent.getByTestId('chat-send').click();
    await buyer.getByTestId('message').filter({ hasText: 'Siap, terima kasih' }).waitFor();
    expect((await chatMessages(buyer)).map((m) => [m.text, m.mine])).toEqual([
      ['Halo, lewat HTTP', true],
      ['Siap, terima kasih', false],
    ]);
  });

  it('auction: two bidders bid, the first sees the outbid banner', async () => {
    const budi = await open('buyer-1', '/p/p-1');
    const ani = await open('buyer-2', '/p/p-1');
    for (const page of [budi, ani]) await page.getByTestId('bid-min').waitFor();
    const before = await budi.getByTestId('bids').locator('li').count();
    await budi.getByTestId('bid-min').click();
    await budi.getByTestId('leading').waitFor();
    await until('Budi’s bid on Ani’s page', async () => (await ani.getByTestId('bids').locator('li').count()) === before + 1);
    await ani.getByTestId('bid-min').click();
    await ani.getByTestId('leading').waitFor();
    await budi.getByTestId('outbid').waitFor();
    expect(await budi.getByTestId('bids').locator('li').count()).toBe(before + 2);
  });
});
