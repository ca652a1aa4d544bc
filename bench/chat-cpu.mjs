#!/usr/bin/env node
// Server CPU time per chat message, for one or more builds of the Sinyal server, measured in
// rounds that alternate between the builds (paired samples: a disturbance on a shared machine
// hits every build of the round alike). Each build runs in its own process with `clients` raw
// ws clients (in another process) in two-person rooms; a round has the clients send `messages`
// `publish` commands at `rate` a second (each acknowledged to its sender and delivered to both
// members, as in `npm run bench`'s chat scenario) and reads the server's process.cpuUsage()
// from the first send to the last delivery. Reports the median µs per message, split into user
// space (JS, GC) and the kernel (socket reads and writes): what a change to the server's
// command path can move is mostly the first. Also the heap bytes the server allocated per
// message (from v8.GCProfiler: the heap's growth between collections), which moves far less
// from round to round than CPU time on a shared machine.
//
//   node bench/chat-cpu.mjs [--builds=DIR,DIR] [--clients=400] [--rounds=10] [--messages=4000] [--rate=2000]
//
// DIR is a copy of packages/server/dist placed under node_modules/ (so that its imports resolve);
// the default is the workspace build (packages/server/dist).
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_LIMITS } from './lib/benchLimits.mjs';
import { buildName } from './lib/report.mjs';

const SECRET = 'chat-cpu-bench-secret-0123456789abcdef';
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const self = fileURLToPath(import.meta.url);
const once = (child) => new Promise((resolve) => child.once('message', resolve));

