// Every screen of both example apps at phone, tablet and desktop widths: no horizontal
// scrolling, the controls a buyer needs fully visible, no serious or critical accessibility
// violation (axe-core, at each layout), icons that need no emoji font, one UI language,
// visible keyboard focus. Screenshots of each screen at 390 and 1280 px go to
// test-output/<app>-screen-*.png.
import { join } from 'node:path';
import { auctionStore, chatStore, createClient, type ClientOptions, type SinyalClient } from '@sinyal/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ExampleServer } from '../../examples/server/exampleServer.mjs';
import {
  e2eEnabled,
  horizontalOverflow,
  launchBrowser,
  notFullyVisible,
  openAs,
  repoRoot,
  screenshot,
  seriousAxeViolations,
  serveStatic,
  startServer,
  uiText,
  until,
  type Browsing,
  type Person,
} from './harness';

const enabled = e2eEnabled();
const WIDTHS = [360, 390, 768, 1280];
const SCREENSHOT_WIDTHS = new Set([390, 1280]);
/** axe-core at each layout the styles have (phone, tablet, desktop); 360 px gets the same CSS rules as 390 px. */
const AXE_WIDTHS = new Set([390, 768, 1280]);
/** Words of Indonesian UI chrome that must not appear in the English UI (listing data is marked lang="id"). */
const INDONESIAN_UI = /\b(dijual|kamar|tidur|membalas|orang|sedang|melihat|hari ini|minggu ini|KT|jt|lelang|tawaran|masuk|kirim|tulis)\b/i;

interface Screen {
  name: string;
  /** Where it is (a hash route, reached without reloading when the person is already signed in). */
  hash: string;
  /** Waits until the screen shows its content. */
  ready: (person: Person) => Promise<unknown>;
  /** Test ids that must be fully visible (scrolled to, inside the viewport, not cut off). */
  visible: string[];
  /** Something to do before checking (open a menu). */
  act?: (person: Person) => Promise<unknown>;
}

/** Each person's screens, visited in one page (hash navigation), as they would click through. */
const SESSIONS: Array<{ user: string; screens: Screen[] }> = [
  { user: '', screens: [{ name: 'login', hash: '/', ready: (p) => p.page.getByRole('heading', { level: 1 }).waitFor(), visible: [] }] },
  {
    user: 'buyer-1',
    screens: [
      { name: 'listings', hash: '/', ready: (p) => p.page.getByTestId('card-p-3').waitFor(), visible: ['heart-p-1'] },
      { name: 'property-buyer', hash: '/p/p-1', ready: (p) => p.page.getByTestId('bid-min').waitFor(), visible: ['bid-min', 'bid-custom', 'countdown', 'chat-input', 'chat-send'] },
      { name: 'notifications', hash: '/p/p-1', ready: (p) => p.page.getByTestId('unread').waitFor(), act: (p) => p.page.getByTestId('bell').click(), visible: ['bell-menu'] },
    ],
  },
  {
    user: 'agent-1',
    screens: [
      { name: 'property-agent', hash: '/p/p-1', ready: (p) => p.page.getByTestId('countdown').waitFor(), visible: ['countdown'] },
      { name: 'inbox', hash: '/inbox', ready: (p) => p.page.getByTestId('conversation-c-buyer-1').waitFor(), visible: ['conversation-c-buyer-1'] },
      { name: 'chat-agent', hash: '/chat/c-buyer-1', ready: (p) => p.page.getByTestId('message').first().waitFor(), visible: ['chat-input', 'chat-send'] },
    ],
  },
];

