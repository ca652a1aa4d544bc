// Load generator, in its own process, driven over IPC by bench/run.mjs.
// Throughput scenarios use lightweight raw `ws` clients that speak each protocol
// (Sinyal frames, the engine.io v4 / socket.io v5 wire format, plain JSON for the ws floor);
// the reconnect storm uses the real SDKs (@sinyal/client, socket.io-client).
import WebSocket from 'ws';
import { createDevToken } from '@sinyal/server';
import { processStats, serve } from './lib/rpc.mjs';
import { Histogram, cpuMs, r1 } from './lib/stats.mjs';
import { machineDelta, machineSample, procDelta, procSample } from './lib/proc.mjs';

/**
 * A phase whose sends were, at the 99th percentile, more than this behind their schedule
 * was not offered the rate it names: its load generator fell behind (load-bound).
 */
const BEHIND_P99_MS = 25;

const BTS = Buffer.from('"bts":');
const TEXT = 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing?'; // 64 chars
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let idCounter = 0;

/** `bts`: the message's *intended* send time (its slot in the schedule), not when it was actually sent. */
function payload(intended) {
  return `{"bts":${intended.toFixed(3)},"text":"${TEXT}"}`;
}

function extractBts(buf) {
  const i = buf.indexOf(BTS);
  if (i < 0) return -1;
  return parseFloat(buf.toString('latin1', i + 6, i + 32));
}

/** Tokens are signed before any timed phase (the server still verifies each one at the upgrade). */
async function signTokens(secret, prefix, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 500); j++) batch.push(createDevToken(secret, `${prefix}${j}`, 7200).then((t) => (out[j] = t)));
    await Promise.all(batch);
  }
  return out;
}

/** One raw connection speaking `proto` ('sinyal' | 'socketio' | 'ws'). */
class RawClient {
  constructor(proto, url, token, idx) {
    this.proto = proto;
    this.idx = idx;
    this.onDelivery = null;
    this.joinWaiters = new Map();
    this.joinFifo = [];
    this.closed = false;
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    let ws;
    if (proto === 'sinyal') ws = new WebSocket(url, ['sinyal.v1', `sinyal.bearer.${Buffer.from(token).toString('base64url')}`], { perMessageDeflate: false });
    else if (proto === 'socketio') ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    else ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    ws.on('open', () => {
      if (proto === 'sinyal') ws.send('{"t":"hello","v":1,"lib":"bench"}');
      else if (proto === 'ws') this.resolveReady();
    });
    ws.on('error', (err) => this.rejectReady(err));
    ws.on('close', () => {
      this.closed = true;
      this.rejectReady(new Error('closed'));
      for (const w of this.joinWaiters.values()) w.reject(new Error('closed'));
      for (const w of this.joinFifo) w.reject(new Error('closed'));
    });
    ws.on('message', (buf) => this.receive(buf));
  }

  receive(buf) {
    if (this.onDelivery !== null) {
      const bts = extractBts(buf);
      if (bts >= 0) return this.onDelivery(bts);
    }
    if (this.proto === 'sinyal') {
      // {"t":"ack… — publishers get one per publish; skip without parsing.
      if (buf[6] === 0x61 && buf[7] === 0x63 && buf[8] === 0x6b) return;
      const f = JSON.parse(buf.toString());
      if (f.t === 'welcome') this.resolveReady();
      else if (f.t === 'joined') this.joinWaiters.get(f.id)?.resolve();
      else if (f.t === 'nack') this.joinWaiters.get(f.id)?.reject(new Error(`${f.code}: ${f.msg}`));
      else if (f.t === 'error') this.rejectReady(new Error(`${f.code}: ${f.msg}`));
    } else if (this.proto === 'socketio') {
      const s = buf.toString();
      if (s === '2') this.ws.send('3');
      else if (s[0] === '0') this.ws.send('40');
      else if (s.startsWith('40')) this.resolveReady();
      else if (s.startsWith('43')) this.joinWaiters.get(s.slice(2, s.indexOf('[')))?.resolve();
      else if (s.startsWith('44')) this.rejectReady(new Error(`connect_error ${s}`));
    } else if (buf.toString() === '{"t":"joined"}') {
      this.joinFifo.shift()?.resolve();
    }
  }

