// Browser end-to-end harness: Debian's Chromium driven by playwright-core, the BUILT example
// app served by a tiny static server on 127.0.0.1, and the example server (every feature)
// on loopback, in this process so a test can restart it with its state kept.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startExampleServer, type ExampleServer, type ExampleServerOptions } from '../../examples/server/exampleServer.mjs';

export const CHROMIUM = process.env.SINYAL_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const outputDir = join(repoRoot, 'test-output');

/** Skip (loudly) without Chromium, except in CI, where a missing browser must fail. */
export function e2eEnabled(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) return true; // run, and fail at launch with a clear message
  console.warn(
    `\n⚠️  e2e: SKIPPED — ${CHROMIUM} not found. Install it with: apt-get update && apt-get install -y chromium\n` +
      `   (in CI, where CI is set, the e2e tests run and fail instead of skipping)\n`,
  );
  return false;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browsing {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browsing> {
  if (!existsSync(CHROMIUM)) throw new Error(`e2e: ${CHROMIUM} is missing (apt-get install -y chromium); CI must install it (.ci/run does)`);
  // launch() starts Chromium with a fresh, empty temporary --user-data-dir of its own
  // (and deletes it on close); it refuses the flag in `args`.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Serves a built app (`dist/`) on 127.0.0.1; unknown paths get index.html. */
export async function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(dir);
  const server: Server = createHttpServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** The example server without bots (tests play every part), on a free port. */
export function startServer(options: ExampleServerOptions = {}): Promise<ExampleServer> {
  return startExampleServer({ port: 0, bots: false, log: null, auctionMs: 10 * 60_000, ...options });
}

/** A person: their own browser context (cookies, storage, network) and page. */
export interface Person {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

export async function openAs(browser: Browser, appUrl: string, server: ExampleServer, user: string, hash: string, viewport = { width: 1180, height: 860 }): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket connection/.test(message.text())) errors.push(message.text());
  });
  await page.goto(`${appUrl}/?user=${user}&server=${encodeURIComponent(server.httpUrl)}#${hash}`);
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(outputDir, { recursive: true });
  const path = join(outputDir, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0)); // else a sticky header lands mid-page in a full-page capture
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Polls `check` until it returns true (or a value); throws with `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The texts of the chat messages on a page, with their status. */
export async function chatMessages(page: Page): Promise<Array<{ text: string; status: string; mine: boolean }>> {
  return page.getByTestId('message').evaluateAll((nodes) =>
    nodes.map((node) => ({
      text: node.querySelector('.text')?.textContent ?? '',
      status: node.getAttribute('data-status') ?? '',
      mine: node.getAttribute('data-mine') === 'true',
    })),
  );
}

/** Accessibility violations of impact `serious` or `critical` on the page (axe-core rules), as readable lines. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.impact} ${violation.id}: ${violation.help} — ${node.target.join(' ')}`));
}

/** How far the page is wider than the viewport (0 = no horizontal scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth);
}

/**
 * Why `locator` is not fully visible, or `null` when it is: scrolled into view (unless
 * `scroll: false`), its whole box inside the viewport and inside every ancestor that clips
 * (overflow other than visible).
 */
export async function notFullyVisible(locator: Locator, { scroll = true } = {}): Promise<string | null> {
  if (scroll) await locator.scrollIntoViewIfNeeded();
  return locator.evaluate((element) => {
    const box = element.getBoundingClientRect();
    const name = `${element.tagName.toLowerCase()}[${element.getAttribute('data-testid') ?? element.className}]`;
    if (box.width === 0 || box.height === 0) return `${name} has no size`;
    const outside = (outer: { left: number; top: number; right: number; bottom: number }) =>
      box.left < outer.left - 0.5 || box.top < outer.top - 0.5 || box.right > outer.right + 0.5 || box.bottom > outer.bottom + 0.5;
    // Horizontally against the page's width (scrolling sideways to reach it does not count).
    const width = document.documentElement.clientWidth;
    const left = box.left + window.scrollX;
    if (left < -0.5 || left + box.width > width + 0.5) return `${name} (${Math.round(left)}–${Math.round(left + box.width)} px) sticks out of the ${width} px page`;
    if (box.top < -0.5 || box.bottom > window.innerHeight + 0.5) return `${name} does not fit in the ${window.innerHeight} px high viewport`;
    for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const clip = parent.getBoundingClientRect();
      if (outside({ left: clip.left + parent.clientLeft, top: clip.top + parent.clientTop, right: clip.left + parent.clientLeft + parent.clientWidth, bottom: clip.top + parent.clientTop + parent.clientHeight }))
        return `${name} is cut off by ${parent.tagName.toLowerCase()}.${parent.className}`;
    }
    return null;
  });
}

/** The visible text of the page outside chat messages and outside elements marked `lang="id"` (listing data). */
export function uiText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('[data-testid="message"] .text, [lang="id"], script, style')) continue;
      if (!parent.checkVisibility?.() && parent.offsetParent === null) continue;
      parts.push(node.textContent ?? '');
    }
    return parts.join(' ').replace(/\s+/g, ' ');
  });
}
