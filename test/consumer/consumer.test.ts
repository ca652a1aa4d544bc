// The packages as a user gets them: `npm pack` of every package, the tarballs installed into
// apps created in a temporary folder outside the repository (no workspace, no aliases), and:
// - a Vite + React app and a Vite + Vue app made of the getting-started guides' code blocks
//   (docs/getting-started-{react,vue}.md, the blocks marked `file=…`), type-checked with the
//   strictest options (exactOptionalPropertyTypes…), built with Vite, and opened in Chromium
//   as two people against the `sinyal-server` CLI installed from the tarball (its dev token
//   endpoint, data seeded through its REST API as the guide does): a message sent by one is
//   received by the other, the price drop is shown, someone else's conversation shows the
//   guide's error state;
// - a plain Node ESM script and a CommonJS require() script: server and client exchange a message;
// - the client's /http, /tabs and /push entries in ESM and CJS scripts (a chat over HTTP; one core)
//   and type-checked (entries.ts);
// - the guide's server snippet type-checks; @sinyal/react's build keeps "use client".
// Skips with a message without Chromium or without the npm registry, except in CI (CI set).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packTarballs, root } from '../../scripts/packages.mjs';
import { CHROMIUM, launchBrowser, serveStatic, until, type Browsing } from '../e2e/harness';

const CI = Boolean(process.env.CI);
const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && !CI) {
  console.warn(`\n⚠️  consumer: SKIPPED — ${CHROMIUM} not found (apt-get install -y chromium). In CI (CI set) it runs and fails instead.\n`);
}

/** The child processes' environment: no npm_* variables of the `npm test` that runs us
 * (npm_config_local_prefix would point a child npm at this repository), and no
 * node_modules/.bin of this repository on the PATH. */
const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env)
    .filter(([key]) => !/^npm_/i.test(key) && key !== 'INIT_CWD' && key !== 'NODE_ENV' && !key.startsWith('VITEST') && key !== 'SINYAL_JWT_SECRET')
    .map(([key, value]) => [key, key === 'PATH' ? value?.split(delimiter).filter((dir) => !dir.startsWith(root)).join(delimiter) : value]),
);

