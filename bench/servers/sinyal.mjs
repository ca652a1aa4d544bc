// Sinyal reference server under test, in its own process. Driven over IPC by bench/run.mjs.
import { pathToFileURL } from 'node:url';
import { serve, processStats } from '../lib/rpc.mjs';

// `--servers=sinyal@DIR` (bench/run.mjs) loads another build of the server, e.g. a copy
// of packages/server/dist from before a change, to compare two builds in the same run.
const { createServer, MemoryStore } = process.env.BENCH_SINYAL_DIST
  ? await import(pathToFileURL(`${process.env.BENCH_SINYAL_DIST}/index.js`).href)
  : await import('@sinyal/server');

const SECRET = process.env.BENCH_SECRET;
let server;
let store;
let port = 0;

function options() {
  return {
    port,
    host: '127.0.0.1',
    auth: { secret: SECRET },
    logger: null,
    store,
    // `sinyal-unbatched` in bench/run.mjs: one socket write per frame per member, as socket.io and ws do.
    ...(process.env.BENCH_BATCH_WRITES === '0' ? { batchWrites: false } : {}),
    rooms: { bench: { publish: ['bench:msg'], history: 100 } },
    limits: {
      messagesPerSecond: 1e6,
      burst: 1e6,
      maxConnectionsPerUser: 100000,
      // Every load client connects from 127.0.0.1.
      maxConnections: 200_000,
      maxConnectionsPerIp: 200_000,
      maxBufferedBytes: 64 * 1024 * 1024,
      // Raw load clients do not ping; keep them from being evicted during long scenarios.
      heartbeatTimeoutMs: 10 * 60_000,
    },
  };
}

serve({
  ...processStats,
  async start() {
    store = new MemoryStore();
    server = await createServer(options());
    port = server.port;
    return { url: server.url, port };
  },
  connections: () => server.connections(),
  /** The bounded stores as /metrics shows them (unlabelled sinyal_* gauges of bytes, entries, rooms). */
  async bounded() {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const wanted = /^(sinyal_(?:history|dedupe|rooms|http_queued|outbox|held|presence|push)[a-z_]*) (\S+)$/;
    return Object.fromEntries(text.split('\n').map((line) => wanted.exec(line)).filter(Boolean).map((m) => [m[1], Number(m[2])]));
  },
  /** Publishes `count` durable events into each room (server-side, like a backend would). */
  async publishRooms({ rooms, count, base = 0 }) {
    for (let c = 0; c < count; c++) for (const room of rooms) await server.publish(room, 'bench:msg', { n: base + c });
    return true;
  },
  /** "Restart": close (clients get 1012), listen again on the same port with the same store, publish. */
  async restart({ rooms = [], publishAfter = 0 }) {
    const t0 = performance.now();
    await server.close();
    const closedMs = performance.now() - t0;
    server = await createServer(options());
    const listeningMs = performance.now() - t0;
    for (let c = 0; c < publishAfter; c++) for (const room of rooms) await server.publish(room, 'bench:msg', { n: 1000 + c });
    return { closedMs, listeningMs };
  },
  async exit() {
    await Promise.race([server?.close(), new Promise((r) => setTimeout(r, 3000))]);
  },
});
