// Client-side decode + dispatch throughput in Node: pre-encoded inbound `event` frames are fed
// into a Sinyal client's message handler through a fake WebSocket and handler calls/s counted.
// For comparison the same is done with socket.io-client through a fake engine.io transport
// (engine.io packet decode + socket.io-parser decode + emitter dispatch).
// Run standalone: node bench/decode.mjs [--n=200000]
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Both clients are bundled the way they ship to browsers (esbuild, browser conditions,
// production): socket.io-client's Node entry is its debug build, which would be unfair.
const root = fileURLToPath(new URL('..', import.meta.url));
async function bundle(name, code) {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'ts' },
    bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', target: 'es2022',
    alias: { '@sinyal/protocol': `${root}packages/protocol/src/index.ts`, '@sinyal/client': `${root}packages/client/src/index.ts` },
    define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'error',
  });
  const dir = `${root}bench/results/.cache`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}-${process.pid}.mjs`;
  writeFileSync(file, result.outputFiles[0].contents);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(file, { force: true });
  }
}
const { createClient } = await bundle('sinyal', `export { createClient } from '@sinyal/client';`);
const { io, EioWebSocketTransport } = await bundle('socketio', `export { io } from 'socket.io-client'; export { WebSocket as EioWebSocketTransport } from 'engine.io-client';`);

const arg = (name, def) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const N = arg('n', 200_000);
const ROUNDS = arg('rounds', 3);
const DATA = { id: 'm-1', from: 'agent-7', text: 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing?', at: 1763900000100 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function sinyal() {
  let sock;
  class FakeWebSocket {
    readyState = 0;
    onopen = null; onmessage = null; onclose = null; onerror = null;
    constructor() {
      sock = this;
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
      }, 0);
    }
    send(text) {
      const f = JSON.parse(text);
      const reply = (o) => queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(o) }));
      if (f.t === 'hello') reply({ t: 'welcome', v: 1, sid: 's', user: 'u', now: Date.now(), heartbeatTimeoutMs: 600000, maxFrameBytes: 65536 });
      else if (f.t === 'join') reply({ t: 'joined', id: f.id, room: f.room, epoch: 'e1', seq: 0, resumed: false });
    }
    close() { this.readyState = 3; }
  }
  const client = createClient({ url: 'ws://fake/ws', token: 't', WebSocket: FakeWebSocket, heartbeat: { intervalMs: 0 } });
  let calls = 0;
  const room = client.room('bench:lobby');
  room.on('bench:msg', () => calls++);
  while (room.getSnapshot().status !== 'joined') await sleep(1);
  let seq = 0;
  const results = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const frames = new Array(N);
    for (let i = 0; i < N; i++) frames[i] = JSON.stringify({ t: 'event', room: 'bench:lobby', name: 'bench:msg', data: DATA, epoch: 'e1', seq: ++seq, at: 1763900000100 + i });
    calls = 0;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) sock.onmessage({ data: frames[i] });
    const ms = performance.now() - t0;
    if (calls !== N) throw new Error(`sinyal: ${calls} handler calls for ${N} frames`);
    if (round > 0) results.push((N / ms) * 1000); // round 0 is warm-up
  }
  client.close();
  return { frameBytes: frames0Size(), perSec: results };
}
function frames0Size() {
  return Buffer.byteLength(JSON.stringify({ t: 'event', room: 'bench:lobby', name: 'bench:msg', data: DATA, epoch: 'e1', seq: 123456, at: 1763900000100 }));
}

async function socketio() {
  let sock;
  class FakeWs {
    readyState = 0;
    onopen = null; onmessage = null; onclose = null; onerror = null;
    binaryType = 'nodebuffer';
    constructor() {
      sock = this;
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.({});
        this.onmessage?.({ data: '0{"sid":"e","upgrades":[],"pingInterval":600000,"pingTimeout":600000,"maxPayload":1000000}' });
      }, 0);
    }
    send(data) {
      if (data === '40') queueMicrotask(() => this.onmessage?.({ data: '40{"sid":"s"}' }));
    }
    close() { this.readyState = 3; }
  }
  class FakeTransport extends EioWebSocketTransport {
    createSocket() { return new FakeWs(); }
    doWrite(_packet, data) { this.ws.send(data); }
  }
  const socket = io('http://fake', { transports: [FakeTransport], reconnection: false, forceNew: true });
  let calls = 0;
  socket.on('msg', () => calls++);
  while (!socket.connected) await sleep(1);
  const results = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const frames = new Array(N);
    for (let i = 0; i < N; i++) frames[i] = `42${JSON.stringify(['msg', { ...DATA, at: DATA.at + i }])}`;
    calls = 0;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) sock.onmessage({ data: frames[i] });
    // socket.io-client hands decoded packets over on process.nextTick: wait for all handler calls.
    const deadline = Date.now() + 60_000;
    while (calls < N && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    const ms = performance.now() - t0;
    if (calls !== N) throw new Error(`socket.io: ${calls} handler calls for ${N} frames`);
    if (round > 0) results.push((N / ms) * 1000);
  }
  socket.close();
  return { frameBytes: Buffer.byteLength(`42${JSON.stringify(['msg', DATA])}`), perSec: results };
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const out = { n: N, rounds: ROUNDS };
const s = await sinyal();
out.sinyal = { frameBytes: s.frameBytes, eventsPerSec: Math.round(median(s.perSec)), rounds: s.perSec.map(Math.round) };
try {
  const o = await socketio();
  out.socketio = { frameBytes: o.frameBytes, eventsPerSec: Math.round(median(o.perSec)), rounds: o.perSec.map(Math.round) };
} catch (err) {
  out.socketio = { error: String(err?.message ?? err) };
}
if (process.send) process.send(out, () => process.exit(0));
else {
  console.log(JSON.stringify(out, null, 2));
  process.exit(0);
}