interface Run {
  stdout: string;
  stderr: string;
}
function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: childEnv, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`), { stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

const timings: string[] = [];
async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** Versions the workspace is tested with (so the scratch apps mostly install from npm's cache). */
const installed = (name: string) => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The versions the workspace's lockfile holds for every registry package it has once (no
 * nested copies), as npm `overrides` for the scratch apps: they then install what the
 * workspace was tested with, and a registry that has a new release of one package but not
 * yet of the package it needs cannot break the install.
 */
function lockedVersions(): Record<string, string> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; link?: boolean }> };
  const seen = new Map<string, string | null>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0 || entry.link || !entry.version) continue;
    const name = path.slice(at + 'node_modules/'.length);
    if (name.startsWith('@sinyal/')) continue;
    seen.set(name, seen.has(name) && seen.get(name) !== entry.version ? null : entry.version);
  }
  return Object.fromEntries([...seen].filter((pair): pair is [string, string] => pair[1] !== null));
}

/** The guide's code blocks marked `file=<path>`, with the development server's address replaced. */
function guideFiles(guide: string, httpUrl: string): Record<string, string> {
  const text = readFileSync(join(root, 'docs', guide), 'utf8');
  const files: Record<string, string> = {};
  for (const match of text.matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm)) files[match[1]!] = match[2]!.replaceAll('http://127.0.0.1:8080', httpUrl);
  return files;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** `sinyal-server` as installed from the tarball, in development mode (--dev, no --secret). */
interface Cli {
  httpUrl: string;
  publishSecret: string;
  output: () => string;
  stop(): Promise<void>;
}
async function startCli(cwd: string): Promise<Cli> {
  const publishSecret = randomBytes(32).toString('hex'); // 32 bytes, as long as a production secret
  const child: ChildProcess = spawn(join(cwd, 'node_modules/.bin/sinyal-server'), ['--dev', '--port', '0', '--publish-secret', publishSecret, '--log-level', 'warn'], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const match = await until('sinyal-server to listen', () => /listening on ws:\/\/([\d.]+:\d+)\/ws/.exec(output) ?? (child.exitCode !== null ? Promise.reject(new Error(output)) : null), 30_000);
  return {
    httpUrl: `http://${match![1]}`,
    publishSecret,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function api(cli: Cli, method: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${cli.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${cli.publishSecret}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBe(200);
}

/** What docs/getting-started-react.md § 2 seeds with curl. */
async function seed(cli: Cli): Promise<void> {
  await api(cli, 'POST', '/api/conversations', { id: 'c-42', participants: ['buyer-7', 'agent-3'] });
  await api(cli, 'PUT', '/api/properties/p-42', { status: 'available', price: 5_500_000_000 });
}

describe.skipIf(chromiumMissing && !CI)('the packages installed from their tarballs, outside the workspace', () => {
  let work: string;
  let tarballs: Record<string, string>;
  let unavailable: string | undefined;
  const clis: Cli[] = [];
  let browsing: Browsing | undefined;
  const started = Date.now();

  const apps = {
    node: {
      dependencies: ['@sinyal/protocol', '@sinyal/client', '@sinyal/server'],
      registry: { ws: installed('ws') },
      dev: { typescript: installed('typescript'), '@types/node': installed('@types/node') },
    },
    react: {
      dependencies: ['@sinyal/protocol', '@sinyal/client', '@sinyal/react'],
      registry: { react: installed('react'), 'react-dom': installed('react-dom') },
      dev: { vite: installed('vite'), typescript: installed('typescript'), '@types/react': installed('@types/react'), '@types/react-dom': installed('@types/react-dom') },
    },
    vue: {
      dependencies: ['@sinyal/protocol', '@sinyal/client', '@sinyal/vue'],
      registry: { vue: installed('vue') },
      dev: { vite: installed('vite'), '@vitejs/plugin-vue': installed('@vitejs/plugin-vue'), typescript: installed('typescript'), 'vue-tsc': '^3.1.0' },
    },
  } as const;
  const appDir = (name: keyof typeof apps) => join(work, name);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sinyal-consumer-'));
    // The tarballs of the current sources (`build --if-stale` is quick when dist is fresh).
    await timed('build (if stale)', () => run(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], root));
    tarballs = await timed('npm pack ×5', async () => packTarballs(join(work, 'tarballs')));

    // Each app: its own package.json with the tarballs as `file:` dependencies, one install.
    const locked = lockedVersions();
    for (const [name, app] of Object.entries(apps)) {
      const dependencies = { ...Object.fromEntries(app.dependencies.map((pkg) => [pkg, `file:${tarballs[pkg]}`])), ...app.registry };
      mkdirSync(join(work, name), { recursive: true });
      // Overrides never name the app's own dependencies (npm refuses an override that differs from one).
      const own = new Set([...Object.keys(dependencies), ...Object.keys(app.dev)]);
      const overrides = Object.fromEntries(Object.entries(locked).filter(([pkg]) => !own.has(pkg)));
      writeFileSync(join(work, name, 'package.json'), `${JSON.stringify({ name: `sinyal-consumer-${name}`, private: true, type: 'module', dependencies, devDependencies: app.dev, overrides }, null, 2)}\n`);
      cpSync(join(root, 'test/consumer/apps', name), join(work, name), { recursive: true });
    }
    try {
      await timed('npm install ×3 (in parallel, --prefer-offline)', () =>
        Promise.all(Object.keys(apps).map((name) => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], join(work, name)))),
      );
    } catch (error) {
      const text = String((error as { stderr?: string }).stderr ?? error);
      if (!CI && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network/i.test(text)) {
        unavailable = 'the npm registry is unreachable';
        console.warn(`\n⚠️  consumer: SKIPPED — ${unavailable} (the scratch apps install vite, react, vue from it). In CI it runs and fails instead.\n`);
        return;
      }
      throw error;
    }

    // A development server per browser app (their chats stay apart), the data seeded.
    for (let i = 0; i < 2; i++) {
      const cli = await startCli(appDir('node'));
      clis.push(cli);
      await seed(cli);
    }
    writeFiles(appDir('react'), guideFiles('getting-started-react.md', clis[0]!.httpUrl));
    writeFiles(appDir('vue'), guideFiles('getting-started-vue.md', clis[1]!.httpUrl));
    writeFiles(appDir('node'), { 'server.ts': guideFiles('getting-started-react.md', '')['server.ts']! });
    const bin = (app: keyof typeof apps, tool: string) => join(appDir(app), 'node_modules/.bin', tool);
    await timed('type-check + vite build, React and Vue apps in parallel', () =>
      Promise.all([
        run(bin('react', 'tsc'), ['-p', 'tsconfig.json'], appDir('react')).then(() => run(bin('react', 'vite'), ['build', '--logLevel', 'warn'], appDir('react'))),
        run(bin('vue', 'vue-tsc'), ['-p', 'tsconfig.json'], appDir('vue')).then(() => run(bin('vue', 'vite'), ['build', '--logLevel', 'warn'], appDir('vue'))),
      ]),
    );
  }, 600_000);

  afterAll(async () => {
    await browsing?.close();
    for (const cli of clis) await cli.stop();
    if (work && !process.env.SINYAL_CONSUMER_KEEP) rmSync(work, { recursive: true, force: true });
    console.log(`consumer test: ${((Date.now() - started) / 1000).toFixed(0)} s in all (${timings.join('; ')})${work && process.env.SINYAL_CONSUMER_KEEP ? `; apps kept in ${work}` : ''}`);
  });

  it('the tarballs hold the built packages; @sinyal/react keeps "use client" in its ESM and CJS builds', async (ctx) => {
    if (unavailable) return ctx.skip();
    expect(Object.keys(tarballs).sort()).toEqual(['@sinyal/client', '@sinyal/protocol', '@sinyal/react', '@sinyal/server', '@sinyal/vue']);
    const react = join(appDir('react'), 'node_modules/@sinyal/react');
    for (const file of ['dist/index.js', 'dist/index.cjs']) expect(readFileSync(join(react, file), 'utf8').startsWith('"use client";'), file).toBe(true);
    // One copy of the client: the adapter takes it as a peer, not as a dependency of its own.
    expect(existsSync(join(react, 'node_modules/@sinyal/client'))).toBe(false);
    expect(existsSync(join(appDir('vue'), 'node_modules/@sinyal/vue/node_modules/@sinyal/client'))).toBe(false);
  });

  it.for([
    { script: 'esm.mjs', module: 'esm', text: 'Halo dari ESM' },
    { script: 'cjs.cjs', module: 'cjs', text: 'Halo dari CommonJS' },
  ])('a plain Node script ($script): server and clients from the packages exchange a message', async ({ script, module, text }, ctx) => {
    if (unavailable) return ctx.skip();
    const { stdout } = await run(process.execPath, [script], appDir('node'), 60_000);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ module, message: { text, seq: 1 }, status: 'acked', protocol: 1, code: 'bad_request', parsed: true });
  });

  it.for([
    { script: 'entries.mjs', module: 'esm' },
    { script: 'entries.cjs', module: 'cjs' },
  ])('the client\'s other entry points ($script): /http carries a chat over HTTP, /tabs and /push share the core', async ({ script, module }, ctx) => {
    if (unavailable) return ctx.skip();
    const { stdout } = await run(process.execPath, [script], appDir('node'), 60_000);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      module,
      message: { text: 'Halo lewat HTTP', seq: 1 },
      viaFallback: 'Halo lewat HTTP',
      status: 'acked',
      httpConnections: 1, // bob's (HTTP only); carol's fallback opened a WebSocket, which worked
      role: 'alone', // Node has no Web Locks: a shared client keeps a connection of its own
      oneCore: true,
      pushStatus: 'unsupported',
    });
  });

  it("the guide's server snippet and the client's entry points type-check (strict, exactOptionalPropertyTypes)", async (ctx) => {
    if (unavailable) return ctx.skip();
    await run(join(appDir('node'), 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], appDir('node'));
  });

  it.for([
    { app: 'react' as const, cli: 0 },
    { app: 'vue' as const, cli: 1 },
  ])("the $app guide's app, built: two people chat in Chromium, the price drop shows, a stranger gets the error state", async ({ app, cli: index }, ctx) => {
    if (unavailable) return ctx.skip();
    const cli = clis[index]!;
    const site = await serveStatic(join(appDir(app), 'dist'));
    browsing ??= await launchBrowser();
    const browser: Browser = browsing.browser;
    const errors: string[] = [];
    const open = async (user: string): Promise<Page> => {
      const page = await (await browser.newContext()).newPage();
      page.on('pageerror', (error) => errors.push(`${user}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) errors.push(`${user}: ${message.text()}`);
      });
      await page.goto(`${site.url}/?user=${user}`);
      return page;
    };
    try {
      await timed(`${app}: chat in Chromium`, async () => {
        const buyer = await open('buyer-7');
        const agent = await open('agent-3');
        for (const page of [buyer, agent]) {
          await page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: 20_000 });
          await page.getByText('No messages yet — say hello.').waitFor();
          await page.getByText(/Rp 5\.500\.000\.000 · 👀 \d viewing/).waitFor();
        }
        const text = `Halo, rumahnya masih ada? (${app})`;
        await buyer.getByRole('textbox', { name: 'Message' }).fill(text);
        await buyer.getByRole('textbox', { name: 'Message' }).press('Enter');
        await agent.locator('li', { hasText: text }).waitFor({ timeout: 20_000 });
        // The agent has it on screen: the buyer sees it read.
        await until('the read receipt', async () => (await buyer.locator('li', { hasText: text }).locator('small').textContent()) === 'read');

        await api(cli, 'POST', '/api/properties/p-42/events', { type: 'price_updated', newPrice: 5_000_000_000 });
        for (const page of [buyer, agent]) await page.getByText('▼ 9.1%').waitFor({ timeout: 20_000 });

        const stranger = await open('stranger-1');
        await stranger.getByText('Chat unavailable: not allowed to join chat:c-42').waitFor({ timeout: 20_000 });
        await stranger.getByText(/Rp 5\.000\.000\.000/).waitFor();
      });
      expect(errors).toEqual([]);
    } finally {
      await site.close();
    }
  });
});
