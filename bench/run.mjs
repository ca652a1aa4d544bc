#!/usr/bin/env node
// Sinyal benchmark suite: `npm run bench` (full, ~10–15 min on 2 cores) or `npm run bench -- --quick` (< 2 min).
// Servers (Sinyal, socket.io 4, raw ws) each run in their own child process, the load in another;
// everything on 127.0.0.1, ephemeral ports, a fresh server + load process per scenario.
// Flags:
//   --quick                       small sizes, to validate the suite
//   --only=size,decode,fanout,chat,connections,storm
//   --servers=sinyal,socketio,ws
//   --subscribers=N --chat-clients=N --connections=N --storm-clients=N   override sizes
//   --publishers=N                fan-out: N members publish in turn (default 1), e.g. a busy room
//   --cpu-prof                    --cpu-prof the Sinyal server child during fan-out / chat (use with --only=)
//   --out=FILE                    JSON output (default bench/results/latest.json)
//   --servers=…,sinyal@DIR        also run the Sinyal server built into DIR (a copy of
//                                 packages/server/dist placed under node_modules/ so that its imports
//                                 resolve), to compare builds in the same run; repeatable
import { execSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './lib/rpc.mjs';
import { cpuMs, fmtInt, r1, table } from './lib/stats.mjs';
import { measureSizes } from './size.mjs';
import { summarise } from './prof-summary.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? true];
  }),
);
const quick = Boolean(args.quick);
const only = args.only ? new Set(String(args.only).split(',')) : null;
const want = (s) => !only || only.has(s);
const servers = args.servers ? String(args.servers).split(',') : ['sinyal', 'socketio', 'ws'];
const num = (k, def) => (args[k] !== undefined ? Number(args[k]) : def);

const cfg = quick
  ? {
      subscribers: num('subscribers', 200), publishers: num('publishers', 1),
      latencyRate: 50, latencyMs: 3000,
      rampRates: [200, 800, 3200], rampStepMs: 1500,
      chatClients: num('chat-clients', 500), chatRates: [0.5, 2], chatMs: 3000,
      connections: num('connections', 1000),
      stormClients: num('storm-clients', 300), stormRooms: 30,
      decodeN: 50_000,
    }
  : {
      subscribers: num('subscribers', 1000), publishers: num('publishers', 1),
      // 50 msg/s × 1000 = 50k deliveries/s: about half of what one shared core delivered in trials.
      latencyRate: 50, latencyMs: 10_000,
      rampRates: [25, 50, 100, 200, 400, 800], rampStepMs: 3000,
      chatClients: num('chat-clients', 5000), chatRates: [0.5, 2], chatMs: 8000,
      connections: num('connections', 10_000),
      stormClients: num('storm-clients', 5000), stormRooms: 250,
      decodeN: 200_000,
    };

const SECRET = randomBytes(32).toString('base64url');
const notes = [];
const note = (s) => {
  notes.push(s);
  console.log(`  note: ${s}`);
};
const LABEL = { sinyal: 'Sinyal', socketio: 'socket.io 4', ws: 'raw ws (floor)' };
/** Wire protocol of a server under test (`sinyal@DIR` is another build of the Sinyal server). */
const protoOf = (server) => (server.startsWith('sinyal@') ? 'sinyal' : server);
/** Build directory of a `sinyal@DIR` server. */
const altDist = (server) => (server.startsWith('sinyal@') ? server.slice('sinyal@'.length) : undefined);
for (const s of servers) if (altDist(s)) LABEL[s] = `Sinyal @${s.slice(7).split('/').filter(Boolean).pop()}`;

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

async function withPair(server, { prof = false } = {}, fn) {
  const execArgv = ['--expose-gc'];
  if (prof) execArgv.push('--cpu-prof', `--cpu-prof-dir=${here}results/prof`);
  const env = { BENCH_SECRET: SECRET, ...(altDist(server) ? { BENCH_SINYAL_DIST: altDist(server) } : {}) };
  const srv = spawnChild(`${here}servers/${protoOf(server)}.mjs`, { execArgv, env, name: `${server}-server` });
  const load = spawnChild(`${here}load.mjs`, { execArgv: ['--max-old-space-size=4096'], name: 'load' });
  try {
    const info = await srv.rpc('start');
    return await fn(srv, load, info);
  } finally {
    await Promise.all([load.stop(), srv.stop()]);
  }
}

