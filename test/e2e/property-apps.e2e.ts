// The React and Vue examples, built, in a real browser: two people in two browser contexts,
// against the example server (no bots: the tests play every part). Screenshots of the key
// states go to test-output/<app>-*.png.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleServer } from '../../examples/server/exampleServer.mjs';
import { formatPrice } from '../../examples/shared/format.mjs';
import { chatMessages, e2eEnabled, launchBrowser, openAs, repoRoot, screenshot, serveStatic, startServer, until, type Browsing, type Person } from './harness';

const enabled = e2eEnabled();

describe.skipIf(!enabled).each([
  { app: 'react-property', name: 'React' },
  { app: 'vue-property', name: 'Vue' },
])('$name example in Chromium', ({ app: appName }) => {
  let browsing: Browsing;
  let app: { url: string; close(): Promise<void> };
  let server: ExampleServer | undefined;
  const people: Person[] = [];

  beforeAll(async () => {
    app = await serveStatic(join(repoRoot, `examples/${appName}/dist`));
    browsing = await launchBrowser();
  });
  afterEach(async () => {
    for (const person of people.splice(0)) {
      expect(person.errors, 'errors in the page').toEqual([]);
      await person.context.close().catch(() => {});
    }
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await browsing?.close();
    await app?.close();
  });

  const open = async (user: string, hash: string) => {
    const person = await openAs(browsing.browser, app.url, server!, user, hash);
    people.push(person);
    return person;
  };
  const sendChat = async (person: Person, text: string) => {
    await person.page.getByTestId('chat-input').fill(text);
    await person.page.getByTestId('chat-send').click();
  };
  const countOf = async (person: Person, text: string) => (await chatMessages(person.page)).filter((m) => m.text === text).length;

  it('a buyer and the agent chat: typing indicator, read receipts (blue ✓✓, "Read")', async () => {
    server = await startServer();
    const buyer = await open('buyer-1', '/p/p-1');
    const agent = await open('agent-1', '/chat/c-buyer-1');
    await buyer.page.getByTestId('chat-input').waitFor();
    await agent.page.getByTestId('chat-input').waitFor();

    await sendChat(buyer, 'Selamat siang, rumah di Kemang masih ada?');
    await agent.page.getByTestId('message').filter({ hasText: 'Selamat siang, rumah di Kemang masih ada?' }).waitFor();
    // The agent has the conversation on screen: the buyer's message turns "read".
    await until('the read receipt on the buyer page', async () => (await chatMessages(buyer.page)).at(-1)?.status === 'read');
    await expect.poll(() => buyer.page.getByTestId('mark').last().textContent()).toBe('Read');

    // The agent types (without sending): the buyer sees "Sari is typing…".
    await agent.page.getByTestId('chat-input').pressSequentially('Masih, ', { delay: 40 });
    await until('the typing indicator', async () => (await buyer.page.getByTestId('typing').textContent())?.includes('Sari is typing'));
    await screenshot(buyer.page, `${appName}-chat-1-buyer-sees-typing`);
    await agent.page.getByTestId('chat-input').pressSequentially('open house Sabtu jam 10.', { delay: 5 });
    await agent.page.getByTestId('chat-send').click();

    await buyer.page.getByTestId('message').filter({ hasText: 'Masih, open house Sabtu jam 10.' }).waitFor();
    await until('the typing indicator to go', async () => (await buyer.page.getByTestId('typing').textContent()) === '');
    await until('the agent’s reply read by the buyer', async () => (await chatMessages(agent.page)).at(-1)?.status === 'read');
    await screenshot(buyer.page, `${appName}-chat-2-buyer`);
    await screenshot(agent.page, `${appName}-chat-3-agent`);
    expect((await chatMessages(buyer.page)).map((m) => [m.text, m.mine])).toEqual([
      ['Selamat siang, rumah di Kemang masih ada?', true],
      ['Masih, open house Sabtu jam 10.', false],
    ]);
  });

  it('two bidders bid; the first sees the outbid banner', async () => {
    server = await startServer();
    const budi = await open('buyer-1', '/p/p-1');
    const ani = await open('buyer-2', '/p/p-1');
    for (const person of [budi, ani]) await person.page.getByTestId('bid-min').waitFor();

    await budi.page.getByTestId('bid-min').click();
    await budi.page.getByTestId('leading').waitFor();
    // Ani's page shows Budi's bid live before she answers it.
    await until('Budi’s bid on Ani’s page', async () => (await ani.page.getByTestId('current-bid').textContent())?.includes(formatPrice(4_000_000_000)));
    await until('the new minimum on Ani’s page', async () => (await ani.page.getByTestId('min-next').textContent())?.includes(formatPrice(4_025_000_000)));
    await ani.page.getByTestId('bid-min').click();
    await ani.page.getByTestId('leading').waitFor();

    await budi.page.getByTestId('outbid').waitFor();
    expect(await budi.page.getByTestId('outbid').textContent()).toContain('outbid');
    expect(await budi.page.getByTestId('current-bid').textContent()).toContain(formatPrice(4_025_000_000));
    expect(await budi.page.getByTestId('bids').locator('li').count()).toBe(2);
    await screenshot(budi.page, `${appName}-auction-1-outbid`);
    await screenshot(ani.page, `${appName}-auction-2-leading`);
  });

  it('a price published through the publish API shows up on an open page, with a toast', async () => {
    server = await startServer();
    const buyer = await open('buyer-1', '/p/p-1');
    await until('the price', async () => (await buyer.page.getByTestId('price').textContent())?.includes(formatPrice(5_500_000_000)));
    await until('the viewer count', async () => (await buyer.page.getByTestId('viewers').textContent())?.includes('1 person'));

    const response = await fetch(`${server.httpUrl}/api/properties/p-1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.publishSecret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'price_updated', newPrice: 5_225_000_000 }),
    });
    expect(response.status).toBe(200);

    await until('the new price', async () => (await buyer.page.getByTestId('price').textContent())?.includes(formatPrice(5_225_000_000)));
    const toast = await buyer.page.getByTestId('toast').textContent();
    expect(toast).toContain('Price drop');
    expect(toast).toContain('-5%');
    await screenshot(buyer.page, `${appName}-price-1-drop-toast`);
  });

  it('the server restarts mid-chat: both pages reconnect and show the messages sent meanwhile, none twice', async () => {
    server = await startServer();
    const buyer = await open('buyer-1', '/p/p-1');
    const agent = await open('agent-1', '/chat/c-buyer-1');
    await buyer.page.getByTestId('chat-input').waitFor();
    await agent.page.getByTestId('chat-input').waitFor();
    await sendChat(buyer, 'Before the restart');
    await until('the first message read', async () => (await chatMessages(buyer.page)).at(-1)?.status === 'read');

    await server.stop(); // clients are told 1012 and retry; nobody answers for a while
    await buyer.page.getByTestId('connection').waitFor();
    await sendChat(buyer, 'Sent while the server is down 1');
    await sendChat(buyer, 'Sent while the server is down 2');
    await sendChat(agent, 'Agent wrote while down');
    await until('pending messages on the buyer page', async () => (await chatMessages(buyer.page)).filter((m) => m.status === 'sending').length === 2);
    await screenshot(buyer.page, `${appName}-restart-1-down-pending`);

    await server.start(); // same port, same store and features
    const texts = ['Before the restart', 'Sent while the server is down 1', 'Sent while the server is down 2', 'Agent wrote while down'];
    for (const person of [buyer, agent]) {
      await until('every message on both pages', async () => {
        const messages = await chatMessages(person.page);
        return texts.every((text) => messages.some((m) => m.text === text)) && messages.every((m) => m.status !== 'sending');
      }, 30_000);
      await person.page.getByTestId('connection').waitFor({ state: 'detached' });
    }
    await until('the buyer’s queued messages read by the agent', async () => (await chatMessages(buyer.page)).filter((m) => m.mine).every((m) => m.status === 'read'));
    for (const person of [buyer, agent]) for (const text of texts) expect(await countOf(person, text), `"${text}" once`).toBe(1);
    // In the order the server stored them, the same on both pages.
    expect((await chatMessages(buyer.page)).map((m) => m.text)).toEqual((await chatMessages(agent.page)).map((m) => m.text));
    await screenshot(buyer.page, `${appName}-restart-2-buyer-after`);
    await screenshot(agent.page, `${appName}-restart-3-agent-after`);
  });

  it('offline: a message is shown as pending and sent when the network is back', async () => {
    server = await startServer();
    const buyer = await open('buyer-1', '/p/p-1');
    const agent = await open('agent-1', '/chat/c-buyer-1');
    await buyer.page.getByTestId('chat-input').waitFor();
    await agent.page.getByTestId('chat-input').waitFor();
    await until('the buyer connected', () => buyer.page.evaluate(() => (window as unknown as { sinyal: { state: string } }).sinyal.state === 'open'));

    // The network goes while the socket looks open (Chromium's offline emulation keeps it
    // open but silent): the message typed now is on its way, then the heartbeat declares
    // the connection dead, the browser says offline, and the message shows as pending.
    await buyer.context.setOffline(true);
    await sendChat(buyer, 'Typed on the train, no signal');
    await until('the offline banner', async () => (await buyer.page.getByTestId('connection').getAttribute('data-state', { timeout: 500 }).catch(() => null)) === 'offline', 30_000);
    const pending = buyer.page.getByTestId('message').last();
    expect(await pending.getAttribute('data-status')).toBe('sending');
    expect(await pending.getByTestId('mark').textContent()).toBe('Pending');
    expect(await buyer.page.getByTestId('connection').textContent()).toContain('1 pending');
    await screenshot(buyer.page, `${appName}-offline-1-pending`);
    expect(await countOf(agent, 'Typed on the train, no signal')).toBe(0);

    await buyer.context.setOffline(false);
    await agent.page.getByTestId('message').filter({ hasText: 'Typed on the train, no signal' }).waitFor({ timeout: 20_000 });
    await until('the message read', async () => (await chatMessages(buyer.page)).at(-1)?.status === 'read');
    await buyer.page.getByTestId('connection').waitFor({ state: 'detached' });
    expect(await countOf(buyer, 'Typed on the train, no signal')).toBe(1);
    expect(await countOf(agent, 'Typed on the train, no signal')).toBe(1);
    await screenshot(buyer.page, `${appName}-offline-2-back`);
  });
});
