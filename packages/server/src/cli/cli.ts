#!/usr/bin/env node
import { createDevToken } from '../auth/authenticator';
import { CLI_USAGE, CliError, resolveCliConfig, startupMessage } from './cliConfig';
import { loadDevVapidKeys } from '../features/notification/devVapid';
import { devTokenRoute } from '../http/devTokenRoute';
import { createPinoLogger } from '../ops/logger';
import { platformFeatures } from '../features/platform';
import { RedisStore } from '../redis/redisStore';
import { createServer } from '../server';

async function main(): Promise<void> {
  const config = resolveCliConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    console.log(CLI_USAGE);
    return;
  }
  const store = config.redisUrl ? new RedisStore({ url: config.redisUrl, ...(config.redisPrefix ? { prefix: config.redisPrefix } : {}) }) : undefined;

  // Web Push: keys from the environment, or (--dev) the pair generated once into a file.
  const devVapid = config.vapid && 'devFile' in config.vapid ? loadDevVapidKeys(config.vapid.devFile) : undefined;
  const vapidKeys = config.vapid && ('keys' in config.vapid ? config.vapid.keys : devVapid);
  const push = vapidKeys && config.vapid ? { vapid: { publicKey: vapidKeys.publicKey, privateKey: vapidKeys.privateKey, subject: config.vapid.subject } } : undefined;

  const server = await createServer({
    ...(store ? { store } : {}),
    port: config.port,
    host: config.host,
    path: config.path,
    auth: { secret: config.secret },
    origins: config.origins,
    logger: createPinoLogger(config.logLevel),
    metrics: config.metrics === false ? false : { processMetrics: true, ...(config.metrics.token ? { token: config.metrics.token } : {}) },
    // An open room kind to try things in, only while developing: in production every room
    // kind a client may publish into should authorize who joins.
    ...(config.dev ? { rooms: { demo: { history: 100, publish: ({ event }) => event.startsWith('demo:') } } } : {}),
    // With --redis, the features keep their state in Redis too, so N nodes serve one platform.
    features: platformFeatures({ ...(store ? { redis: store } : {}), ...(push ? { notification: { push } } : {}) }).features,
    publishSecret: config.publishSecret,
    // Only with a development secret generated here: tokens for anyone who asks.
    ...(config.dev && config.secretGenerated ? { routes: [devTokenRoute(config.secret)] } : {}),
  });

  const printsSecrets = config.dev && config.secretGenerated && config.publishSecretGenerated;
  const devToken = printsSecrets ? await createDevToken(config.secret, 'dev', 3600) : undefined;
  console.log(startupMessage(config, server, devToken, push && { vapidPublicKey: push.vapid.publicKey, vapidGenerated: devVapid?.generated ?? false }));

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
  console.error(`sinyal-server: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof CliError) console.error('Run sinyal-server --help for the options.');
  process.exit(1);
});