/**
 * Runs `fn` and adds the server's CPU time and share of one core over it, and its CPU time per
 * delivery (µs): the figure least disturbed by other work on a shared machine.
 */
async function measured(srv, fn) {
  const c0 = await srv.rpc('cpu');
  const t0 = performance.now();
  const result = await fn();
  const wall = performance.now() - t0;
  const cpu = cpuMs(c0, await srv.rpc('cpu'));
  const perDelivery = result.delivered ? Math.round((cpu * 1000 * 100) / result.delivered) / 100 : null;
  return { ...result, serverCpuMs: r1(cpu), serverCpuPct: r1((cpu / wall) * 100), serverCpuUsPerDelivery: perDelivery, wallMs: r1(wall) };
}

const loadBound = (r) => r.loadCpuPct >= 90;

// ------------------------------------------------------------------ scenarios
async function fanout(server) {
  return withPair(server, { prof: Boolean(args['cpu-prof']) && server === 'sinyal' }, async (srv, load, info) => {
    const setup = await load.rpc('fanoutSetup', { proto: protoOf(server), url: info.url, secret: SECRET, subscribers: cfg.subscribers, publishers: cfg.publishers });
    const run = (rate, durationMs) => measured(srv, () => load.rpc('fanoutRun', { rate, durationMs, drainTimeoutMs: quick ? 4000 : 8000 }, 120_000));
    await run(cfg.latencyRate, 1000); // warm-up
    const latency = await run(cfg.latencyRate, cfg.latencyMs);
    const steps = [];
    for (const rate of cfg.rampRates) {
      const step = await run(rate, cfg.rampStepMs);
      steps.push(step);
      console.log(`    ${server} fan-out ${rate} msg/s × ${step.subscribers}: ${fmtInt(step.deliveriesPerSec)} deliveries/s (${Math.round(step.deliveredRatio * 100)} % of offered) p99 ${step.latencyMs.p99} ms, server CPU ${step.serverCpuPct} % (${step.serverCpuUsPerDelivery} µs/delivery), load CPU ${step.loadCpuPct} %`);
      if (step.deliveredRatio < 0.97 || !step.drained || step.latencyMs.p50 > 250) break; // saturated: stop before buffers explode
    }
    const best = steps.reduce((a, b) => (b.deliveriesPerSec > a.deliveriesPerSec ? b : a));
    return { setup, latency, steps, saturation: { deliveriesPerSec: best.deliveriesPerSec, atRate: best.rate, serverCpuPct: best.serverCpuPct, loadCpuPct: best.loadCpuPct, loadBound: loadBound(best) } };
  });
}

async function chat(server) {
  return withPair(server, { prof: Boolean(args['cpu-prof']) && server === 'sinyal' }, async (srv, load, info) => {
    const setup = await load.rpc('chatSetup', { proto: protoOf(server), url: info.url, secret: SECRET, clients: cfg.chatClients }, 300_000);
    const levels = [];
    for (const perClient of cfg.chatRates) {
      const totalRate = Math.round(perClient * setup.opened);
      const r = await measured(srv, () => load.rpc('chatRun', { totalRate, durationMs: cfg.chatMs, drainTimeoutMs: quick ? 4000 : 8000 }, 120_000));
      levels.push({ perClientRate: perClient, ...r, publishedPerSec: Math.round(r.sent / (cfg.chatMs / 1000)) });
      console.log(`    ${server} chat ${setup.opened} clients × ${perClient} msg/s: ${fmtInt(r.deliveriesPerSec)} deliveries/s (${Math.round(r.deliveredRatio * 100)} %) p99 ${r.latencyMs.p99} ms, server CPU ${r.serverCpuPct} % (${r.serverCpuUsPerDelivery} µs/delivery), load CPU ${r.loadCpuPct} %`);
    }
    return { setup, levels };
  });
}

