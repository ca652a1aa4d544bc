#!/usr/bin/env node
// Server CPU time per broadcast delivery, for one or more builds of the Sinyal server, measured
// in rounds that alternate between the builds (paired samples: a disturbance on a shared machine
// hits every build of the round alike). Each build runs in its own process with `members` raw
// ws clients (in another process, reading and discarding) joined to one room; a round publishes
// `publishes` events server-side, one per event-loop turn (nothing to merge across publishes),
// and reads the server's process.cpuUsage() around it. Reports the median µs per delivery and
// the share of it spent in user space (JS) vs the kernel (socket writes).
//
//   node bench/broadcast-cpu.mjs [--builds=DIR,DIR] [--members=500] [--rounds=8] [--publishes=200]
//
// DIR is a copy of packages/server/dist placed under node_modules/ (so that its imports resolve);
// the default is the workspace build (packages/server/dist).
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_LIMITS } from './lib/benchLimits.mjs';

const SECRET = 'broadcast-cpu-bench-secret-0123456789';
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const self = fileURLToPath(import.meta.url);
const once = (child) => new Promise((resolve) => child.once('message', resolve));

if (process.env.BROADCAST_CPU_ROLE === 'server') {
  const { createServer, createDevToken } = await import(pathToFileURL(`${process.env.BROADCAST_CPU_DIST}/index.js`).href);
  const server = await createServer({
    port: 0,
    auth: { secret: SECRET },
    logger: null,
    rooms: { bench: { history: 100 } },
    limits: BENCH_LIMITS,
  });
  const watchdog = setTimeout(() => process.exit(1), 20 * 60_000);
  watchdog.unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (m.cmd === 'tokens') process.send({ url: server.url, tokens: await Promise.all(Array.from({ length: m.n }, (_, i) => createDevToken(SECRET, `m${i}`, 3600))) });
    if (m.cmd === 'round') {
      const c0 = process.cpuUsage();
      for (let i = 0; i < m.publishes; i++) {
        await server.publish('bench:room', 'bench:msg', { i, text: 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing?' });
        await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const c = process.cpuUsage(c0);
      process.send({ userUs: c.user, systemUs: c.system });
    }
    if (m.cmd === 'exit') process.exit(0);
  });
  process.send({ ready: true });
} else if (process.env.BROADCAST_CPU_ROLE === 'members') {
  const { default: WebSocket } = await import('ws');
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (m.cmd !== 'open') return process.exit(0);
    for (const tok of m.tokens) {
      const ws = new WebSocket(m.url, ['sinyal.v1', `sinyal.bearer.${Buffer.from(tok).toString('base64url')}`], { perMessageDeflate: false });
      await new Promise((resolve, reject) => {
        ws.once('error', reject);
        ws.on('open', () => {
          ws.send('{"t":"hello","v":1}');
          ws.send('{"t":"join","id":"j","room":"bench:room"}');
        });
        ws.on('message', (data) => String(data).includes('"t":"joined"') && resolve());
      });
    }
    process.send({ opened: m.tokens.length });
  });
  process.send({ ready: true });
} else {
  const members = Number(args.members ?? 500);
  const rounds = Number(args.rounds ?? 8);
  const publishes = Number(args.publishes ?? 200);
  const builds = args.builds ? String(args.builds).split(',') : [fileURLToPath(new URL('../packages/server/dist', import.meta.url))];
  const runs = [];
  for (const dist of builds) {
    const server = fork(self, [], { env: { ...process.env, BROADCAST_CPU_ROLE: 'server', BROADCAST_CPU_DIST: dist } });
    await once(server);
    server.send({ cmd: 'tokens', n: members });
    const { url, tokens } = await once(server);
    const load = fork(self, [], { env: { ...process.env, BROADCAST_CPU_ROLE: 'members' } });
    await once(load);
    load.send({ cmd: 'open', url, tokens });
    await once(load);
    runs.push({ name: dist.split('/').filter(Boolean).pop(), server, load, perDelivery: [], user: 0, system: 0 });
  }
  for (let r = 0; r < rounds; r++) {
    for (const run of r % 2 ? [...runs].reverse() : runs) {
      run.server.send({ cmd: 'round', publishes });
      const { userUs, systemUs } = await once(run.server);
      run.perDelivery.push((userUs + systemUs) / (publishes * members));
      run.user += userUs;
      run.system += systemUs;
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`broadcast CPU: ${members} members, ${rounds} rounds × ${publishes} publishes (one per loop turn)`);
  for (const run of runs) {
    const m = median(run.perDelivery);
    const userShare = run.user / (run.user + run.system);
    console.log(`${run.name.padEnd(24)} ${m.toFixed(2)} µs/delivery (median; user ${(m * userShare).toFixed(2)}, kernel ${(m * (1 - userShare)).toFixed(2)}); rounds: ${run.perDelivery.map((x) => x.toFixed(2)).join(' ')}`);
  }
  for (const run of runs) {
    run.server.kill();
    run.load.kill();
  }
}
