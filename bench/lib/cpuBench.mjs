// The skeleton the paired CPU benches share (bench/chat-cpu.mjs, bench/broadcast-cpu.mjs): each
// build of the Sinyal server runs in a child process of its own (`server` role), with raw
// protocol clients in another (`clients` role), both forks of the bench's own file; the parent
// then drives rounds that alternate between the builds.
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { BENCH_LIMITS } from './benchLimits.mjs';
import { buildName } from './report.mjs';

/** `--name=value` arguments of the command line. */
export const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));

/** The role of this process: `server`, `clients`, or undefined for the parent. */
export const role = process.env.CPU_BENCH_ROLE;

/** The next message from a child. */
export const once = (child) => new Promise((resolve) => child.once('message', resolve));

/** The builds given with `--builds=DIR,DIR` (copies of packages/server/dist under node_modules/), or the workspace build. */
export function builds() {
  return args.builds ? String(args.builds).split(',') : [fileURLToPath(new URL('../../packages/server/dist', import.meta.url))];
}

/**
 * In a `server` child: the server of its build with the bench's limits, on 127.0.0.1. It answers
 * `{cmd: 'tokens', n}` with its URL and `n` tokens (users `<userPrefix>0…`), exits when the
 * parent goes away, and after 20 minutes in any case.
 */
export async function serveBuild({ secret, rooms, userPrefix }) {
  const { createServer, createDevToken } = await import(pathToFileURL(`${process.env.CPU_BENCH_DIST}/index.js`).href);
  const server = await createServer({ port: 0, host: '127.0.0.1', auth: { secret }, logger: null, rooms, limits: BENCH_LIMITS });
  setTimeout(() => process.exit(1), 20 * 60_000).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (m.cmd === 'tokens') process.send({ url: server.url, tokens: await Promise.all(Array.from({ length: m.n }, (_, i) => createDevToken(secret, `${userPrefix}${i}`, 3600))) });
  });
  return server;
}

/**
 * In a `clients` child: a raw Sinyal-protocol WebSocket (`ws`) for `token`, once it has joined
 * `room`; every later frame's text goes to `onFrame`.
 */
export function joinRaw(url, token, room, onFrame = () => {}) {
  const ws = new WebSocket(url, ['sinyal.v1', `sinyal.bearer.${Buffer.from(token).toString('base64url')}`], { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    let joined = false;
    ws.once('error', reject);
    ws.on('open', () => {
      ws.send('{"t":"hello","v":1}');
      ws.send(`{"t":"join","id":"j","room":"${room}"}`);
    });
    ws.on('message', (data) => {
      const text = String(data);
      if (joined) return onFrame(text);
      if (text.includes('"t":"joined"')) {
        joined = true;
        resolve(ws);
      }
    });
  });
}

/**
 * In the parent: for each build, a `server` child (with node flags `serverFlags`) and a
 * `clients` child of the bench file `self`, the clients told to open `n` connections with the
 * server's tokens (`{cmd: 'open', url, tokens}`, answered once they are open). The children
 * exit by themselves once disconnected ({@link stopBuilds}).
 */
export async function forkBuilds(self, n, { serverFlags = [] } = {}) {
  const runs = [];
  for (const dist of builds()) {
    const server = fork(self, [], { env: { ...process.env, CPU_BENCH_ROLE: 'server', CPU_BENCH_DIST: dist }, execArgv: [...process.execArgv, ...serverFlags] });
    await once(server);
    server.send({ cmd: 'tokens', n });
    const { url, tokens } = await once(server);
    const load = fork(self, [], { env: { ...process.env, CPU_BENCH_ROLE: 'clients' } });
    await once(load);
    load.send({ cmd: 'open', url, tokens });
    await once(load);
    runs.push({ name: buildName(dist), server, load });
  }
  return runs;
}

/** Lets the children of {@link forkBuilds} exit by themselves (so a `--cpu-prof` run writes their profiles). */
export function stopBuilds(runs) {
  for (const run of runs) {
    run.server.disconnect();
    run.load.disconnect();
  }
}

/** The median of `xs`. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
