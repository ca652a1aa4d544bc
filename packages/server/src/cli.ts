#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDevToken } from './auth';
import { devTokenRoute } from './devTokenRoute';
import { createPinoLogger, type LogLevel } from './logger';
import { platformFeatures } from './features/platform';
import { RedisStore } from './redis/redisStore';
import { createServer } from './server';

const USAGE = `Usage: sinyal-server [--port 8080] [--host 127.0.0.1] [--path /ws] [--secret <hs256-secret>] [--publish-secret <s>] [--origin <url>]... [--redis <url>] [--redis-prefix sinyal:]
                     [--log-level info] [--metrics-token <t>] [--no-metrics]

  --port     port to listen on (env PORT; default 8080)
  --host     interface to bind (env HOST; default 127.0.0.1, use 0.0.0.0 in a container)
  --path     WebSocket path (default /ws)
  --secret   HS256 secret for client JWTs (env SINYAL_JWT_SECRET). Without one a random
             development secret is generated, a ready token for user "dev" is printed and
             GET /dev/token?user=<id> hands out tokens to anyone (development only).
  --origin   allowed browser origin, repeatable (default: any origin; set it in production)
  --publish-secret
             server-to-server secret of the publish API and the platform endpoints
             (env SINYAL_PUBLISH_SECRET; without one a random one is generated and printed)
  --redis    keep room history and command outcomes in Redis and fan events out through it,
             so several nodes serve one set of rooms (env SINYAL_REDIS_URL; default: in memory)
  --redis-prefix
             prefix of every Redis key and channel (env SINYAL_REDIS_PREFIX; default sinyal:)
  --log-level
             debug | info | warn | error (env SINYAL_LOG_LEVEL; default info). Logs are JSON
             lines (pino) on stderr; tokens and message bodies are never logged.
  --metrics-token
             bearer token required by GET /metrics (env SINYAL_METRICS_TOKEN; default: none,
             the endpoint is open to whoever reaches the port)
  --no-metrics
             do not serve /metrics

SIGTERM/SIGINT: stop accepting, let running commands finish, tell clients to reconnect
(close 1012), wait for them, close the Redis connections, exit 0. A second signal exits at once.

All five features are mounted (chat, auction, presence, property, notification; see docs/).
Rooms of kind "demo" (demo:*) are open to every authenticated user, who may publish demo:* events.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      path: { type: 'string' },
      secret: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'publish-secret': { type: 'string' },
      redis: { type: 'string' },
      'redis-prefix': { type: 'string' },
      'log-level': { type: 'string' },
      'metrics-token': { type: 'string' },
      'no-metrics': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${values.port ?? process.env.PORT}`);
  const configuredSecret = values.secret ?? process.env.SINYAL_JWT_SECRET;
  const secret = configuredSecret ?? randomBytes(32).toString('base64url');
  const configuredPublishSecret = values['publish-secret'] ?? process.env.SINYAL_PUBLISH_SECRET;
  const publishSecret = configuredPublishSecret ?? randomBytes(24).toString('base64url');

  const logLevel = (values['log-level'] ?? process.env.SINYAL_LOG_LEVEL ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new Error(`invalid log level: ${logLevel}`);
  const metricsToken = values['metrics-token'] ?? process.env.SINYAL_METRICS_TOKEN;

  const redisUrl = values.redis ?? process.env.SINYAL_REDIS_URL;
  const redisPrefix = values['redis-prefix'] ?? process.env.SINYAL_REDIS_PREFIX;
  const store = redisUrl ? new RedisStore({ url: redisUrl, ...(redisPrefix ? { prefix: redisPrefix } : {}) }) : undefined;

  const server = await createServer({
    ...(store ? { store } : {}),
    port,
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    path: values.path ?? '/ws',
    auth: { secret },
    origins: values.origin?.length ? values.origin : '*',
    logger: createPinoLogger(logLevel as LogLevel),
    metrics: values['no-metrics'] ? false : { processMetrics: true, ...(metricsToken ? { token: metricsToken } : {}) },
    rooms: {
      demo: { history: 100, publish: ({ event }) => event.startsWith('demo:') },
    },
    // With --redis, the features keep their state in Redis too, so N nodes serve one platform.
    features: platformFeatures(store ? { redis: store } : {}).features,
    publishSecret,
    // Only with the generated development secret: tokens for anyone who asks.
    ...(configuredSecret === undefined ? { routes: [devTokenRoute(secret)] } : {}),
  });

  console.log(`sinyal-server listening on ${server.url} (health: ${server.httpUrl}/health)${store ? `, Redis store at ${redisUrl}` : ''}`);
  if (configuredPublishSecret === undefined) console.log(`  publish secret (POST ${server.httpUrl}/api/publish …): ${publishSecret}`);
  if (configuredSecret === undefined) {
    const token = await createDevToken(secret, 'dev', 3600);
    console.log(`
No --secret or SINYAL_JWT_SECRET given: using a random development secret.
  secret:    ${secret}
  dev token: ${token}   (user "dev", valid 1 h)
  more:      GET ${server.httpUrl}/dev/token?user=<id>   (a token for anyone who asks: development only)

Try it from Node (npm i ws):
  import WebSocket from 'ws';
  const token = '${token}';
  const ws = new WebSocket('${server.url}', ['sinyal.v1', 'sinyal.bearer.' + Buffer.from(token).toString('base64url')]);
  ws.on('open', () => {
    ws.send(JSON.stringify({ t: 'hello', v: 1 }));
    ws.send(JSON.stringify({ t: 'join', id: 'j1', room: 'demo:lobby' }));
    ws.send(JSON.stringify({ t: 'cmd', id: 'c1', name: 'publish', room: 'demo:lobby', data: { event: 'demo:message', data: { text: 'hi' } } }));
  });
  ws.on('message', (m) => console.log(String(m)));
`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // second signal: do not wait any longer
    stopping = true;
    console.log(`${signal}: closing connections…`);
    // server.close() drains the clients and closes its fan-out (the Redis subscriber);
    // the store was created here, so its command connection is closed here, after it.
    void server
      .close()
      .then(
        () => 0,
        () => 1,
      )
      .then(async (code) => {
        await store?.close().catch(() => {});
        process.exit(code);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(USAGE);
  process.exit(1);
});