  join(room) {
    return new Promise((resolve, reject) => {
      const id = `j${++idCounter}`;
      if (this.proto === 'ws') {
        this.joinFifo.push({ resolve, reject });
        this.ws.send(JSON.stringify({ t: 'join', room }));
        return;
      }
      const numericId = String(idCounter);
      const key = this.proto === 'sinyal' ? id : numericId;
      this.joinWaiters.set(key, { resolve: () => (this.joinWaiters.delete(key), resolve()), reject });
      if (this.proto === 'sinyal') this.ws.send(JSON.stringify({ t: 'join', id, room }));
      else this.ws.send(`42${numericId}${JSON.stringify(['join', room])}`);
    });
  }

  publish(room, body) {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // The counter is written with JSON.stringify, not `${n}`: a template literal or String(n) puts each
    // new number's text in V8's number-string cache, which holds it through scavenges, so every send
    // would promote its id (≈ 22 B) into the load's old space: growth, and so collections of the
    // load, that socket.io's id-less publish frames never cause. The id text is the same either way.
    if (this.proto === 'sinyal') this.ws.send(`{"t":"cmd","id":"${this.idx}-${JSON.stringify(++idCounter)}","name":"publish","room":"${room}","data":{"event":"bench:msg","data":${body}}}`);
    else if (this.proto === 'socketio') this.ws.send(`42["pub","${room}",${body}]`);
    else this.ws.send(`{"t":"pub","room":"${room}","data":${body}}`);
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}

/** Opens `n` clients with at most `concurrency` handshakes in flight; each joins `roomOf(i)`. */
async function openMany({ proto, url, n, concurrency = 200, tokens, roomOf, onOpenError }) {
  const clients = new Array(n);
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      for (let attempt = 0; attempt < 3; attempt++) {
        const c = new RawClient(proto, url, tokens?.[i], i);
        try {
          await c.ready;
          await c.join(roomOf(i));
          clients[i] = c;
          break;
        } catch (err) {
          c.close();
          onOpenError?.(err);
          if (attempt === 2) failed++;
          else await sleep(100);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return { clients: clients.filter(Boolean), failed };
}

async function closeClients(clients, timeoutMs = 10_000) {
  for (const c of clients) c.close();
  const deadline = Date.now() + timeoutMs;
  while (clients.some((c) => !c.closed) && Date.now() < deadline) await sleep(50);
  for (const c of clients) if (!c.closed) c.ws.terminate();
}

/**
 * Sends `rate` frames/s for `durationMs` on a fixed schedule: frame k is due at
 * start + k / rate, and `sendOne(k, intended)` gets that intended time, which the frame
 * carries, so a latency is measured from when the message should have left (a load
 * generator that falls behind shows as latency, not as a slower offered rate). Every late
 * frame is sent at the next check (every 1 ms). Resolves with the count sent and how far
 * behind schedule the sends were (`lagMs`).
 */
function pace(rate, durationMs, sendOne) {
  const total = Math.floor((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const start = now();
  const lag = new Histogram();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const t = now();
      while (sent < total) {
        const intended = start + sent * interval;
        if (intended > t) break;
        lag.record(t - intended);
        sendOne(sent++, intended);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve({ sent, sendMs: now() - start, lagMs: lag.summary() });
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
}

/** Time of the last delivery of any phase (for {@link settle}). */
let lastDeliveryAt = 0;

/** A measured phase: deliveries stamped before `start` (a warm-up, earlier phases) are not counted. */
function newPhase() {
  const phase = { start: now(), count: 0, last: 0, hist: new Histogram() };
  phase.deliver = (bts) => {
    const t = now();
    lastDeliveryAt = t;
    if (bts < phase.start) return;
    phase.count++;
    phase.last = t;
    phase.hist.record(t - bts);
  };
  return phase;
}

async function drain(phase, expected, sendEnd, { drainTimeoutMs = 8000, quietMs = 1500 } = {}) {
  for (;;) {
    const t = now();
    if (phase.count >= expected) return true;
    if (t - Math.max(phase.last, sendEnd) > quietMs) return false;
    if (t - sendEnd > drainTimeoutMs) return false;
    await sleep(10);
  }
}

/** Waits until no delivery arrived for `quietMs` (a backlog of an overloaded step drained), at most `timeoutMs`. */
async function settle(quietMs = 300, timeoutMs = 3000) {
  const t0 = now();
  while (now() - lastDeliveryAt < quietMs && now() - t0 < timeoutMs) await sleep(20);
  return r1(now() - t0);
}

/**
 * One step of a fixed ladder: `warmupMs` at `rate` (not counted), then `durationMs` at
 * `rate`, measured: deliveries of the measured messages, their latency from the intended
 * send time, and the CPU (user + system, from /proc) and write system calls of the server
 * (`serverPid`) and of this process between the start of the measured sends and the end
 * of their drain. Then waits for any backlog to drain before the next step.
 */
async function ladderStep({ rate, warmupMs, durationMs, drainTimeoutMs, serverPid, recipients, perMessage, sendOne }) {
  const warm = newPhase();
  const warmFrom = performance.timeOrigin + now();
  for (const c of recipients) c.onDelivery = warm.deliver;
  if (warmupMs > 0) await pace(rate, warmupMs, sendOne);
  const phase = newPhase();
  for (const c of recipients) c.onDelivery = phase.deliver;
  const srv0 = procSample(serverPid);
  const measuredFrom = performance.timeOrigin + now();
  // A server of several processes (`serverPid` a list: cluster workers, Redis): each one's share too.
  const parts0 = Array.isArray(serverPid) ? serverPid.map((pid) => procSample(pid)) : null;
  const load0 = procSample();
  const machine0 = machineSample();
  const { sent, sendMs, lagMs } = await pace(rate, durationMs, sendOne);
  const expected = sent * perMessage;
  const drained = await drain(phase, expected, phase.start + sendMs, { drainTimeoutMs });
  const server = procDelta(srv0, procSample(serverPid));
  const measuredTo = performance.timeOrigin + now();
  if (parts0) server.parts = serverPid.map((pid, i) => procDelta(parts0[i], procSample(pid)).cpuPct);
  const load = procDelta(load0, procSample());
  const machine = machineDelta(machine0, machineSample(), (server.cpuMs ?? 0) + (load.cpuMs ?? 0));
  const settleMs = await settle();
  const activeMs = (phase.last || now()) - phase.start;
  return {
    rate,
    sent,
    expected,
    delivered: phase.count,
    deliveredRatio: expected ? Math.round((phase.count / expected) * 1000) / 1000 : null,
    drained,
    activeMs: r1(activeMs),
    deliveriesPerSec: activeMs > 0 ? Math.round((phase.count / activeMs) * 1000) : 0,
    latencyMs: phase.hist.summary(),
    sendLagMs: lagMs,
    behind: (lagMs.p99 ?? 0) > BEHIND_P99_MS,
    server,
    load,
    machine,
    settleMs,
    /** The step in epoch ms, for the server's own records of it: its warm-up from `warmFrom`, the measured part (first measured send to the end of the drain) from `from` to `to`. */
    window: { warmFrom: Math.round(warmFrom), from: Math.round(measuredFrom), to: Math.round(measuredTo) },
  };
}

// ---------------------------------------------------------------- state
const state = { clients: [], publishers: [], sdk: [] };

async function setupClients({ proto, url, secret, n, roomOf, prefix, tokens }) {
  tokens ??= proto === 'sinyal' ? await signTokens(secret, prefix, n) : undefined;
  const errors = new Map();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const { clients, failed } = await openMany({ proto, url, n, tokens, roomOf, onOpenError: (e) => errors.set(String(e.message).slice(0, 80), (errors.get(String(e.message).slice(0, 80)) ?? 0) + 1) });
  const openMs = now() - t0;
  const loadCpuMs = cpuMs(cpu0, process.cpuUsage());
  return { clients, failed, openMs: r1(openMs), loadCpuMs: r1(loadCpuMs), loadCpuPct: openMs > 0 ? r1((loadCpuMs / openMs) * 100) : null, errors: Object.fromEntries(errors) };
}

serve({
  // The load's own major GCs in a step (bench/run.mjs prints them beside the server's): a
  // pause here delays the receipt of deliveries as one in the server delays their sending.
  majorGcs: processStats.majorGcs,
  // ---------------- (a) fan-out: 1 room, `subscribers` members + `publishers` publishing members (default 1)
  async fanoutSetup({ proto, url, secret, subscribers, publishers = 1 }) {
    const r = await setupClients({ proto, url, secret, n: subscribers + publishers, roomOf: () => 'bench:fan', prefix: 'fan' });
    state.publishers = r.clients.splice(r.clients.length - publishers, publishers);
    state.clients = r.clients;
    return { opened: r.clients.length, publishers: state.publishers.length, failed: r.failed, openMs: r.openMs, errors: r.errors };
  },
  async fanoutRun({ rate, warmupMs, durationMs, drainTimeoutMs, serverPid }) {
    const pubs = state.publishers;
    for (const pub of pubs) pub.onDelivery = () => {}; // publishers are members too (they get every event); not counted
    // Round-robin over the publishers (with one publisher: all from the same connection).
    const step = await ladderStep({
      rate, warmupMs, durationMs, drainTimeoutMs, serverPid, recipients: state.clients, perMessage: state.clients.length,
      sendOne: (k, intended) => pubs[k % pubs.length].publish('bench:fan', payload(intended)),
    });
    return { subscribers: state.clients.length, ...step };
  },

  // ---------------- (b) chat: `clients` clients in clients/2 two-person rooms
  async chatSetup({ proto, url, secret, clients }) {
    const r = await setupClients({ proto, url, secret, n: clients, roomOf: (i) => `bench:p${i >> 1}`, prefix: 'chat' });
    state.clients = r.clients;
    return { opened: r.clients.length, failed: r.failed, openMs: r.openMs, errors: r.errors };
  },
  async chatRun({ rate, warmupMs, durationMs, drainTimeoutMs, serverPid }) {
    const clients = state.clients;
    // Round-robin with a stride so consecutive messages come from different rooms; both members
    // of the room receive each message (the sender's echo included).
    const step = await ladderStep({
      rate, warmupMs, durationMs, drainTimeoutMs, serverPid, recipients: clients, perMessage: 2,
      sendOne: (k, intended) => {
        const c = clients[(k * 7919) % clients.length];
        c.publish(`bench:p${c.idx >> 1}`, payload(intended));
      },
    });
    return { clients: clients.length, ...step };
  },

  // ---------------- (c) connections: open n, each joins one room shared by 10
  /** Signs the tokens of connections `first`…`first + n - 1` (before any timed phase). */
  async connPrepare({ proto, secret, first = 0, n }) {
    state.connTokens = proto === 'sinyal' ? await signTokens(secret, `conn${first}-`, n) : undefined;
    return true;
  },
  /** Opens the prepared `n` connections (numbered from `first`, for their rooms) and keeps them open. */
  async connOpen({ proto, url, n, first = 0 }) {
    const r = await setupClients({ proto, url, n, tokens: state.connTokens, roomOf: (i) => `bench:c${Math.floor((first + i) / 10)}` });
    state.connTokens = undefined;
    state.clients.push(...r.clients);
    return { opened: r.clients.length, failed: r.failed, openMs: r.openMs, loadCpuMs: r.loadCpuMs, loadCpuPct: r.loadCpuPct, errors: r.errors };
  },

  // ---------------- (e) soak: n connections in n/2 two-person rooms, idle but for their pings and a slow chat
  async soakSetup({ proto, url, secret, n }) {
    const r = await setupClients({ proto, url, secret, n, roomOf: (i) => `bench:p${i >> 1}`, prefix: 'soak' });
    state.clients = r.clients;
    return { opened: r.clients.length, failed: r.failed, openMs: r.openMs, errors: r.errors };
  },
  /**
   * `rate` chat messages/s (from the intended send time, as in the ladder steps) for
   * `durationMs`, while every connection pings every `pingEveryMs` (staggered, like the SDK's
   * heartbeat): deliveries, latency, connections closed meanwhile, CPU of the server and of
   * this process.
   */
  async soakRun({ rate, durationMs, drainTimeoutMs, serverPid, pingEveryMs = 25_000 }) {
    const clients = state.clients;
    const open0 = clients.filter((c) => !c.closed).length;
    const slices = Math.max(1, Math.round(pingEveryMs / 1000));
    let tick = 0;
    const pinger = setInterval(() => {
      const slice = tick++ % slices;
      for (let i = slice; i < clients.length; i += slices) {
        const c = clients[i];
        if (c.ws.readyState === WebSocket.OPEN) c.ws.send(`{"t":"ping","ts":${Date.now()}}`);
      }
    }, 1000);
    try {
      const phase = newPhase();
      for (const c of clients) c.onDelivery = phase.deliver;
      const srv0 = procSample(serverPid);
      const load0 = procSample();
      const machine0 = machineSample();
      const { sent, sendMs, lagMs } = await pace(rate, durationMs, (k, intended) => {
        const c = clients[(k * 7919) % clients.length];
        c.publish(`bench:p${c.idx >> 1}`, payload(intended));
      });
      const drained = await drain(phase, sent * 2, phase.start + sendMs, { drainTimeoutMs });
      const server = procDelta(srv0, procSample(serverPid));
      const load = procDelta(load0, procSample());
      const machine = machineDelta(machine0, machineSample(), (server.cpuMs ?? 0) + (load.cpuMs ?? 0));
      const open1 = clients.filter((c) => !c.closed).length;
      return {
        rate, sent, expected: sent * 2, delivered: phase.count, deliveredRatio: sent ? Math.round((phase.count / (sent * 2)) * 1000) / 1000 : null, drained,
        latencyMs: phase.hist.summary(), sendLagMs: lagMs, behind: (lagMs.p99 ?? 0) > BEHIND_P99_MS, server, load, machine,
        openAtStart: open0, openAtEnd: open1, disconnects: open0 - open1,
      };
    } finally {
      clearInterval(pinger);
    }
  },

  async closeAll() {
    const all = [...state.clients, ...state.publishers];
    state.clients = [];
    state.publishers = [];
    await closeClients(all);
    return true;
  },

  // ---------------- (d) reconnect storm with the real SDKs (Sinyal, socket.io) or reconnecting raw ws
  async stormSetup({ proto, url, secret, clients, rooms }) {
    const roomOf = (i) => `bench:s${i % rooms}`;
    const tokens = proto === 'sinyal' ? await signTokens(secret, 'storm', clients) : undefined;
    const t0 = now();
    const cpu0 = process.cpuUsage();
    state.sdk = [];
    state.errors = 0;
    const batch = 250;
    for (let i = 0; i < clients; i += batch) {
      const part = [];
      for (let j = i; j < Math.min(clients, i + batch); j++) {
        const st = { joinedAt: 0, seq: 0, seqAt: 0, resumed: undefined, resets: 0, armed: false };
        st.room = roomOf(j);
        if (proto === 'sinyal') await makeSinyalSdk(st, url, tokens[j]);
        else if (proto === 'socketio') await makeSocketIoSdk(st, url);
        else makeWsReconnecting(st, url);
        state.sdk.push(st);
        part.push(st);
      }
      const deadline = Date.now() + 30_000;
      while (part.some((st) => !st.joinedAt) && Date.now() < deadline) await sleep(10);
    }
    const joined = state.sdk.filter((st) => st.joinedAt).length;
    return { joined, openMs: r1(now() - t0), loadCpuMs: r1(cpuMs(cpu0, process.cpuUsage())) };
  },
  async stormWaitSeq({ seq, timeoutMs = 30_000 }) {
    const deadline = Date.now() + timeoutMs;
    while (state.sdk.some((st) => st.seq < seq) && Date.now() < deadline) await sleep(20);
    return state.sdk.filter((st) => st.seq >= seq).length;
  },
  stormArm() {
    state.armAt = now();
    state.armCpu = process.cpuUsage();
    for (const st of state.sdk) {
      st.armed = true;
      st.joinedAt = 0;
      st.resumed = undefined;
      st.seqAt = 0;
    }
    return true;
  },
  async stormWait({ expectSeq = 0, timeoutMs = 60_000 }) {
    const done = (st) => st.joinedAt && (!expectSeq || st.seq >= expectSeq);
    const deadline = Date.now() + timeoutMs;
    while (state.sdk.some((st) => !done(st)) && Date.now() < deadline) await sleep(10);
    const t0 = state.armAt;
    const rejoin = new Histogram();
    const caughtUp = new Histogram();
    let allRejoined = 0;
    let allCaughtUp = 0;
    for (const st of state.sdk) {
      if (st.joinedAt) {
        rejoin.record(st.joinedAt - t0);
        allRejoined = Math.max(allRejoined, st.joinedAt - t0);
      }
      if (expectSeq && st.seq >= expectSeq) {
        const at = Math.max(st.seqAt, st.joinedAt) - t0;
        caughtUp.record(at);
        allCaughtUp = Math.max(allCaughtUp, at);
      }
    }
    const n = state.sdk.length;
    const rejoined = state.sdk.filter((st) => st.joinedAt).length;
    return {
      clients: n,
      rejoined,
      allRejoinedMs: rejoined === n ? r1(allRejoined) : null,
      rejoinMs: rejoin.summary(),
      ...(expectSeq
        ? {
            caughtUp: state.sdk.filter((st) => st.seq >= expectSeq).length,
            allCaughtUpMs: state.sdk.every((st) => st.seq >= expectSeq) ? r1(allCaughtUp) : null,
            resumedJoins: state.sdk.filter((st) => st.resumed === true).length,
            resets: state.sdk.reduce((a, st) => a + st.resets, 0),
          }
        : {}),
      loadCpuMs: r1(cpuMs(state.armCpu, process.cpuUsage())),
      loadWallMs: r1(now() - t0),
      sdkErrors: state.errors,
    };
  },
  async stormClose() {
    for (const st of state.sdk) st.close?.();
    const deadline = Date.now() + 10_000;
    while (state.sdk.some((st) => st.isOpen?.()) && Date.now() < deadline) await sleep(50);
    state.sdk = [];
    return true;
  },
});

// ---------------------------------------------------------------- SDK clients for the storm
let sdkModules;
async function sdk() {
  sdkModules ??= { sinyal: await import('@sinyal/client'), sio: await import('socket.io-client') };
  return sdkModules;
}

async function makeSinyalSdk(st, url, token) {
  const { createClient } = (await sdk()).sinyal;
  const client = createClient({ url, token: () => token, WebSocket, onError: () => state.errors++ });
  const room = client.room(st.room);
  room.on('bench:msg', (_data, meta) => {
    st.seq = meta.seq;
    st.seqAt = now();
  });
  room.onJoined(({ resumed }) => {
    st.joinedAt = now();
    st.resumed = resumed;
  });
  room.onReset(() => st.resets++);
  st.close = () => client.close();
  st.isOpen = () => false;
}

async function makeSocketIoSdk(st, url) {
  const { io } = (await sdk()).sio;
  const socket = io(url, { transports: ['websocket'], forceNew: true });
  socket.on('connect', () => socket.emit('join', st.room, () => (st.joinedAt = now())));
  socket.on('connect_error', () => state.errors++);
  st.close = () => socket.close();
  st.isOpen = () => socket.connected;
}

/** Raw ws with the same reconnect policy as the Sinyal client: < 1 s after a 1012, then full-jitter backoff. */
function makeWsReconnecting(st, url) {
  let attempt = 0;
  let stopped = false;
  let ws;
  const connect = () => {
    ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => ws.send(JSON.stringify({ t: 'join', room: st.room })));
    ws.on('message', (buf) => {
      if (buf.toString() === '{"t":"joined"}') {
        attempt = 0;
        st.joinedAt = now();
      }
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      if (stopped) return;
      const delay = code === 1012 || code === 1001 ? Math.random() * 1000 : Math.random() * Math.min(20_000, 500 * 2 ** attempt++);
      setTimeout(connect, delay);
    });
  };
  connect();
  st.close = () => {
    stopped = true;
    ws.close();
  };
  st.isOpen = () => ws.readyState === WebSocket.OPEN;
}
