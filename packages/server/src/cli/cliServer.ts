import { createDevToken } from '../auth/authenticator';
import { loadDevVapidKeys } from '../features/notification/devVapid';
import { platformFeatures } from '../features/platform';
import { devTokenRoute } from '../http/devTokenRoute';
import { createPinoLogger, type Logger } from '../ops/logger';
import { RedisStore } from '../redis/redisStore';
import { createServer } from '../server';
import type { SinyalServer } from '../api/server';
import type { CliConfig } from './cliConfig';

/** Web Push settings of the CLI's server (`undefined`: off). */
export type CliPush = { vapid: { publicKey: string; privateKey: string; subject: string } } | undefined;

/** What the CLI resolves once per run (in the cluster primary with `--workers`) and every server of the run shares. */
export interface CliShared {
  config: CliConfig;
  push: CliPush;
  /** Whether `--dev` generated the VAPID key pair now (printed in the startup message). */
  vapidGenerated: boolean;
}

/**
 * Web Push keys from the environment, or (`--dev`) the pair generated once into a file.
 * Done once per run, before any worker starts, so workers never race to create the file.
 */
export function resolveShared(config: CliConfig): CliShared {
  const devVapid = config.vapid && 'devFile' in config.vapid ? loadDevVapidKeys(config.vapid.devFile) : undefined;
  const vapidKeys = config.vapid && ('keys' in config.vapid ? config.vapid.keys : devVapid);
  const push = vapidKeys && config.vapid ? { vapid: { publicKey: vapidKeys.publicKey, privateKey: vapidKeys.privateKey, subject: config.vapid.subject } } : undefined;
  return { config, push, vapidGenerated: devVapid?.generated ?? false };
}

/** A server the CLI started, with the store it created for it. */
export interface CliServer {
  server: SinyalServer;
  /** Drains the server (clients told to reconnect), then closes the store; resolves with the exit code. */
  stop(): Promise<number>;
}

/** Starts the CLI's server in this process (`instance`: its name in `/health` and the upgrade header, see ServerOptions). */
export async function startCliServer({ config, push }: CliShared, instance?: string): Promise<CliServer> {
  const store = config.redisUrl ? new RedisStore({ url: config.redisUrl, ...(config.redisPrefix ? { prefix: config.redisPrefix } : {}) }) : undefined;
  const server = await createServer({
    ...(store ? { store } : {}),
    ...(instance !== undefined ? { instance } : {}),
    port: config.port,
    host: config.host,
    path: config.path,
    auth: { secret: config.secret },
    origins: config.origins,
    logger: instance === undefined ? createPinoLogger(config.logLevel) : withFields(createPinoLogger(config.logLevel), { instance }),
    metrics: config.metrics === false ? false : { processMetrics: true, ...(config.metrics.token ? { token: config.metrics.token } : {}) },
    // An open room kind to try things in, only while developing: in production every room
    // kind a client may publish into should authorize who joins.
    ...(config.dev ? { rooms: { demo: { history: 100, publish: ({ event }) => event.startsWith('demo:') } } } : {}),
    // With --redis, the features keep their state in Redis too, so N nodes serve one platform.
    features: platformFeatures({ ...(store ? { redis: store } : {}), ...(push ? { notification: { push } } : {}) }).features,
    publishSecret: config.publishSecret,
    // Only with a development secret generated here: tokens for anyone who asks.
    ...(config.dev && config.secretGenerated ? { routes: [devTokenRoute(config.secret)] } : {}),
  }).catch(async (error: unknown) => {
    await store?.close().catch(() => {});
    throw error;
  });
  let stopped: Promise<number> | undefined;
  return {
    server,
    // server.close() drains the clients and closes its fan-out (the Redis subscriber);
    // the store was created here, so its command connection is closed here, after it.
    stop: () =>
      (stopped ??= server.close().then(
        () => 0,
        () => 1,
      ).then(async (code) => {
        await store?.close().catch(() => {});
        return code;
      })),
  };
}

/** `logger` with `fields` in every entry (a worker's lines name it). */
function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const at = (write: ((obj: Record<string, unknown>, msg?: string) => void) | undefined) => (obj: Record<string, unknown>, msg?: string) => write?.call(logger, { ...fields, ...obj }, msg);
  return { debug: at(logger.debug), info: at(logger.info), warn: at(logger.warn), error: at(logger.error) };
}

/** The ready token `--dev` prints when it generated every secret (none otherwise). */
export async function devTokenFor(config: CliConfig): Promise<string | undefined> {
  const printsSecrets = config.dev && config.secretGenerated && config.publishSecretGenerated;
  return printsSecrets ? createDevToken(config.secret, 'dev', 3600) : undefined;
}
