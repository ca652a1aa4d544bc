// A Sinyal server node in a child process, on a RedisStore: what the multi-node tests
// start (bundled by nodeCluster.ts) and kill. Configured through the environment:
// PORT (default 0), REDIS_URL, SINYAL_PREFIX, SINYAL_SECRET, SINYAL_COMMAND_LEASE_MS. Prints `READY <port>` once listening.
import { createServer, RedisStore } from '@sinyal/server';

const store = new RedisStore({
  url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.SINYAL_PREFIX ?? 'sinyal:',
  ...(process.env.SINYAL_COMMAND_LEASE_MS ? { commandLeaseMs: Number(process.env.SINYAL_COMMAND_LEASE_MS) } : {}),
});
const server = await createServer({
  port: Number(process.env.PORT ?? 0),
  auth: { secret: process.env.SINYAL_SECRET ?? 'integration-test-secret-0123456789abcdef' },
  logger: null,
  store,
  limits: { messagesPerSecond: 10_000, burst: 10_000 },
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