describe.skipIf(!enabled).each([
  { app: 'react-property', name: 'React' },
  { app: 'vue-property', name: 'Vue' },
])('$name example, every screen', ({ app: appName }) => {
  let browsing: Browsing;
  let app: { url: string; close(): Promise<void> };
  let server: ExampleServer;
  const clients: SinyalClient[] = [];

  beforeAll(async () => {
    app = await serveStatic(join(repoRoot, `examples/${appName}/dist`));
    browsing = await launchBrowser();
    server = await startServer();
    // Something on every screen: a conversation, bids, a notification.
    const person = (userId: string) => {
      const client = createClient({ url: server.url, token: () => server.token(userId), WebSocket: WebSocket as unknown as NonNullable<ClientOptions['WebSocket']>, onError: () => {} });
      clients.push(client);
      return client;
    };
    const budi = chatStore(person('buyer-1'), 'c-buyer-1');
    const sari = chatStore(person('agent-1'), 'c-buyer-1');
    for (const store of [budi, sari]) store.subscribe(() => {});
    await until('the conversation', () => budi.getSnapshot().status === 'ready' && sari.getSnapshot().status === 'ready');
    const say = async (store: typeof budi, text: string) => {
      store.send(text);
      await until(`"${text}" stored`, () => store.getSnapshot().messages.some((m) => m.text === text && m.id !== undefined));
    };
    await say(budi, 'Good afternoon, is the house in Kemang still available?');
    await say(sari, 'It is! There is an open house on Saturday at 10:00. Shall I put you on the list?');
    await say(budi, 'Yes please, for two people.');
    const auctionId = server.catalog().properties.find((p) => p.id === 'p-1')!.auctionId!;
    const bidders = ['buyer-2', 'bot-joko'].map((id) => auctionStore(person(id), auctionId));
    for (const store of bidders) store.subscribe(() => {});
    await until('the bidders', () => bidders.every((store) => store.getSnapshot().state?.status === 'active'));
    for (let i = 0; i < 3; i++) await bidders[i % 2]!.placeBid(4_000_000_000 + i * 25_000_000).done;
    await server.platform.notification.notify('buyer-1', {
      category: 'appointment', type: 'viewing_reminder', title: 'Open house on Saturday', body: 'Rumah Kemang, 10:00–12:00', priority: 'instant',
    });
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await server?.close();
    await browsing?.close();
    await app?.close();
  });

  it.each(WIDTHS)('at %i px: fits, shows its controls whole, one language, no emoji font (axe-core at 390, 768 and 1280 px)', async (width) => {
    const problems: string[] = [];
    for (const session of SESSIONS) {
      const person = await openAs(browsing.browser, app.url, server, session.user, session.screens[0]!.hash, { width, height: width < 768 ? 800 : 900 });
      try {
        for (const screen of session.screens) {
          if (screen !== session.screens[0]) await person.page.evaluate((hash) => void (location.hash = hash), screen.hash);
          await screen.ready(person);
          await screen.act?.(person);
          const where = `${screen.name} at ${width} px`;
          const overflow = await horizontalOverflow(person.page);
          if (overflow > 0) problems.push(`${where}: ${overflow} px of horizontal scrolling`);
          for (const id of screen.visible) {
            const problem = await notFullyVisible(person.page.getByTestId(id).first());
            if (problem) problems.push(`${where}: ${problem}`);
          }
          if (SCREENSHOT_WIDTHS.has(width)) await screenshot(person.page, `${appName}-screen-${screen.name}-${width}`);
          if (AXE_WIDTHS.has(width)) for (const violation of await seriousAxeViolations(person.page)) problems.push(`${where}: ${violation}`);
          const text = await uiText(person.page);
          const emoji = text.match(/\p{Extended_Pictographic}/gu);
          if (emoji) problems.push(`${where}: emoji in the UI: ${[...new Set(emoji)].join(' ')}`);
          const indonesian = text.match(INDONESIAN_UI);
          if (indonesian) problems.push(`${where}: Indonesian UI text "${indonesian[0]}" in an English UI`);
        }
        if (person.errors.length) problems.push(`${session.user || 'sign-in'} at ${width} px: errors in the page: ${person.errors.join('; ')}`);
      } finally {
        await person.context.close();
      }
    }
    expect(problems).toEqual([]);
  });

  it('keyboard focus is clearly visible', async () => {
    const person = await openAs(browsing.browser, app.url, server, 'buyer-1', '/p/p-1', { width: 390, height: 800 });
    try {
      await person.page.getByTestId('bid-min').waitFor();
      const outlines: string[] = [];
      for (let i = 0; i < 6; i++) {
        await person.page.keyboard.press('Tab');
        outlines.push(
          await person.page.evaluate(() => {
            const element = document.activeElement as HTMLElement;
            const style = getComputedStyle(element);
            return `${element.tagName.toLowerCase()}: ${style.outlineStyle} ${style.outlineWidth}`;
          }),
        );
      }
      for (const outline of outlines) expect(outline).toMatch(/: (solid|double|dashed) ([2-9]|\d{2})(\.\d+)?px$/);
    } finally {
      await person.context.close();
    }
  });
});
