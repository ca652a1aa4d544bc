// Load generator, in its own process, driven over IPC by bench/run.mjs.
// Throughput scenarios use lightweight raw `ws` clients that speak each protocol
// (Sinyal frames, the engine.io v4 / socket.io v5 wire format, plain JSON for the ws floor);
// the reconnect storm uses the real SDKs (@sinyal/client, socket.io-client).
import WebSocket from 'ws';
import { createDevToken } from '@sinyal/server';
import { serve } from './lib/rpc.mjs';
import { Histogram, cpuMs, r1 } from './lib/stats.mjs';

const BTS = Buffer.from('"bts":');
const TEXT = 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing?'; // 64 chars
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let idCounter = 0;

function payload() {
  return `{"bts":${now().toFixed(3)},"text":"${TEXT}"}`;
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
    if (this.proto === 'sinyal') this.ws.send(`{"t":"cmd","id":"${this.idx}-${++idCounter}","name":"publish","room":"${room}","data":{"event":"bench:msg","data":${body}}}`);
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

/** Sends `rate` frames/s for `durationMs` (catching up each 2 ms tick); resolves with the count sent. */
function pace(rate, durationMs, sendOne) {
  const total = Math.floor((rate * durationMs) / 1000);
  const start = now();
  let sent = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = now() - start;
      const due = Math.min(total, Math.floor((rate * elapsed) / 1000));
      while (sent < due) sendOne(sent++);
      if (sent >= total) {
        clearInterval(timer);
        resolve({ sent, sendMs: now() - start });
      }
    }, 2);
  });
}

/** A measured phase: deliveries stamped before `start` (previous phases) are ignored. */
function newPhase() {
  const phase = { start: now(), count: 0, last: 0, hist: new Histogram() };
  phase.deliver = (bts) => {
    if (bts < phase.start) return;
    const t = now();
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

function phaseResult(phase, { sent, expected, cpu0, wall0 }) {
  const end = phase.last || now();
  const activeMs = end - phase.start;
  const wallMs = now() - wall0;
  const loadCpu = cpuMs(cpu0, process.cpuUsage());
  return {
    sent,
    expected,
    delivered: phase.count,
    deliveredRatio: expected ? Math.round((phase.count / expected) * 1000) / 1000 : null,
    activeMs: r1(activeMs),
    deliveriesPerSec: activeMs > 0 ? Math.round((phase.count / activeMs) * 1000) : 0,
    latencyMs: phase.hist.summary(),
    loadCpuMs: r1(loadCpu),
    loadWallMs: r1(wallMs),
    loadCpuPct: r1((loadCpu / wallMs) * 100),
  };
}

// ---------------------------------------------------------------- state
const state = { clients: [], publishers: [], sdk: [] };

async function setupClients({ proto, url, secret, n, roomOf, prefix }) {
  const tokens = proto === 'sinyal' ? await signTokens(secret, prefix, n) : undefined;
  const errors = new Map();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const { clients, failed } = await openMany({ proto, url, n, tokens, roomOf, onOpenError: (e) => errors.set(String(e.message).slice(0, 80), (errors.get(String(e.message).slice(0, 80)) ?? 0) + 1) });
  const openMs = now() - t0;
  return { clients, failed, openMs: r1(openMs), loadCpuMs: r1(cpuMs(cpu0, process.cpuUsage())), errors: Object.fromEntries(errors) };
}

serve({
  // ---------------- (a) fan-out: 1 room, `subscribers` members + `publishers` publishing members (default 1)
  async fanoutSetup({ proto, url, secret, subscribers, publishers = 1 }) {
    const r = await setupClients({ proto, url, secret, n: subscribers + publishers, roomOf: () => 'bench:fan', prefix: 'fan' });
    state.publishers = r.clients.splice(r.clients.length - publishers, publishers);
    state.clients = r.clients;
    return { opened: r.clients.length, publishers: state.publishers.length, failed: r.failed, openMs: r.openMs, errors: r.errors };
  },
  async fanoutRun({ rate, durationMs, drainTimeoutMs }) {
    const phase = newPhase();
    for (const c of state.clients) c.onDelivery = phase.deliver;
    const cpu0 = process.cpuUsage();
    const wall0 = now();
    const pubs = state.publishers;
    for (const pub of pubs) pub.onDelivery = () => {}; // publishers are members too (they get every event); not counted
    // Round-robin over the publishers (with one publisher: all from the same connection).
    const { sent, sendMs } = await pace(rate, durationMs, (k) => pubs[k % pubs.length].publish('bench:fan', payload()));
    const expected = sent * state.clients.length;
    const drained = await drain(phase, expected, wall0 + sendMs, { drainTimeoutMs });
    return { rate, subscribers: state.clients.length, drained, ...phaseResult(phase, { sent, expected, cpu0, wall0 }) };
  },

  // ---------------- (b) chat: `clients` clients in clients/2 two-person rooms
  async chatSetup({ proto, url, secret, clients }) {
    const r = await setupClients({ proto, url, secret, n: clients, roomOf: (i) => `bench:p${i >> 1}`, prefix: 'chat' });
    state.clients = r.clients;
    return { opened: r.clients.length, failed: r.failed, openMs: r.openMs, errors: r.errors };
  },
  async chatRun({ totalRate, durationMs, drainTimeoutMs }) {
    const phase = newPhase();
    for (const c of state.clients) c.onDelivery = phase.deliver;
    const cpu0 = process.cpuUsage();
    const wall0 = now();
    const clients = state.clients;
    // Round-robin with a stride so consecutive messages come from different rooms.
    const { sent, sendMs } = await pace(totalRate, durationMs, (k) => {
      const c = clients[(k * 7919) % clients.length];
      c.publish(`bench:p${c.idx >> 1}`, payload());
    });
    const expected = sent * 2; // both members of the room receive it (the sender's echo included)
    const drained = await drain(phase, expected, wall0 + sendMs, { drainTimeoutMs });
    return { totalRate, clients: clients.length, drained, ...phaseResult(phase, { sent, expected, cpu0, wall0 }) };
  },

  // ---------------- (c) connections: open n, each joins one room shared by 10
  async connOpen({ proto, url, secret, n }) {
    const r = await setupClients({ proto, url, secret, n, roomOf: (i) => `bench:c${Math.floor(i / 10)}`, prefix: 'conn' });
    state.clients = r.clients;
    return { opened: r.clients.length, failed: r.failed, openMs: r.openMs, loadCpuMs: r.loadCpuMs, errors: r.errors };
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
