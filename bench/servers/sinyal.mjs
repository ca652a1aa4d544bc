// Sinyal reference server under test, in its own process. Driven over IPC by bench/run.mjs.
// With BENCH_WORKERS=N (`--servers=sinyal-wN`), this process is a node:cluster primary that
// forks N workers, each a createServer on a RedisStore (BENCH_REDIS_URL) sharing the port:
// the embedding recipe of docs/scaling.md ("Several workers on one machine").
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { BENCH_LIMITS } from '../lib/benchLimits.mjs';
import { serve, processStats } from '../lib/rpc.mjs';

// `--servers=sinyal@DIR` (bench/run.mjs) loads another build of the server, e.g. a copy
// of packages/server/dist from before a change, to compare two builds in the same run.
const { createServer, MemoryStore, RedisStore } = process.env.BENCH_SINYAL_DIST
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
    limits: BENCH_LIMITS,
  };
}

const WORKERS = Number(process.env.BENCH_WORKERS || 0);
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';

if (cluster.isWorker) {
  // A worker: the same server as below, on Redis, under the primary's key prefix.
  store = new RedisStore({ url: REDIS_URL, prefix: process.env.BENCH_PREFIX });
  server = await createServer(options());
  process.on('SIGTERM', async () => {
    await Promise.race([server.close(), new Promise((r) => setTimeout(r, 2000))]);
    await store.close().catch(() => {});
    process.exit(0);
  });
  process.send({ listening: server.url, port: server.port });
} else if (WORKERS > 0) {
  const prefix = `sinyal-bench-${randomBytes(4).toString('hex')}:`;
  let workerPids = [];
  serve({
    ...processStats,
    /** Forks the workers; `pids`: every process of the server side (this primary, the workers, Redis) for CPU readings. */
    async start() {
      const started = await Promise.all(
        Array.from({ length: WORKERS }, () => {
          const worker = cluster.fork({ BENCH_PREFIX: prefix });
          return new Promise((resolve, reject) => {
            worker.once('message', (m) => resolve({ pid: worker.process.pid, ...m }));
            worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
          });
        }),
      );
      workerPids = started.map((w) => w.pid);
      const { Redis } = await import('ioredis');
      const redis = new Redis(REDIS_URL);
      const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
      redis.disconnect();
      const pids = [process.pid, ...workerPids, ...(Number.isInteger(redisPid) ? [redisPid] : [])];
      const roles = ['primary', ...workerPids.map((_, i) => `worker ${i + 1}`), ...(Number.isInteger(redisPid) ? ['redis-server'] : [])];
      return { url: started[0].listening, port: started[0].port, pids, roles };
    },
    async exit() {
      const gone = Object.values(cluster.workers).map((w) => new Promise((r) => (w.isDead() ? r() : w.once('exit', r))));
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
      await Promise.race([Promise.all(gone), new Promise((r) => setTimeout(r, 4000))]);
      const { Redis } = await import('ioredis');
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  });
} else serve({
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