async function connections(server, n) {
  return withPair(server, {}, async (srv, load, info) => {
    const mem0 = await srv.rpc('mem');
    const r = await measured(srv, () => load.rpc('connOpen', { proto: protoOf(server), url: info.url, secret: SECRET, n }, 600_000));
    const mem1 = await srv.rpc('mem');
    const conns = await srv.rpc('connections');
    const per = (k) => (r.opened ? Math.round((mem1[k] - mem0[k]) / r.opened) : null);
    const out = {
      requested: n, opened: r.opened, failed: r.failed, serverConnections: conns, openMs: r.openMs,
      connsPerSec: Math.round((r.opened / r.openMs) * 1000), serverCpuMs: r.serverCpuMs, loadCpuMs: r.loadCpuMs,
      rssPerConnBytes: per('rss'), heapUsedPerConnBytes: per('heapUsed'), externalPerConnBytes: per('external'),
      serverMemBefore: mem0, serverMemAfter: mem1, errors: r.errors,
    };
    console.log(`    ${server} connections: ${r.opened}/${n} in ${r.openMs} ms; RSS ${fmtInt(out.rssPerConnBytes)} B/conn, heap ${fmtInt(out.heapUsedPerConnBytes)} B/conn`);
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
    const c0 = await srv.rpc('cpu');
    const [restart, result] = await Promise.all([
      srv.rpc('restart', { rooms, publishAfter: 3 }),
      load.rpc('stormWait', { expectSeq, timeoutMs: quick ? 30_000 : 90_000 }, 200_000),
    ]);
    const serverCpuMs = r1(cpuMs(c0, await srv.rpc('cpu')));
    await load.rpc('stormClose', {}, 60_000);
    const out = { client: protoOf(server) === 'sinyal' ? '@sinyal/client SDK' : server === 'socketio' ? 'socket.io-client SDK' : 'raw ws + reconnect loop', setup, restart, ...result, serverCpuMs };
    console.log(`    ${server} storm: ${result.rejoined}/${result.clients} re-joined, all in ${result.allRejoinedMs} ms${expectSeq ? `, all caught up in ${result.allCaughtUpMs} ms (${result.resumedJoins} resumed joins, ${result.resets} resets)` : ''}; server CPU ${serverCpuMs} ms`);
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

// ------------------------------------------------------------------ main
const started = performance.now();
const results = { machine: machine(), flags: { quick, only: only ? [...only] : null, servers }, config: cfg, sizes: null, decode: null, servers: {}, notes };
for (const s of servers) results.servers[s] = {};
console.log(`Sinyal bench (${quick ? 'quick' : 'full'}) on ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.node}, load avg ${results.machine.loadavgAtStart.join(' ')}`);
if (results.machine.loadavgAtStart[0] > results.machine.cores * 0.5) note(`the machine was already busy at start (load average ${results.machine.loadavgAtStart[0]} on ${results.machine.cores} cores): absolute figures are noisy`);

const need = cfg.connections + 1000;
if (results.machine.ulimitN && results.machine.ulimitN < need) {
  const scaled = Math.max(100, results.machine.ulimitN - 1000);
  note(`ulimit -n is ${results.machine.ulimitN}: scaling the connections scenario from ${cfg.connections} to ${scaled}`);
  cfg.connections = scaled;
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

await step('size', async () => {
  results.sizes = await measureSizes();
});
await step('decode', async () => {
  results.decode = await decode();
});
for (const scenario of ['fanout', 'chat', 'connections', 'storm']) {
  await step(scenario, async () => {
    for (const s of servers) {
      try {
        if (scenario === 'fanout') results.servers[s].fanout = await fanout(s);
        if (scenario === 'chat') results.servers[s].chat = await chat(s);
        if (scenario === 'connections') results.servers[s].connections = await connections(s, cfg.connections);
        if (scenario === 'storm') results.servers[s].storm = await storm(s);
      } catch (err) {
        results.servers[s][scenario] = { error: err.message };
        note(`${scenario}/${s} failed: ${err.message.split('\n')[0]}`);
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
const kb = (b) => (b == null ? '-' : `${(b / 1024).toFixed(2)} KB`);
const out = [];
const print = (s = '') => out.push(s);
if (results.sizes) {
  print('Client bundle size (esbuild, minified, ESM, browser, production; gzip -9)');
  print(table(['scenario', 'version', 'min', 'gzip', 'budget'], results.sizes.map((s) => [s.name, s.version, kb(s.minBytes), kb(s.gzipBytes), s.budgetBytes ? `${kb(s.budgetBytes)}${s.overBudget ? ' OVER' : ' ok'}` : '-'])));
  print();
}
if (results.decode) {
  const d = results.decode;
  print(`Client decode + dispatch of inbound events in Node (${fmtInt(d.n)} pre-encoded frames, median of ${d.rounds} rounds, browser bundles)`);
  print(table(['client', 'frame bytes', 'events/s'], [
    ['@sinyal/client (fake WebSocket → JSON.parse → room → handler)', d.sinyal.frameBytes, fmtInt(d.sinyal.eventsPerSec)],
    ['socket.io-client (fake transport → engine.io + socket.io-parser → emitter)', d.socketio?.frameBytes ?? '-', d.socketio?.error ?? fmtInt(d.socketio?.eventsPerSec)],
  ]));
  print();
}
const rows = (scenario, f) => servers.filter((s) => results.servers[s][scenario]).map((s) => {
  const r = results.servers[s][scenario];
  return r.error ? [LABEL[s], `error: ${r.error.split('\n')[0].slice(0, 60)}`] : f(s, r);
});
if (want('fanout')) {
  print(`(a) Fan-out, 1 room × ${cfg.subscribers} subscribers (+${cfg.publishers} publisher${cfg.publishers === 1 ? '' : 's'})`);
  print(table(['server', 'saturation deliv/s', 'at msg/s', 'srv CPU %', 'load CPU %', `p50 ms @${cfg.latencyRate}/s`, 'p99 ms', 'max ms', 'srv CPU %', 'srv µs/deliv', 'load CPU %'], rows('fanout', (s, r) => [
    LABEL[s], fmtInt(r.saturation.deliveriesPerSec) + (r.saturation.loadBound ? ' (load-bound)' : ''), r.saturation.atRate, r.saturation.serverCpuPct, r.saturation.loadCpuPct,
    r.latency.latencyMs.p50, r.latency.latencyMs.p99, r.latency.latencyMs.max, r.latency.serverCpuPct, r.latency.serverCpuUsPerDelivery, r.latency.loadCpuPct,
  ])));
  print();
}
if (want('chat')) {
  print(`(b) Chat, ${cfg.chatClients} clients in ${cfg.chatClients / 2} two-person rooms (each message delivered to both members)`);
  const chatRows = [];
  for (const s of servers) {
    const r = results.servers[s].chat;
    if (!r) continue;
    if (r.error) chatRows.push([LABEL[s], `error: ${r.error.slice(0, 60)}`]);
    else for (const l of r.levels) chatRows.push([LABEL[s], `${l.perClientRate}/client`, fmtInt(l.totalRate), fmtInt(l.deliveriesPerSec), `${Math.round(l.deliveredRatio * 100)} %`, l.latencyMs.p50, l.latencyMs.p99, l.latencyMs.max, l.serverCpuPct, l.serverCpuUsPerDelivery, l.loadCpuPct + (loadBound(l) ? ' !' : '')]);
  }
  print(table(['server', 'rate', 'offered msg/s', 'deliveries/s', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'srv CPU %', 'srv µs/deliv', 'load CPU %'], chatRows));
  print();
}
if (want('connections')) {
  print(`(c) Connections: open ${fmtInt(cfg.connections)} (handshake + join a room shared by 10), server memory after GC`);
  print(table(['server', 'opened', 'time s', 'conn/s', 'RSS/conn', 'heap/conn', 'srv CPU s', 'load CPU s'], rows('connections', (s, r) => [
    LABEL[s], `${r.opened}/${r.requested}`, (r.openMs / 1000).toFixed(2), fmtInt(r.connsPerSec), kb(r.rssPerConnBytes), kb(r.heapUsedPerConnBytes), (r.serverCpuMs / 1000).toFixed(2), (r.loadCpuMs / 1000).toFixed(2),
  ])));
  print();
}
if (want('storm')) {
  print(`(d) Reconnect storm: ${fmtInt(cfg.stormClients)} clients in ${cfg.stormRooms} rooms, server restarted in place`);
  print(table(['server', 'client', 're-joined', 'all re-joined ms', 'p50 ms', 'p99 ms', 'all resumed ms', 'resumed/reset', 'srv CPU ms', 'load CPU ms'], rows('storm', (s, r) => [
    LABEL[s], r.client, `${r.rejoined}/${r.clients}`, fmtInt(r.allRejoinedMs), fmtInt(r.rejoinMs?.p50), fmtInt(r.rejoinMs?.p99), r.caughtUp !== undefined ? fmtInt(r.allCaughtUpMs) : 'n/a (no history)', r.caughtUp !== undefined ? `${r.resumedJoins}/${r.resets}` : '-', fmtInt(r.serverCpuMs), fmtInt(r.loadCpuMs),
  ])));
  print();
}
if (results.cpuProfile) {
  print(`CPU profile of the Sinyal server (${results.cpuProfile.totalMs} ms), self time by module:`);
  for (const m of results.cpuProfile.modules.slice(0, 12)) print(`  ${String(m.pct).padStart(5)} %  ${m.name}`);
  print('top functions:');
  for (const f of results.cpuProfile.functions.slice(0, 15)) print(`  ${String(f.pct).padStart(5)} %  ${f.name}`);
  print();
}

// Targets (for information).
const S = results.servers;
const targets = [];
const core = results.sizes?.find((s) => s.name.startsWith('sinyal client core'));
if (core) targets.push([`client core ≤ ${core.budgetBytes.toLocaleString('en-US')} B gzip`, `${core.gzipBytes.toLocaleString('en-US')} B`, core.overBudget ? 'NOT met' : 'met']);
for (const a of results.sizes?.filter((s) => s.name.includes('adapter')) ?? []) targets.push([`${a.name.split(' ')[0]} ≤ 2 KB gzip`, kb(a.gzipBytes), a.gzipBytes <= 2048 ? 'met' : 'NOT met']);
const fs_ = S.sinyal?.fanout, fio = S.socketio?.fanout;
if (fs_?.saturation && fio?.saturation) {
  const x = fs_.saturation.deliveriesPerSec / fio.saturation.deliveriesPerSec;
  targets.push(['fan-out deliveries/s ≥ 2× socket.io', `${x.toFixed(2)}×`, x >= 2 ? 'met' : 'NOT met']);
  const p = fs_.latency.latencyMs.p99 / fio.latency.latencyMs.p99;
  targets.push([`fan-out p99 @${cfg.latencyRate}/s ≤ ½ socket.io`, `${p.toFixed(2)}×`, p <= 0.5 ? 'met' : 'NOT met']);
}
const cs_ = S.sinyal?.chat, cio_ = S.socketio?.chat;
for (const l of cs_?.levels ?? []) {
  const other = cio_?.levels?.find((o) => o.perClientRate === l.perClientRate);
  if (!other) continue;
  const p = l.latencyMs.p99 / other.latencyMs.p99;
  targets.push([`chat p99 @${l.perClientRate}/client ≤ ½ socket.io`, `${p.toFixed(2)}×`, p <= 0.5 ? 'met' : 'NOT met']);
}
const cs = S.sinyal?.connections, cio = S.socketio?.connections;
if (cs?.rssPerConnBytes && cio?.rssPerConnBytes) {
  const m = cs.rssPerConnBytes / cio.rssPerConnBytes;
  const h = cs.heapUsedPerConnBytes / cio.heapUsedPerConnBytes;
  targets.push(['memory/conn ≤ ½ socket.io (RSS)', `${m.toFixed(2)}×`, m <= 0.5 ? 'met' : 'NOT met']);
  targets.push(['memory/conn ≤ ½ socket.io (heap)', `${h.toFixed(2)}×`, h <= 0.5 ? 'met' : 'NOT met']);
}
results.targets = targets.map(([target, value, status]) => ({ target, value, status }));
if (targets.length) {
  print('Targets (Sinyal vs socket.io, for information)');
  print(table(['target', 'Sinyal / socket.io', 'status'], targets));
  print();
}
for (const s of servers) {
  const f = S[s]?.fanout;
  if (f?.saturation?.loadBound) note(`${LABEL[s]} fan-out saturation: the load generator used ${f.saturation.loadCpuPct} % of a core — the figure is a lower bound for the server`);
  for (const l of S[s]?.chat?.levels ?? []) if (loadBound(l)) note(`${LABEL[s]} chat at ${l.perClientRate}/client: load generator at ${l.loadCpuPct} % of a core (load-bound)`);
}
print(`Total ${results.totalSeconds} s; load average at start ${results.machine.loadavgAtStart.join(' ')}, at end ${results.machine.loadavgAtEnd.join(' ')}`);
if (notes.length) print(`Notes:\n${notes.map((n) => `- ${n}`).join('\n')}`);

console.log(`\n${out.join('\n')}`);
const file = args.out ? String(args.out) : `${here}results/latest.json`;
mkdirSync(`${here}results`, { recursive: true });
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
rmSync(`${here}results/.cache`, { recursive: true, force: true });
console.log(`\nwrote ${file}`);
process.exit(0);
