// The example apps as a buyer (and the agent) would judge them (issue 14): the price-drop
// toast, the auction widget's states and errors, money and times, the social proof, the
// agent's status, notifications of an open chat, empty states, unknown users, the favicon.
// Both apps, built, in Chromium, against the example server without bots.
import { join } from 'node:path';
import { auctionStore, createClient, type ClientOptions, type SinyalClient } from '@sinyal/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ExampleServer, ExampleServerOptions } from '../../examples/server/exampleServer.mjs';
import { formatPrice } from '../../examples/shared/format.mjs';
import { e2eEnabled, launchBrowser, notFullyVisible, openAs, repoRoot, screenshot, serveStatic, startServer, until, type Browsing, type Person } from './harness';

const enabled = e2eEnabled();

describe.skipIf(!enabled).each([
  { app: 'react-property', name: 'React' },
  { app: 'vue-property', name: 'Vue' },
])('$name example as a product page', ({ app: appName }) => {
  let browsing: Browsing;
  let app: { url: string; close(): Promise<void> };
  let server: ExampleServer | undefined;
  const people: Person[] = [];
  const nodeClients: SinyalClient[] = [];

  beforeAll(async () => {
    app = await serveStatic(join(repoRoot, `examples/${appName}/dist`));
    browsing = await launchBrowser();
  });
  afterEach(async () => {
    for (const client of nodeClients.splice(0)) client.close();
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

  const begin = async (options: ExampleServerOptions = {}) => (server = await startServer(options));
  const open = async (user: string, hash: string) => {
    const person = await openAs(browsing.browser, app.url, server!, user, hash);
    people.push(person);
    return person;
  };
  /** Someone bidding from a script (another bidder the pages see). */
  const bidder = (userId: string) => {
    const client = createClient({ url: server!.url, token: () => server!.token(userId), WebSocket: WebSocket as unknown as NonNullable<ClientOptions['WebSocket']>, onError: () => {} });
    nodeClients.push(client);
    const store = auctionStore(client, server!.catalog().properties.find((p) => p.id === 'p-1')!.auctionId!);
    store.subscribe(() => {});
    return store;
  };
  const publishPrice = async (newPrice: number) => {
    const response = await fetch(`${server!.httpUrl}/api/properties/p-1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server!.publishSecret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'price_updated', newPrice }),
    });
    expect(response.status).toBe(200);
  };
  /** The text of the first element with this test id ('' when there is none). */
  const text = async (person: Person, testId: string) => (await person.page.getByTestId(testId).first().textContent({ timeout: 1000 }).catch(() => null)) ?? '';

  it('the price-drop toast goes away when another price change follows within seconds', async () => {
    await begin();
    const buyer = await open('buyer-1', '/p/p-1');
    await until('the price', async () => (await text(buyer, 'price')).includes(formatPrice(5_500_000_000)));
    await publishPrice(5_225_000_000);
    await until('the first toast', async () => (await text(buyer, 'toast')).includes('Price drop'));
    await publishPrice(5_300_000_000); // a rise: no toast of its own
    await until('the second price', async () => (await text(buyer, 'price')).includes(formatPrice(5_300_000_000)));
    await buyer.page.getByTestId('toast').waitFor({ state: 'detached', timeout: 20_000 });
    await publishPrice(5_100_000_000); // and a drop after it has its own toast, which goes too
    await until('the third toast', async () => (await text(buyer, 'toast')).includes('Price drop'));
    await buyer.page.getByTestId('toast').waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('a double click places one bid; a bid someone beat is explained in words with the new minimum, and the next success clears it', async () => {
    await begin();
    const budi = await open('buyer-1', '/p/p-1');
    const ani = await open('buyer-2', '/p/p-1');
    for (const person of [budi, ani]) await person.page.getByTestId('bid-min').waitFor();

    await budi.page.getByTestId('bid-min').dblclick();
    await budi.page.getByTestId('leading').waitFor();
    await until('Budi’s bid shown to Ani', async () => (await text(ani, 'current-bid')).includes(formatPrice(4_000_000_000)));
    await until('Budi’s widget settled', async () => (await text(budi, 'bid-min')).includes(formatPrice(4_025_000_000)));
    expect(await budi.page.getByTestId('bids').locator('li').count()).toBe(1);
    expect(await budi.page.getByTestId('bid-error').count()).toBe(0);

    // Ani loses her connection with the old minimum on screen; someone bids meanwhile.
    await ani.context.setOffline(true);
    await until('Ani offline', async () => (await ani.page.getByTestId('connection').getAttribute('data-state', { timeout: 500 }).catch(() => null)) === 'offline', 30_000);
    const stale = await text(ani, 'bid-min');
    await bidder('bot-joko').placeBid(4_025_000_000).done;
    await ani.page.getByTestId('bid-min').click(); // at the stale minimum: queued until she is back
    expect(await ani.page.getByTestId('bid-min').isDisabled()).toBe(true); // pending: no second bid
    await ani.context.setOffline(false);
    await ani.page.getByTestId('bid-error').waitFor({ timeout: 30_000 });
    const error = await text(ani, 'bid-error');
    expect(stale).toContain(formatPrice(4_025_000_000));
    expect(error).toContain(formatPrice(4_050_000_000)); // the new minimum, as money
    expect(error).not.toMatch(/bid too low|\d{7,}|bad_request/);
    await screenshot(ani.page, `${appName}-auction-3-refused-in-words`);
    await until('Ani’s new minimum', async () => (await text(ani, 'bid-min')).includes(formatPrice(4_050_000_000)));
    await ani.page.getByTestId('bid-min').click();
    await ani.page.getByTestId('leading').waitFor();
    await ani.page.getByTestId('bid-error').waitFor({ state: 'detached' });
  });

  it('auto-bid: a maximum bids at once, answers another bidder in the same step, and says when it was passed', async () => {
    await begin();
    const budi = await open('buyer-1', '/p/p-1');
    await budi.page.getByTestId('bid-min').waitFor();
    await budi.page.getByTestId('auto-bid').locator('input').fill('4100000000');
    await budi.page.getByTestId('auto-bid-set').click();
    await budi.page.getByTestId('leading').waitFor();
    await until('the line under the control', async () => (await text(budi, 'auto-bid-active')).includes(formatPrice(4_100_000_000)));
    // Another bidder: each bid is answered by Budi's auto-bid before that bidder's ack.
    const joko = bidder('bot-joko');
    await joko.placeBid(4_025_000_000).done;
    await until('the answer on Joko’s client', async () => joko.getSnapshot().state?.currentPrice === 4_050_000_000);
    await until('the answer on Budi’s screen', async () => (await text(budi, 'current-bid')).includes(formatPrice(4_050_000_000)));
    expect(await budi.page.getByTestId('leading').count()).toBe(1);
    expect(await budi.page.getByTestId('bids').locator('.auto-tag').count()).toBe(2);
    await screenshot(budi.page, `${appName}-auction-5-auto-bid`);
    // Bidding Budi's maximum passes it: he cannot answer without going over.
    await joko.placeBid(4_100_000_000).done;
    await budi.page.getByTestId('auto-bid-passed').waitFor();
    await budi.page.getByTestId('outbid').waitFor();
    expect(await text(budi, 'auto-bid-passed')).toContain(formatPrice(4_100_000_000));
  });

  it('after the end: the winner, and no outbid banner or stale error', async () => {
    await begin({ auctionMs: 20_000, extendWithinMs: 1000, extendByMs: 1000, auctionGapMs: 60_000 });
    const budi = await open('buyer-1', '/p/p-1');
    const ani = await open('buyer-2', '/p/p-1');
    for (const person of [budi, ani]) await person.page.getByTestId('bid-min').waitFor();
    await budi.page.getByTestId('bid-min').click();
    await budi.page.getByTestId('leading').waitFor();
    await until('Ani sees Budi’s bid', async () => (await text(ani, 'bid-min')).includes(formatPrice(4_025_000_000)));
    await ani.page.getByTestId('bid-min').click();
    await budi.page.getByTestId('outbid').waitFor();
    // The moment the auction shows as ended, what else does Budi's widget say?
    const ended = await budi.page.waitForFunction(
      () => {
        const widget = document.querySelector('[data-testid="auction"][data-status="ended"]');
        if (!widget) return null;
        const has = (id: string) => widget.querySelector(`[data-testid="${id}"]`) !== null;
        return { winner: widget.querySelector('[data-testid="winner"]')?.textContent ?? '', outbid: has('outbid'), error: has('bid-error'), leading: has('leading'), bidButton: has('bid-min') };
      },
      undefined,
      { timeout: 40_000, polling: 50 },
    );
    const seen = (await ended.jsonValue())!;
    expect(seen).toMatchObject({ outbid: false, error: false, leading: false, bidButton: false });
    expect(seen.winner).toMatch(/Bidder 2/);
    expect(seen.winner).toContain(formatPrice(4_025_000_000));
    await screenshot(budi.page, `${appName}-auction-4-ended`);
  });

  it('the agent cannot bid on her own listing; the bid list shows whole rows', async () => {
    await begin();
    const agent = await open('agent-1', '/p/p-1');
    const budi = await open('buyer-1', '/p/p-1');
    await agent.page.getByTestId('countdown').waitFor();
    await budi.page.getByTestId('bid-min').waitFor();
    expect(await agent.page.getByTestId('bid-min').count()).toBe(0);
    expect(await text(agent, 'auction')).toMatch(/listing agent/i);

    const joko = bidder('bot-joko');
    const wati = bidder('bot-wati');
    await until('the bidders joined', () => joko.getSnapshot().state?.status === 'active' && wati.getSnapshot().state?.status === 'active');
    for (let i = 0; i < 8; i++) await (i % 2 ? wati : joko).placeBid(4_000_000_000 + i * 25_000_000).done;
    await until('eight bids on Budi’s page', async () => (await text(budi, 'current-bid')).includes(formatPrice(4_175_000_000)));
    // Every row the list shows is whole (none cut off by a scroll box).
    await budi.page.getByTestId('bids').scrollIntoViewIfNeeded();
    const rows = await budi.page.getByTestId('bids').locator('li').all();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(await notFullyVisible(row, { scroll: false })).toBeNull();
  });

  it('money reads the same on the card, the page and in the notification; times read 12:53', async () => {
    await begin();
    const buyer = await open('buyer-1', '/');
    await until('the card price', async () => (await text(buyer, 'card-price')).includes('5'));
    expect((await text(buyer, 'card-price')).trim()).toBe(formatPrice(5_500_000_000));
    await buyer.page.getByTestId('heart-p-1').first().click(); // watch it: price changes become notifications
    await buyer.page.getByTestId('card-p-1').locator('a').first().click();
    await until('the page price', async () => (await text(buyer, 'price')).trim() === formatPrice(5_500_000_000));
    await publishPrice(5_225_000_000);
    await buyer.page.getByTestId('unread').waitFor({ timeout: 20_000 });
    await buyer.page.getByTestId('bell').click();
    expect(await buyer.page.getByTestId('bell-menu').textContent()).toContain(`${formatPrice(5_500_000_000)} → ${formatPrice(5_225_000_000)}`);

    await buyer.page.getByTestId('bell').click();
    await buyer.page.getByTestId('chat-input').fill('What time is the open house?');
    await buyer.page.getByTestId('chat-send').click();
    const meta = await buyer.page.getByTestId('message').last().locator('.meta').textContent();
    expect(meta).toMatch(/\d{2}:\d{2}/);
    expect(meta).not.toMatch(/\d{2}\.\d{2}/);
  });

  it('the heart counts as a save today; the agent sets herself busy and buyers see it', async () => {
    await begin();
    const buyer = await open('buyer-1', '/p/p-1');
    const agent = await open('agent-1', '/inbox');
    await until('no saves yet', async () => (await text(buyer, 'viewers')).includes('0 saved today'));
    await buyer.page.getByTestId('heart-p-1').click();
    await until('one save today', async () => (await text(buyer, 'viewers')).includes('1 saved today'));

    await until('the agent online', async () => /online/i.test(await text(buyer, 'agent')));
    await agent.page.getByLabel('Your status').selectOption({ label: 'Busy for 30 minutes' });
    await until('the agent busy on the buyer’s page', async () => /busy/i.test(await text(buyer, 'agent')));
    expect(await text(buyer, 'agent')).toMatch(/back at \d{2}:\d{2}/i);
    await agent.page.getByLabel('Your status').selectOption({ label: 'Available' });
    await until('the agent available again', async () => /online/i.test(await text(buyer, 'agent')));
  });

  it('a notification about the chat open on screen is not counted as unread; an empty chat says so', async () => {
    await begin();
    const ani = await open('buyer-2', '/p/p-1');
    await ani.page.getByTestId('chat-input').waitFor();
    expect(await text(ani, 'chat-empty')).toMatch(/no messages yet/i);

    await server!.platform.notification.notify('buyer-2', {
      category: 'message', type: 'agent_reply', title: 'Sari replied', body: 'The open house is on Saturday at 10:00.', priority: 'instant', data: { conversationId: 'c-buyer-2' },
    });
    await ani.page.getByTestId('bell').click();
    await ani.page.getByTestId('bell-menu').getByText('Sari replied').waitFor();
    await until('the notification read', async () => (await ani.page.getByTestId('unread').count()) === 0);
    // A notification about something else stays unread.
    await server!.platform.notification.notify('buyer-2', { category: 'appointment', type: 'viewing_reminder', title: 'Viewing tomorrow', body: 'Rumah Kemang at 10:00', priority: 'instant' });
    await until('one unread', async () => (await text(ani, 'unread')) === '1');
  });

  it('an unknown ?user= is told so; the page has an icon (no /favicon.ico request)', async () => {
    await begin();
    const requests: string[] = [];
    const stranger = await open('zed', '/');
    stranger.page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await stranger.page.reload();
    await until('the message', async () => (await text(stranger, 'login-error')).includes('zed'));
    const icon = await stranger.page.locator('link[rel="icon"]').getAttribute('href');
    expect(icon).toBeTruthy();
    const type = icon!.startsWith('data:') ? icon!.slice(5).split(/[;,]/)[0] : await fetch(new URL(icon!, app.url)).then((response) => response.headers.get('content-type'));
    expect(type).toMatch(/^image\//);
    expect(requests).not.toContain('/favicon.ico');
  });
});