if (process.env.CHAT_CPU_ROLE === 'server') {
  const { createServer, createDevToken } = await import(pathToFileURL(`${process.env.CHAT_CPU_DIST}/index.js`).href);
  // The options of bench/servers/sinyal.mjs.
  const server = await createServer({
    port: 0,
    host: '127.0.0.1',
    auth: { secret: SECRET },
    logger: null,
    rooms: { bench: { publish: ['bench:msg'], history: 100 } },
    limits: BENCH_LIMITS,
  });
  const watchdog = setTimeout(() => process.exit(1), 20 * 60_000);
  watchdog.unref();
  process.on('disconnect', () => process.exit(0));
  const { GCProfiler, getHeapStatistics } = await import('node:v8');
  // CHAT_CPU_HEAP_SAMPLE=FILE: sample every allocation (also of objects already collected)
  // between the marks and write the bytes by allocating function, the largest first.
  const inspector = process.env.CHAT_CPU_HEAP_SAMPLE ? new (await import('node:inspector')).Session() : undefined;
  inspector?.connect();
  const heapSampling = (method, params = {}) => new Promise((resolve, reject) => inspector.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  const writeHeapSample = async (file, profile) => {
    const bySite = new Map();
    const walk = (node, stack) => {
      const frame = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
      const self = node.selfSize;
      if (self > 0) bySite.set(frame, (bySite.get(frame) ?? 0) + self);
      for (const child of node.children) walk(child, [...stack, frame]);
    };
    walk(profile.head, []);
    const total = [...bySite.values()].reduce((a, b) => a + b, 0);
    const rows = [...bySite].sort((a, b) => b[1] - a[1]).map(([site, bytes]) => `${((100 * bytes) / total).toFixed(1).padStart(5)} %  ${site}`);
    (await import('node:fs')).writeFileSync(file, rows.join('\n') + '\n');
  };
  let mark;
  let gcProfiler;
  let usedAtMark;
  process.on('message', async (m) => {
    if (m.cmd === 'tokens') process.send({ url: server.url, tokens: await Promise.all(Array.from({ length: m.n }, (_, i) => createDevToken(SECRET, `c${i}`, 3600))) });
    if (m.cmd === 'mark') {
      if (process.env.CHAT_CPU_HEAP_SAMPLE) {
        // CHAT_CPU_HEAP_SAMPLE_LIVE=1: only what is still alive at the end (what the messages left behind).
        const all = !process.env.CHAT_CPU_HEAP_SAMPLE_LIVE;
        await heapSampling('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: all, includeObjectsCollectedByMinorGC: all });
      }
      gcProfiler = new GCProfiler();
      gcProfiler.start();
      usedAtMark = getHeapStatistics().used_heap_size;
      mark = process.cpuUsage();
      process.send({ marked: true });
    }
    if (m.cmd === 'read') {
      const c = process.cpuUsage(mark);
      // Bytes allocated since the mark: heap growth between collections, plus what each collection freed.
      const { statistics } = gcProfiler.stop();
      let allocated = 0;
      let after = usedAtMark;
      for (const gc of statistics) {
        allocated += gc.beforeGC.heapStatistics.usedHeapSize - after;
        after = gc.afterGC.heapStatistics.usedHeapSize;
      }
      allocated += getHeapStatistics().used_heap_size - after;
      if (process.env.CHAT_CPU_HEAP_SAMPLE) await writeHeapSample(process.env.CHAT_CPU_HEAP_SAMPLE, (await heapSampling('HeapProfiler.stopSampling')).profile);
      process.send({ userUs: c.user, systemUs: c.system, allocated, collections: statistics.length });
    }
  });
  process.send({ ready: true });
} else if (process.env.CHAT_CPU_ROLE === 'clients') {
  const { default: WebSocket } = await import('ws');
  process.on('disconnect', () => process.exit(0));
  const clients = [];
  let received = 0;
  let ids = 0;
  const payload = JSON.stringify({ text: 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing this weekend?' });
  process.on('message', async (m) => {
    if (m.cmd === 'open') {
      for (const [i, tok] of m.tokens.entries()) {
        const ws = new WebSocket(m.url, ['sinyal.v1', `sinyal.bearer.${Buffer.from(tok).toString('base64url')}`], { perMessageDeflate: false });
        const room = `bench:p${i >> 1}`;
        await new Promise((resolve, reject) => {
          ws.once('error', reject);
          ws.on('open', () => {
            ws.send('{"t":"hello","v":1}');
            ws.send(`{"t":"join","id":"j","room":"${room}"}`);
          });
          ws.on('message', (data) => {
            const text = String(data);
            if (text.includes('"t":"joined"')) resolve();
            else if (text.includes('"t":"event"') || text.includes('"t":"ack"')) received++;
          });
        });
        clients.push({ ws, room });
      }
      process.send({ opened: clients.length });
    }
    if (m.cmd === 'send') {
      // Each message: its ack and its event to both members.
      const expected = received + 3 * m.messages;
      const perTick = Math.max(1, Math.round((m.rate * 5) / 1000));
      let sent = 0;
      await new Promise((resolve) => {
        const timer = setInterval(() => {
          for (let k = 0; k < perTick && sent < m.messages; k++, sent++) {
            const c = clients[(sent * 7919) % clients.length];
            c.ws.send(`{"t":"cmd","id":"m${++ids}","name":"publish","room":"${c.room}","data":{"event":"bench:msg","data":${payload}}}`);
          }
          if (sent >= m.messages) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      const deadline = Date.now() + 30_000;
      while (received < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      process.send({ complete: received >= expected });
    }
  });
  process.send({ ready: true });
} else {
  const n = Number(args.clients ?? 400);
  const rounds = Number(args.rounds ?? 10);
  const messages = Number(args.messages ?? 4000);
  const rate = Number(args.rate ?? 2000);
  if (n % 2) throw new TypeError('--clients must be even (two-person rooms)');
  const builds = args.builds ? String(args.builds).split(',') : [fileURLToPath(new URL('../packages/server/dist', import.meta.url))];
  const runs = [];
  for (const dist of builds) {
    // CHAT_CPU_SERVER_FLAGS: node flags of the server processes only (e.g. --trace-gc).
    const serverFlags = process.env.CHAT_CPU_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
    const server = fork(self, [], { env: { ...process.env, CHAT_CPU_ROLE: 'server', CHAT_CPU_DIST: dist }, execArgv: [...process.execArgv, ...serverFlags] });
    await once(server);
    server.send({ cmd: 'tokens', n });
    const { url, tokens } = await once(server);
    const load = fork(self, [], { env: { ...process.env, CHAT_CPU_ROLE: 'clients' } });
    await once(load);
    load.send({ cmd: 'open', url, tokens });
    await once(load);
    runs.push({ name: buildName(dist), server, load, user: [], system: [], allocated: [] });
  }
  // A warm-up round per build, not counted: the JIT and the first growth of the server's maps.
  for (let r = -1; r < rounds; r++) {
    for (const run of r % 2 ? [...runs].reverse() : runs) {
      run.server.send({ cmd: 'mark' });
      await once(run.server);
      run.load.send({ cmd: 'send', messages, rate });
      const { complete } = await once(run.load);
      run.server.send({ cmd: 'read' });
      const { userUs, systemUs, allocated } = await once(run.server);
      if (!complete) throw new Error(`${run.name}: not every ack and event arrived within 30 s`);
      if (r < 0) continue;
      run.user.push(userUs / messages);
      run.system.push(systemUs / messages);
      run.allocated.push(allocated / messages);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const range = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
  console.log(`chat CPU: ${n} clients in ${n / 2} two-person rooms, ${rounds} rounds × ${messages} messages at ${rate}/s, builds alternating`);
  for (const run of runs) {
    const total = run.user.map((u, i) => u + run.system[i]);
    console.log(`${run.name.padEnd(24)} ${median(total).toFixed(1)} µs/message [${range(total)}]: user ${median(run.user).toFixed(1)} [${range(run.user)}], kernel ${median(run.system).toFixed(1)} [${range(run.system)}]; heap allocated ${(median(run.allocated) / 1024).toFixed(2)} KB/message [${range(run.allocated.map((b) => b / 1024))}]`);
  }
  // Paired: each round's ratio to the first build (the same minute of the machine), then the median.
  for (const run of runs.slice(1)) {
    const ratios = run.user.map((u, i) => u / runs[0].user[i]);
    const totals = run.user.map((u, i) => (u + run.system[i]) / (runs[0].user[i] + runs[0].system[i]));
    console.log(`${run.name} ÷ ${runs[0].name}, paired by round: user ${median(ratios).toFixed(3)}× [${range(ratios.map((x) => x * 1000)).replace(/[\d.]+/g, (v) => (Number(v) / 1000).toFixed(3))}], total ${median(totals).toFixed(3)}×`);
  }
  // Disconnected rather than killed, so that they exit by themselves (and a `--cpu-prof` run writes its profiles).
  for (const run of runs) {
    run.server.disconnect();
    run.load.disconnect();
  }
}
