#!/usr/bin/env node
// Sinyal benchmark suite: `npm run bench` (full, sized for ≤ 15 min on 2 cores) or `npm run bench -- --quick` (~1–2 min).
// Servers (Sinyal batched, Sinyal unbatched, socket.io 4, raw ws) each run in their own child
// process, the load in another; everything on 127.0.0.1, ephemeral ports, a fresh server +
// load process per scenario × server × repeat. Within each repeat the servers run one after
// the other in a rotated order, so that no server always runs first (or last) on a machine
// whose background load drifts; every figure is reported as median [min–max] over the repeats.
// The rates are a fixed ladder: every server runs every step; nothing is chosen per server.
// Then `node bench/report-md.mjs` writes the tables into docs/performance.md.
// Flags (`npm run bench -- --help` prints this):
//   --quick                       small sizes, to validate the suite
//   --repeat=N                    repeats (default 3; --quick 1)
//   --only=size,decode,fanout,chat,connections,storm
//   --servers=sinyal,sinyal-unbatched,socketio,ws
//   --fanout-rates=R,R,…  --chat-rates=R,R,…   override a ladder (msg/s)
//   --warmup-ms=N --step-ms=N     warm-up and measured time of each step
//   --prewarm-ms=N                the code's warm-up before a ladder's first step (default 2000; 0: none),
//                                 followed by a full GC of the server (every server alike)
//   --subscribers=N --chat-clients=N --connections=N --storm-clients=N   override sizes
//   --publishers=N                fan-out: N members publish in turn (default 1), e.g. a busy room
//   --cpu-prof                    --cpu-prof the Sinyal server child during fan-out / chat / connections (use with --only=)
//   BENCH_SERVER_FLAGS='…'        (environment) node options of the server processes, e.g. V8's GC trace
//                                 to see what a step's major GC did (every fan-out / chat step records the
//                                 server's major GCs in its measured part anyway: count and longest pause)
//   BENCH_LOAD_FLAGS='…'          (environment) node options of the load process (its major GCs are recorded too)
//   --out=FILE                    JSON output (default bench/results/latest.json; with --soak bench/results/soak.json)
//   --soak                        only the soak: N idle Sinyal-protocol connections (pinging like the SDK) in
//                                 two-person rooms + a slow chat, for M minutes: server memory slope,
//                                 disconnects, latency (the Sinyal servers of --servers, default sinyal)
//   --soak-connections=N --soak-minutes=M --soak-rate=R   soak size (default 10,000, 5 min, 100 msg/s)
//   --servers=…,sinyal-wN         also run the Sinyal server as N node:cluster workers on Redis (BENCH_REDIS_URL,
//                                 default redis://127.0.0.1:6379), the docs/scaling.md recipe; fan-out and chat only;
//                                 its CPU is that of the primary + workers + redis-server; results in bench/results/workers.json
//   --servers=…,sinyal@DIR        also run the Sinyal server built into DIR (a copy of
//                                 packages/server/dist placed under node_modules/ so that its imports
//                                 resolve), to compare builds in the same run; repeatable
import { execSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './lib/rpc.mjs';
import { fmtInt, r1, table } from './lib/stats.mjs';
import { machineDelta, machineSample, procDelta, procSample } from './lib/proc.mjs';
import { buildTables, classify, describeRun, label as LABEL, slopePerMin } from './lib/report.mjs';
import { measureSizes } from './size.mjs';
import { summarise } from './prof-summary.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const argv = process.argv.slice(2);
const args = Object.fromEntries(
  argv.map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? true];
  }),
);
// The flags are documented in this file's header comment, the one list of them: `--help`
// prints it, and a flag it does not name is refused.
const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1).filter((line, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('//')));
if (args.help) {
  console.log(header.map((line) => line.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const KNOWN_FLAGS = new Set(header.flatMap((line) => [...line.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1])));
const unknown = Object.keys(args).filter((k) => !KNOWN_FLAGS.has(k));
if (unknown.length) {
  console.error(`unknown flag(s): ${unknown.map((k) => `--${k}`).join(' ')}; see npm run bench -- --help`);
  process.exit(2);
}
const quick = Boolean(args.quick);
const soakOnly = Boolean(args.soak);
const only = args.only ? new Set(String(args.only).split(',')) : null;
const want = (s) => !only || only.has(s);
const servers = args.servers ? String(args.servers).split(',') : ['sinyal', 'sinyal-unbatched', 'socketio', 'ws'];
const num = (k, def) => (args[k] !== undefined ? Number(args[k]) : def);
const list = (k, def) => (args[k] !== undefined ? String(args[k]).split(',').map(Number) : def);
const repeat = num('repeat', quick ? 1 : 3);
for (const [k, v] of Object.entries({ repeat })) if (!(Number.isInteger(v) && v >= 1)) throw new TypeError(`--${k} must be a positive integer`);

// Sizes. Full, on 2 idle cores: 4 servers × 3 repeats; fan-out ≈ 6 min (the servers that
// cannot carry the top steps spend up to 4 s draining and 3 s settling after each), chat ≈ 3 min,
// connections ≈ 2 min, storm ≈ 2 min, size + decode ≈ 1 min: ≈ 13–14 min (less on a faster VM: 515 s on 2026-12-04).
const cfg = quick
  ? {
      subscribers: num('subscribers', 200), publishers: num('publishers', 1),
      fanoutRates: list('fanout-rates', [100, 400]), latencyRate: 100,
      warmupMs: num('warmup-ms', 500), stepMs: num('step-ms', 1000), drainTimeoutMs: 3000, prewarmMs: num('prewarm-ms', 500),
      chatClients: num('chat-clients', 400), chatRates: list('chat-rates', [200, 800]),
      connections: num('connections', 500), connWarmup: 100,
      stormClients: num('storm-clients', 200), stormRooms: 20,
      decodeN: 50_000,
    }
  : {
      subscribers: num('subscribers', 1000), publishers: num('publishers', 1),
      // 20…400 msg/s × 1,000 = 20k…400k deliveries/s offered.
      fanoutRates: list('fanout-rates', [20, 50, 100, 200, 400]), latencyRate: 50,
      warmupMs: num('warmup-ms', 1000), stepMs: num('step-ms', 2000), drainTimeoutMs: 4000, prewarmMs: num('prewarm-ms', 2000),
      chatClients: num('chat-clients', 2000), chatRates: list('chat-rates', [500, 2000, 4000]),
      connections: num('connections', 10_000), connWarmup: 1000,
      stormClients: num('storm-clients', 2000), stormRooms: 100,
      decodeN: 200_000,
    };
for (const [k, v] of Object.entries(cfg)) {
  const ok = Array.isArray(v) ? v.length > 0 && v.every((x) => Number.isFinite(x) && x > 0) : Number.isFinite(v) && v >= 0;
  if (!ok) throw new TypeError(`bench: ${k} must be ${Array.isArray(v) ? 'a list of positive numbers' : 'a non-negative number'} (got ${v})`);
}
if (!cfg.fanoutRates.includes(cfg.latencyRate)) cfg.latencyRate = cfg.fanoutRates[0];
Object.assign(cfg, { soakConnections: num('soak-connections', 10_000), soakMinutes: num('soak-minutes', 5), soakRate: num('soak-rate', 100) });
for (const k of ['soakConnections', 'soakMinutes', 'soakRate']) if (!(cfg[k] > 0)) throw new TypeError(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive number`);

const SECRET = randomBytes(32).toString('base64url');
const notes = [];
const note = (s) => {
  notes.push(s);
  console.log(`  note: ${s}`);
};
/** Wire protocol of a server under test (`sinyal-unbatched` and `sinyal@DIR` speak Sinyal). */
const protoOf = (server) => (server.startsWith('sinyal') ? 'sinyal' : server);
/** Workers of a `sinyal-wN` server (node:cluster on Redis), else undefined. */
const workersOf = (server) => (/^sinyal-w\d+$/.test(server) ? Number(server.slice('sinyal-w'.length)) : undefined);
const anyWorkers = servers.some((s) => workersOf(s) !== undefined);
/** Build directory of a `sinyal@DIR` server. */
const altDist = (server) => (server.startsWith('sinyal@') ? server.slice('sinyal@'.length) : undefined);
for (const s of servers) if (!['sinyal', 'sinyal-unbatched', 'socketio', 'ws'].includes(s) && !altDist(s) && !(workersOf(s) >= 1)) throw new TypeError(`unknown server ${s}`);
if (anyWorkers && (soakOnly || !only || [...only].some((x) => x !== 'fanout' && x !== 'chat'))) throw new TypeError('sinyal-wN servers run fan-out and chat only: add --only=fanout,chat');

function machine() {
  let ulimit = null;
  try {
    ulimit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
  } catch {}
  let portRange = null;
  try {
    portRange = execSync('cat /proc/sys/net/ipv4/ip_local_port_range').toString().trim().replace(/\s+/g, '-');
  } catch {}
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model, cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.release()}`,
    totalMemMB: Math.round(os.totalmem() / 2 ** 20), loadavgAtStart: os.loadavg().map(r1), ulimitN: ulimit, ephemeralPorts: portRange,
    date: new Date().toISOString(),
  };
}

/** Node options from environment variable `name` (BENCH_SERVER_FLAGS, BENCH_LOAD_FLAGS), split at spaces. */
function nodeFlags(name) {
  return process.env[name]?.split(' ').filter(Boolean) ?? [];
}

async function withPair(server, { prof = false, lifetimeMs } = {}, fn) {
  const execArgv = ['--expose-gc', ...nodeFlags('BENCH_SERVER_FLAGS')];
  if (prof) execArgv.push('--cpu-prof', `--cpu-prof-dir=${here}results/prof`);
  const env = {
    BENCH_SECRET: SECRET,
    ...(altDist(server) ? { BENCH_SINYAL_DIST: altDist(server) } : {}),
    ...(server === 'sinyal-unbatched' ? { BENCH_BATCH_WRITES: '0' } : {}),
    ...(workersOf(server) ? { BENCH_WORKERS: String(workersOf(server)) } : {}),
  };
  const srv = spawnChild(`${here}servers/${protoOf(server)}.mjs`, { execArgv, env, name: `${server}-server`, lifetimeMs });
  const load = spawnChild(`${here}load.mjs`, { execArgv: ['--max-old-space-size=4096', ...nodeFlags('BENCH_LOAD_FLAGS')], name: 'load', lifetimeMs });
  try {
    const info = await srv.rpc('start');
    return await fn(srv, load, info);
  } finally {
    await Promise.all([load.stop(), srv.stop()]);
  }
}

const usPer = (cpuMs, n) => (cpuMs == null || !n ? null : Math.round((cpuMs * 1000 * 100) / n) / 100);
/** A multi-process server's CPU by process (primary, workers, redis-server) and the machine's busy share. */
const partsText = (step) => (step.server.parts ? ` (${step.server.parts.join(' + ')}; machine ${step.machine?.busyPct} % busy)` : '');
const boundText = (step) => ({ load: 'LOAD-BOUND — not a measure', machine: 'MACHINE SHARED — not a measure', server: 'server-bound', cores: 'ALL CORES BUSY', neither: 'bound: neither' })[classify(step)];

/**
 * Runs the scenario's traffic for `prewarmMs` at a rate every server carries, before the
 * ladder, and throws its figures away: without it the first (lowest) step measures code the
 * JIT has not optimised yet — a few thousand messages in — and the garbage of the setup, not
 * the server at that rate. Then a full collection of the server (a one-process server; every
 * server alike): V8 sets the next mark-compact's limit from the heap it leaves and from how
 * fast the program was allocating when it ran. The last one before the ladder otherwise fell
 * in the setup, while the connections were opening, and gave some servers a limit 4× their
 * live heap (socket.io: 132 MB over 29 MB), which a short ladder never reaches, and others
 * a limit they reach within it: a 2-s step then compared a server before its first
 * collection with one in its steady state. After a collection at the pre-warm's rate, each
 * meets the ladder with a limit set by its traffic.
 */
async function prewarm(srv, load, info, method, rate) {
  if (cfg.prewarmMs > 0) {
    await load.rpc(method, { rate, warmupMs: cfg.prewarmMs, durationMs: 250, drainTimeoutMs: cfg.drainTimeoutMs, serverPid: info.pids ?? srv.child.pid }, 120_000);
  }
  if (!info.pids) await srv.rpc('collect');
}

// ------------------------------------------------------------------ scenarios
async function fanout(server) {
  return withPair(server, { prof: Boolean(args['cpu-prof']) && server === 'sinyal' }, async (srv, load, info) => {
    const setup = await load.rpc('fanoutSetup', { proto: protoOf(server), url: info.url, secret: SECRET, subscribers: cfg.subscribers, publishers: cfg.publishers }, 300_000);
    await prewarm(srv, load, info, 'fanoutRun', cfg.latencyRate);
    const steps = [];
    for (const rate of cfg.fanoutRates) {
      const step = await load.rpc('fanoutRun', { rate, warmupMs: cfg.warmupMs, durationMs: cfg.stepMs, drainTimeoutMs: cfg.drainTimeoutMs, serverPid: info.pids ?? srv.child.pid }, 120_000);
      await recordMajorGcs(srv, load, info, step);
      steps.push(step);
      console.log(`    ${LABEL(server)} fan-out ${rate} msg/s × ${step.subscribers}: ${Math.round(step.deliveredRatio * 1000) / 10} % delivered, ${fmtInt(step.deliveriesPerSec)} deliveries/s, p99 ${step.latencyMs.p99} ms; server ${usPer(step.server.cpuMs, step.delivered)} µs/delivery, CPU ${step.server.cpuPct} %${partsText(step)}${gcText(step)}, ${step.server.writes ? r1(step.delivered / step.server.writes) : '-'} deliveries/write; load CPU ${step.load.cpuPct} %${loadGcText(step)}, send lag p99 ${step.sendLagMs.p99} ms; others ${step.machine?.othersCpuPct} % CPU; ${boundText(step)}`);
    }
    return { setup, steps, ...(info.roles ? { serverRoles: info.roles } : {}) };
  });
}

/**
 * Puts in `step` the major GCs of the server (one process only; null for a server of several)
 * and of the load, in its measured part and its warm-up. A mark-compact of a few ms in a 2-s
 * step is enough to set its p99, for every server, and one in the load stops the clock that
 * reads the deliveries: this says which steps had one.
 */
async function recordMajorGcs(srv, load, info, step) {
  step.server.majorGcs = info.pids || !step.window ? null : await srv.rpc('majorGcs', step.window);
  step.load.majorGcs = step.window ? await load.rpc('majorGcs', step.window) : null;
}

function gcText(step) {
  const gcs = step.server.majorGcs;
  return gcs ? `, ${gcsText(gcs)}` : '';
}

function loadGcText(step) {
  const gcs = step.load.majorGcs;
  return gcs ? ` (${gcsText(gcs)})` : '';
}

function gcsText(gcs) {
  return `${gcs.count} major GC${gcs.count === 1 ? '' : 's'}${gcs.count ? ` (longest pause ${gcs.maxMs} ms)` : ''}${gcs.inWarmup ? ` + ${gcs.inWarmup} in the warm-up` : ''}`;
}

async function chat(server) {
  return withPair(server, { prof: Boolean(args['cpu-prof']) && server === 'sinyal' }, async (srv, load, info) => {
    const setup = await load.rpc('chatSetup', { proto: protoOf(server), url: info.url, secret: SECRET, clients: cfg.chatClients }, 300_000);
    await prewarm(srv, load, info, 'chatRun', cfg.chatRates[Math.floor(cfg.chatRates.length / 2)]);
    const steps = [];
    for (const rate of cfg.chatRates) {
      const step = await load.rpc('chatRun', { rate, warmupMs: cfg.warmupMs, durationMs: cfg.stepMs, drainTimeoutMs: cfg.drainTimeoutMs, serverPid: info.pids ?? srv.child.pid }, 120_000);
      await recordMajorGcs(srv, load, info, step);
      steps.push(step);
      console.log(`    ${LABEL(server)} chat ${rate} msg/s over ${step.clients} clients: ${Math.round(step.deliveredRatio * 1000) / 10} % delivered, p50 ${step.latencyMs.p50} ms, p99 ${step.latencyMs.p99} ms; server ${usPer(step.server.cpuMs, step.sent)} µs/message, CPU ${step.server.cpuPct} %${partsText(step)}${gcText(step)}; load CPU ${step.load.cpuPct} %${loadGcText(step)}, send lag p99 ${step.sendLagMs.p99} ms; others ${step.machine?.othersCpuPct} % CPU; ${boundText(step)}`);
    }
    return { setup, steps, ...(info.roles ? { serverRoles: info.roles } : {}) };
  });
}

async function connections(server) {
  return withPair(server, { prof: Boolean(args['cpu-prof']) && server === 'sinyal' }, async (srv, load, info) => {
    const proto = protoOf(server);
    // Warm-up: the first connections are opened (and kept) before anything is measured.
    await load.rpc('connPrepare', { proto, secret: SECRET, first: 0, n: cfg.connWarmup }, 300_000);
    const warm = await load.rpc('connOpen', { proto, url: info.url, n: cfg.connWarmup, first: 0 }, 600_000);
    await load.rpc('connPrepare', { proto, secret: SECRET, first: cfg.connWarmup, n: cfg.connections }, 300_000);
    const mem0 = await srv.rpc('mem');
    const s0 = procSample(srv.child.pid);
    const l0 = procSample(load.child.pid);
    const m0 = machineSample();
    const r = await load.rpc('connOpen', { proto, url: info.url, n: cfg.connections, first: cfg.connWarmup }, 600_000);
    const cpu = procDelta(s0, procSample(srv.child.pid));
    const loadCpu = procDelta(l0, procSample(load.child.pid));
    const machine = machineDelta(m0, machineSample(), cpu.cpuMs + loadCpu.cpuMs);
    const mem1 = await srv.rpc('mem');
    const conns = await srv.rpc('connections');
    const per = (k) => (r.opened ? Math.round((mem1[k] - mem0[k]) / r.opened) : null);
    const out = {
      requested: cfg.connections, warmupOpened: warm.opened, opened: r.opened, failed: r.failed, serverConnections: conns, openMs: r.openMs,
      connsPerSec: Math.round((r.opened / r.openMs) * 1000), serverCpuMs: cpu.cpuMs, serverCpuPct: cpu.cpuPct, serverUsPerConn: usPer(cpu.cpuMs, r.opened),
      loadCpuMs: loadCpu.cpuMs, loadCpuPct: loadCpu.cpuPct,
      rssPerConnBytes: per('rss'), heapUsedPerConnBytes: per('heapUsed'), externalPerConnBytes: per('external'),
      machine, serverMemBefore: mem0, serverMemAfter: mem1, errors: r.errors,
    };
    console.log(`    ${LABEL(server)} connections: ${r.opened}/${cfg.connections} (after ${warm.opened} warm-up) in ${r.openMs} ms; server ${out.serverUsPerConn} µs/connection, CPU ${out.serverCpuPct} %; load CPU ${out.loadCpuPct} %; RSS ${fmtInt(out.rssPerConnBytes)} B/conn, heap ${fmtInt(out.heapUsedPerConnBytes)} B/conn`);
    await load.rpc('closeAll', {}, 60_000);
    return out;
  });
}

async function storm(server) {
  return withPair(server, {}, async (srv, load, info) => {
    const rooms = Array.from({ length: cfg.stormRooms }, (_, i) => `bench:s${i}`);
    const setup = await load.rpc('stormSetup', { proto: protoOf(server), url: info.url, secret: SECRET, clients: cfg.stormClients, rooms: cfg.stormRooms }, 600_000);
    let expectSeq = 0;
    if (protoOf(server) === 'sinyal') {
      await srv.rpc('publishRooms', { rooms, count: 1 });
      await load.rpc('stormWaitSeq', { seq: 1 });
      expectSeq = 4; // 3 more events are published into every room right after the restart
    }
    await load.rpc('stormArm');
    const c0 = procSample(srv.child.pid);
    const [restart, result] = await Promise.all([
      srv.rpc('restart', { rooms, publishAfter: 3 }),
      load.rpc('stormWait', { expectSeq, timeoutMs: quick ? 30_000 : 90_000 }, 200_000),
    ]);
    const serverCpuMs = r1(procDelta(c0, procSample(srv.child.pid)).cpuMs);
    await load.rpc('stormClose', {}, 60_000);
    const out = { client: protoOf(server) === 'sinyal' ? '@sinyal/client SDK' : server === 'socketio' ? 'socket.io-client SDK' : 'raw ws + reconnect loop', setup, restart, ...result, serverCpuMs };
    console.log(`    ${LABEL(server)} storm: ${result.rejoined}/${result.clients} re-joined, all in ${result.allRejoinedMs} ms${expectSeq ? `, all caught up in ${result.allCaughtUpMs} ms (${result.resumedJoins} resumed joins, ${result.resets} resets)` : ''}; server CPU ${serverCpuMs} ms`);
    return out;
  });
}

function decode() {
  return new Promise((resolve, reject) => {
    const child = fork(`${here}decode.mjs`, [`--n=${cfg.decodeN}`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    let result;
    child.on('message', (m) => (result = m));
    child.on('exit', (code) => {
      clearTimeout(timer);
      result ? resolve(result) : reject(new Error(`decode exited with ${code}`));
    });
  });
}

/**
 * Soak: `soakConnections` connections in two-person rooms, each pinging every 25 s, and a
 * chat of `soakRate` msg/s over them for `soakMinutes`, after a warm-up (10 % of the time,
 * at most 30 s). The server's memory is sampled without forcing a GC (a full GC would pause
 * the server being measured) and once after GC at each end; the slope is fitted by least
 * squares (bytes per minute).
 */
async function soak(server) {
  const durationMs = cfg.soakMinutes * 60_000;
  const warmupMs = Math.min(30_000, durationMs / 10);
  const sampleMs = Math.max(1000, Math.round(durationMs / 60));
  return withPair(server, { lifetimeMs: durationMs + warmupMs + 20 * 60_000 }, async (srv, load, info) => {
    const setup = await load.rpc('soakSetup', { proto: 'sinyal', url: info.url, secret: SECRET, n: cfg.soakConnections }, 900_000);
    console.log(`    ${LABEL(server)} soak: ${setup.opened}/${cfg.soakConnections} connections open in ${setup.openMs} ms; warm-up ${warmupMs} ms, then ${cfg.soakMinutes} min at ${cfg.soakRate} msg/s`);
    await load.rpc('soakRun', { rate: cfg.soakRate, durationMs: warmupMs, drainTimeoutMs: 5000, serverPid: srv.child.pid }, warmupMs + 120_000);
    const memStart = await srv.rpc('mem');
    const boundedStart = await srv.rpc('bounded');
    const t0 = performance.now();
    const samples = [];
    let stop = false;
    let wake = () => {};
    const sampler = (async () => {
      while (!stop) {
        await new Promise((r) => {
          wake = r;
          setTimeout(r, sampleMs);
        });
        if (stop) break;
        const m = await srv.rpc('memNow');
        const bounded = await srv.rpc('bounded');
        samples.push({ tMs: Math.round(performance.now() - t0), rss: m.rss, heapUsed: m.heapUsed, external: m.external, historyBytes: bounded.sinyal_history_bytes, dedupeBytes: bounded.sinyal_dedupe_bytes });
      }
    })();
    let run;
    try {
      run = await load.rpc('soakRun', { rate: cfg.soakRate, durationMs, drainTimeoutMs: 10_000, serverPid: srv.child.pid }, durationMs + 120_000);
    } finally {
      stop = true;
      wake();
      await sampler;
    }
    const memEnd = await srv.rpc('mem');
    const boundedEnd = await srv.rpc('bounded');
    const serverConnections = await srv.rpc('connections');
    const out = {
      requested: cfg.soakConnections, setup, warmupMs, durationMs, sampleMs, phase: run,
      serverConnectionsAtEnd: serverConnections, memStart, memEnd, boundedStart, boundedEnd, samples,
      heapSlopeBytesPerMin: slopePerMin(samples, 'heapUsed'), rssSlopeBytesPerMin: slopePerMin(samples, 'rss'),
      // The heap's growth that the bounded stores (room history, dedupe outcomes, as /metrics counts them) do not account for.
      unaccountedSlopeBytesPerMin: samples.every((x) => x.historyBytes != null && x.dedupeBytes != null)
        ? slopePerMin(samples.map((x) => ({ tMs: x.tMs, rest: x.heapUsed - x.historyBytes - x.dedupeBytes })), 'rest')
        : null,
      serverUsPerMessage: usPer(run.server.cpuMs, run.sent),
    };
    console.log(`    ${LABEL(server)} soak: ${run.disconnects} disconnects, ${serverConnections} server connections at the end; p99 ${run.latencyMs.p99} ms; heap slope ${fmtInt(out.heapSlopeBytesPerMin)} B/min, RSS slope ${fmtInt(out.rssSlopeBytesPerMin)} B/min over ${samples.length} samples; ${boundText(run)}`);
    console.log(`    heap slope not accounted for by history + dedupe bytes: ${fmtInt(out.unaccountedSlopeBytesPerMin)} B/min`);
    console.log(`    /metrics start → end: ${Object.keys(boundedEnd).map((k) => `${k} ${fmtInt(boundedStart[k])} → ${fmtInt(boundedEnd[k])}`).join(', ')}`);
    return out;
  });
}

// ------------------------------------------------------------------ main
const started = performance.now();
const results = {
  schema: 2,
  kind: soakOnly ? 'soak' : anyWorkers ? 'workers' : 'suite',
  machine: machine(),
  flags: { argv, quick, repeat, only: only ? [...only] : null, servers },
  config: cfg,
  sizes: null,
  decode: null,
  runs: { fanout: [], chat: [], connections: [], storm: [], soak: [] },
  notes,
};
console.log(`Sinyal bench (${quick ? 'quick' : 'full'}, ${repeat} repeat${repeat === 1 ? '' : 's'}) on ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}, load avg ${results.machine.loadavgAtStart.join(' ')}`);
console.log(`sizes: ${JSON.stringify(cfg)}`);
if (results.machine.loadavgAtStart[0] > results.machine.cores * 0.5) note(`the machine was already busy at start (load average ${results.machine.loadavgAtStart[0]} on ${results.machine.cores} cores): absolute figures are noisy`);

const need = (soakOnly ? cfg.soakConnections : cfg.connections + cfg.connWarmup) + 1000;
if (results.machine.ulimitN && results.machine.ulimitN < need) {
  const key = soakOnly ? 'soakConnections' : 'connections';
  const scaled = Math.max(100, results.machine.ulimitN - (soakOnly ? 0 : cfg.connWarmup) - 1000);
  note(`ulimit -n is ${results.machine.ulimitN}: scaling the ${soakOnly ? 'soak' : 'connections scenario'} from ${cfg[key]} to ${scaled}`);
  cfg[key] = scaled;
}

const step = async (name, fn) => {
  if (!want(name)) return;
  console.log(`\n== ${name}`);
  try {
    await fn();
  } catch (err) {
    note(`${name} failed: ${err.message.split('\n')[0]}`);
  }
};

if (!soakOnly) {
  await step('size', async () => {
    results.sizes = await measureSizes();
  });
  await step('decode', async () => {
    results.decode = await decode();
  });
}
const soakServers = servers.filter((s) => protoOf(s) === 'sinyal');
if (soakOnly) results.flags.servers = args.servers ? soakServers : ['sinyal'];
const scenarios = soakOnly ? { soak } : { fanout, chat, connections, storm };
for (const [scenario, run] of Object.entries(scenarios)) {
  await step(scenario === 'soak' ? 'soak' : scenario, async () => {
    for (let rep = 0; rep < (soakOnly ? 1 : repeat); rep++) {
      // Rotated order: repeat 0 runs A B C D, repeat 1 B C D A, …
      const names = results.flags.servers;
      const order = names.map((_, i) => names[(i + rep) % names.length]);
      console.log(`  repeat ${rep + 1}/${soakOnly ? 1 : repeat}: ${order.map(LABEL).join(' → ')}`);
      for (const [position, s] of order.entries()) {
        try {
          results.runs[scenario].push({ rep, position, server: s, ...(await run(s)) });
        } catch (err) {
          results.runs[scenario].push({ rep, position, server: s, error: err.message });
          note(`${scenario}/${s} (repeat ${rep + 1}) failed: ${err.message.split('\n')[0]}`);
        }
      }
    }
  });
}

if (args['cpu-prof']) {
  try {
    const dir = `${here}results/prof`;
    const newest = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => `${dir}/${f}`).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    if (newest) results.cpuProfile = summarise(newest, 20);
  } catch (err) {
    note(`cpu profile summary failed: ${err.message}`);
  }
}

results.machine.loadavgAtEnd = os.loadavg().map(r1);
results.totalSeconds = r1((performance.now() - started) / 1000);

// ------------------------------------------------------------------ report
const out = [];
const print = (s = '') => out.push(s);
for (const t of buildTables(results)) {
  print(t.title);
  print(table(t.headers, t.rows));
  print();
}
if (results.cpuProfile) {
  print(`CPU profile of the Sinyal server (${results.cpuProfile.totalMs} ms), self time by module:`);
  for (const m of results.cpuProfile.modules.slice(0, 12)) print(`  ${String(m.pct).padStart(5)} %  ${m.name}`);
  print('top functions:');
  for (const f of results.cpuProfile.functions.slice(0, 15)) print(`  ${String(f.pct).padStart(5)} %  ${f.name}`);
  print();
}
for (const line of describeRun(results)) print(line);
if (notes.length) print(`Notes:\n${notes.map((n) => `- ${n}`).join('\n')}`);

console.log(`\n${out.join('\n')}`);
const file = args.out ? String(args.out) : `${here}results/${soakOnly ? 'soak' : anyWorkers ? 'workers' : 'latest'}.json`;
mkdirSync(`${here}results`, { recursive: true });
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
rmSync(`${here}results/.cache`, { recursive: true, force: true });
console.log(`\nwrote ${file}\nnext: node bench/report-md.mjs ${args.out ? file : ''}`.trimEnd());
process.exit(0);
