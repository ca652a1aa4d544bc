// A Sinyal server node in a child process, on a RedisStore: what the multi-node tests
// start (bundled by nodeCluster.ts) and kill. Configured through the environment:
// PORT (default 0), REDIS_URL, SINYAL_PREFIX, SINYAL_SECRET, SINYAL_PUBLISH_SECRET, SINYAL_COMMAND_LEASE_MS,
// SINYAL_PRESENCE_TTL_MS (how soon a killed node's viewers and bidders stop counting).
// Mounts the five platform features on Redis (`platformFeatures({ redis })`) next to the
// plain `demo` and `private` rooms, and a `test:slow {ms, n}` command that waits `ms` and
// then publishes `demo:message {from, n}` into `demo:slow` (a command in flight when a node
// is killed). Prints `READY <port>` once listening.
import { createServer, platformFeatures, RedisAuctionStore, RedisPresenceStore, RedisStore } from '@sinyal/server';

const store = new RedisStore({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.SINYAL_PREFIX ?? 'sinyal:',
  ...(process.env.SINYAL_COMMAND_LEASE_MS ? { commandLeaseMs: Number(process.env.SINYAL_COMMAND_LEASE_MS) } : {}),
});
const presenceTtlMs = Number(process.env.SINYAL_PRESENCE_TTL_MS || 30_000);
const server = await createServer({
  port: Number(process.env.PORT ?? 0),
  auth: { secret: process.env.SINYAL_SECRET ?? 'integration-test-secret-0123456789abcdef' },
  logger: null,
  store,
  publishSecret: process.env.SINYAL_PUBLISH_SECRET || 'integration-test-publisher-0123456789',
  features: platformFeatures({
    redis: store,
    auction: {
      store: new RedisAuctionStore(store, { presenceTtlMs }),
      timerSyncIntervalMs: 200,
      biddersCoalesceMs: 20,
      bidRateLimit: { maxBids: 1000, windowMs: 1000 },
    },
    presence: { store: new RedisPresenceStore(store, { ttlMs: presenceTtlMs }), coalesceMs: 20 },
  }).features,
  commands: {
    'test:slow': async ({ user, data, server: self }) => {
      const { ms, n } = data as { ms: number; n: number };
      await new Promise((resolve) => setTimeout(resolve, ms));
      return self.publish('demo:slow', 'demo:message', { from: user.id, n });
    },
  },
  limits: { messagesPerSecond: 10_000, burst: 10_000, joinsPerSecond: 10_000, joinBurst: 10_000 },
  rooms: {
    demo: { publish: ['demo:message'], history: 1000 },
    private: { authorize: ({ user, id }) => id === user.id, publish: ['private:note'] },
  },
});
process.stdout.write(`READY ${server.port}\n`);

const stop = () => {
  void server
    .close()
    .then(() => store.close())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
