import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { LogLevel } from '../ops/logger';

/** Most worker restarts the `--workers` primary makes in a minute; further ones wait (see workers.ts). */
export const RESTARTS_PER_MINUTE = 5;

/** Largest `--workers` accepted (a typo such as 1000 would fork a thousand processes). */
export const MAX_WORKERS = 256;

export const CLI_USAGE = `Usage: sinyal-server [--dev] [--port 8080] [--host 127.0.0.1] [--path /ws] [--secret <hs256-secret>] [--publish-secret <s>]
                     [--origin <url>]... [--redis <url>] [--redis-prefix sinyal:] [--workers N|auto] [--log-level info] [--metrics-token <t>] [--no-metrics]

  --dev      development mode: a missing --secret or --publish-secret is generated at random
             and printed, with a ready token for user "dev" and a snippet to try it. Secrets
             are printed only in this mode, and not at all when any of them came from the
             command line or the environment. Without --secret it also serves
             GET /dev/token?user=<id> (a token for anyone who asks). Also mounts the open
             "demo" room kind and serves /metrics without a token. Never use --dev in production.
  --port     port to listen on (env PORT; default 8080)
  --host     interface to bind (env HOST; default 127.0.0.1, use 0.0.0.0 in a container)
  --path     WebSocket path (default /ws)
  --secret   HS256 secret for client JWTs, at least 32 bytes (env SINYAL_JWT_SECRET).
             Required unless --dev.
  --publish-secret
             server-to-server secret of the publish API and the platform endpoints, at
             least 32 bytes (env SINYAL_PUBLISH_SECRET). Required unless --dev.
  --origin   allowed browser origin, repeatable (env SINYAL_ORIGINS, comma-separated).
             Without one any origin may connect: a warning is logged unless --dev.
  --redis    keep room history and command outcomes in Redis and fan events out through it,
             so several nodes serve one set of rooms (env SINYAL_REDIS_URL; default: in memory)
  --redis-prefix
             prefix of every Redis key and channel (env SINYAL_REDIS_PREFIX; default sinyal:)
  --workers  run N worker processes sharing the port (node:cluster), one per core: 0 or auto
             = as many as the machine has cores (env SINYAL_WORKERS; default: one process, no
             cluster). More than one needs --redis: the workers share rooms, history and
             sequence numbers through Redis as separate nodes do; without it each would keep
             its own and clients on different workers would not see each other's events.
             A worker that dies is restarted (at most ${RESTARTS_PER_MINUTE} restarts a minute, the rest wait);
             SIGTERM/SIGINT drains every worker as below. /health and /metrics are answered
             by whichever worker takes the request (see instance in /health).
  --log-level
             debug | info | warn | error (env SINYAL_LOG_LEVEL; default info). Logs are JSON
             lines (pino) on stderr; tokens, secrets and message bodies are never logged.
  --metrics-token
             bearer token required by GET /metrics (env SINYAL_METRICS_TOKEN). Without one,
             /metrics is served only with --dev (open to whoever reaches the port).
  --no-metrics
             do not serve /metrics

Web Push (notifications to users who are away) is on when VAPID keys are configured:
SINYAL_VAPID_PUBLIC_KEY, SINYAL_VAPID_PRIVATE_KEY (npx web-push generate-vapid-keys) and
SINYAL_VAPID_SUBJECT (mailto: or https: contact for push services). With --dev and no keys
configured, a key pair is generated once into SINYAL_VAPID_FILE (default .sinyal/vapid-dev.json)
and reused on every start, so browser subscriptions survive restarts.

An empty environment variable counts as unset.

SIGTERM/SIGINT: stop accepting, let running commands finish, tell clients to reconnect
(close 1012), wait for them, close the Redis connections, exit 0. A second signal exits at once.

All five features are mounted (chat, auction, presence, property, notification; see docs/).
With --dev, rooms of kind "demo" (demo:*) are open to every authenticated user, who may
publish demo:* events.`;

/** Shortest secret the CLI accepts (HS256 wants a key at least as long as its 256-bit hash). */
export const MIN_SECRET_BYTES = 32;

/** A command line the CLI refuses, with a message for the operator. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Everything the CLI starts the server with, resolved from the arguments and the environment. */
export interface CliConfig {
  dev: boolean;
  port: number;
  host: string;
  path: string;
  secret: string;
  /** True when the secret was generated here (development mode only). */
  secretGenerated: boolean;
  publishSecret: string;
  publishSecretGenerated: boolean;
  origins: string[] | '*';
  redisUrl: string | undefined;
  redisPrefix: string | undefined;
  /** `--workers`: how many cluster workers to fork; `undefined` runs the server in this process. */
  workers: number | undefined;
  logLevel: LogLevel;
  /** `false`: no /metrics; otherwise served, with a token unless development mode. */
  metrics: false | { token: string | undefined };
  /**
   * Web Push: the configured VAPID keys (`keys`), the file `--dev` keeps its generated pair in
   * (`devFile`), or off (`undefined`).
   */
  vapid: { keys: { publicKey: string; privateKey: string }; subject: string } | { devFile: string; subject: string } | undefined;
}

/** VAPID subject of the key pair `--dev` generates when SINYAL_VAPID_SUBJECT is not set. */
export const DEV_VAPID_SUBJECT = 'mailto:dev@localhost.invalid';

/** Reads an environment variable; an empty value counts as unset. */
function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function checkSecret(name: string, value: string): void {
  if (Buffer.byteLength(value) < MIN_SECRET_BYTES) {
    throw new CliError(`${name} must be at least ${MIN_SECRET_BYTES} bytes (got ${Buffer.byteLength(value)}); generate one with: openssl rand -base64 32`);
  }
}

/**
 * Resolves the CLI's configuration, or `'help'`. Throws {@link CliError} for a command
 * line that must not start a server: outside `--dev`, a missing or short JWT or publish
 * secret (a production server never runs with a secret nobody configured).
 */
export function resolveCliConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cores: () => number = availableParallelism): CliConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        dev: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        path: { type: 'string' },
        secret: { type: 'string' },
        origin: { type: 'string', multiple: true },
        'publish-secret': { type: 'string' },
        redis: { type: 'string' },
        'redis-prefix': { type: 'string' },
        workers: { type: 'string' },
        'log-level': { type: 'string' },
        'metrics-token': { type: 'string' },
        'no-metrics': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return 'help';
  const dev = values.dev === true;

  const rawPort = values.port ?? fromEnv(env, 'PORT') ?? '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new CliError(`invalid port: ${rawPort}`);

  const configuredSecret = values.secret || fromEnv(env, 'SINYAL_JWT_SECRET');
  const configuredPublishSecret = values['publish-secret'] || fromEnv(env, 'SINYAL_PUBLISH_SECRET');
  if (!dev) {
    if (configuredSecret === undefined) throw new CliError('no JWT secret: pass --secret or set SINYAL_JWT_SECRET (or run with --dev to generate one for development)');
    if (configuredPublishSecret === undefined) throw new CliError('no publish secret: pass --publish-secret or set SINYAL_PUBLISH_SECRET (or run with --dev to generate one for development)');
  }
  if (configuredSecret !== undefined) checkSecret('the JWT secret (--secret / SINYAL_JWT_SECRET)', configuredSecret);
  if (configuredPublishSecret !== undefined) checkSecret('the publish secret (--publish-secret / SINYAL_PUBLISH_SECRET)', configuredPublishSecret);

  const redisUrl = values.redis || fromEnv(env, 'SINYAL_REDIS_URL');
  const workers = resolveWorkers(values.workers || fromEnv(env, 'SINYAL_WORKERS'), cores);
  if (workers !== undefined && workers > 1 && redisUrl === undefined) {
    throw new CliError(
      `--workers ${workers} needs Redis (--redis <url> or SINYAL_REDIS_URL). Each worker is a separate process: without a shared store each would keep its own rooms, ` +
        'history, sequence numbers and feature state, so clients on different workers would not see the same events in one order, and a client moved to another worker ' +
        '(after a restart) could not resume. Run Redis and pass --redis, or use --workers 1.',
    );
  }

  const logLevel = (values['log-level'] ?? fromEnv(env, 'SINYAL_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) throw new CliError(`invalid log level: ${logLevel}`);

  const originList = values.origin?.length ? values.origin : (fromEnv(env, 'SINYAL_ORIGINS')?.split(',').map((o) => o.trim()).filter(Boolean) ?? []);
  const metricsToken = values['metrics-token'] || fromEnv(env, 'SINYAL_METRICS_TOKEN');

  const vapidPublic = fromEnv(env, 'SINYAL_VAPID_PUBLIC_KEY');
  const vapidPrivate = fromEnv(env, 'SINYAL_VAPID_PRIVATE_KEY');
  const vapidSubject = fromEnv(env, 'SINYAL_VAPID_SUBJECT');
  if ((vapidPublic === undefined) !== (vapidPrivate === undefined)) throw new CliError('Web Push needs both SINYAL_VAPID_PUBLIC_KEY and SINYAL_VAPID_PRIVATE_KEY (or neither)');
  if (vapidSubject !== undefined && !/^(mailto:|https:\/\/)/.test(vapidSubject)) throw new CliError(`SINYAL_VAPID_SUBJECT must be a mailto: address or an https: URL, got ${vapidSubject}`);
  if (vapidPublic !== undefined && !dev && vapidSubject === undefined) throw new CliError('Web Push needs SINYAL_VAPID_SUBJECT (a mailto: address or https: URL push services can contact) with the VAPID keys');
  const vapid: CliConfig['vapid'] =
    vapidPublic !== undefined && vapidPrivate !== undefined
      ? { keys: { publicKey: vapidPublic, privateKey: vapidPrivate }, subject: vapidSubject ?? DEV_VAPID_SUBJECT }
      : dev
        ? { devFile: fromEnv(env, 'SINYAL_VAPID_FILE') ?? '.sinyal/vapid-dev.json', subject: vapidSubject ?? DEV_VAPID_SUBJECT }
        : undefined;

  return {
    dev,
    port,
    host: values.host || fromEnv(env, 'HOST') || '127.0.0.1',
    path: values.path || '/ws',
    secret: configuredSecret ?? randomBytes(32).toString('base64url'),
    secretGenerated: configuredSecret === undefined,
    publishSecret: configuredPublishSecret ?? randomBytes(32).toString('base64url'),
    publishSecretGenerated: configuredPublishSecret === undefined,
    origins: originList.length > 0 ? originList : '*',
    redisUrl,
    redisPrefix: values['redis-prefix'] || fromEnv(env, 'SINYAL_REDIS_PREFIX'),
    workers,
    logLevel: logLevel as LogLevel,
    metrics: values['no-metrics'] || (!dev && metricsToken === undefined) ? false : { token: metricsToken },
    vapid,
  };
}

/** `--workers`: a count, or `0` / `auto` for one per core; `undefined` when not given. */
function resolveWorkers(raw: string | undefined, cores: () => number): number | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'auto' || raw === '0') return Math.max(1, cores());
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > MAX_WORKERS) throw new CliError(`invalid --workers: ${raw} (a number from 0 to ${MAX_WORKERS}, or auto)`);
  return n;
}

/**
 * What the CLI prints once the server listens (stdout). Secrets appear only as {@link resolveCliConfig} allows;
 * `vapidPublicKey` (public) when Web Push is on, with `vapidGenerated` when `--dev` made the pair now.
 */
export function startupMessage(config: CliConfig, server: { url: string; httpUrl: string }, devToken: string | undefined, push: { vapidPublicKey: string; vapidGenerated: boolean } | undefined = undefined): string {
  const lines = [`sinyal-server listening on ${server.url} (health: ${server.httpUrl}/health)${config.redisUrl ? ', Redis store' : ''}${config.dev ? ' — DEVELOPMENT MODE' : ''}`];
  if (push && config.vapid) {
    const where = 'devFile' in config.vapid ? ` (development key pair ${push.vapidGenerated ? 'generated now into' : 'from'} ${config.vapid.devFile})` : '';
    lines.push(`  Web Push on, VAPID public key ${push.vapidPublicKey}${where}`);
  } else if (!config.vapid) {
    lines.push('  Web Push off: set SINYAL_VAPID_PUBLIC_KEY, SINYAL_VAPID_PRIVATE_KEY and SINYAL_VAPID_SUBJECT to reach users who are away');
  }
  if (config.metrics === false && !config.dev) lines.push('  /metrics is off: pass --metrics-token (or SINYAL_METRICS_TOKEN) to serve it to a scraper');
  if (!config.dev) return lines.join('\n');
  if (config.secretGenerated) lines.push(`  tokens for development: GET ${server.httpUrl}/dev/token?user=<id>   (for anyone who asks: development only)`);
  const anyConfigured = !config.secretGenerated || !config.publishSecretGenerated;
  if (anyConfigured) {
    lines.push('  Secrets came from the command line or the environment: none is printed.');
    if (config.secretGenerated) lines.push('  The JWT secret was generated and is not shown: set SINYAL_JWT_SECRET to sign tokens for this server.');
    if (config.publishSecretGenerated) lines.push('  The publish secret was generated and is not shown: set SINYAL_PUBLISH_SECRET to use the publish API.');
    return lines.join('\n');
  }
  lines.push(
    '',
    'Development secrets (generated now; never use --dev in production):',
    `  JWT secret:     ${config.secret}`,
    `  publish secret: ${config.publishSecret}   (POST ${server.httpUrl}/api/publish …)`,
  );
  if (devToken !== undefined) {
    lines.push(
      `  dev token:      ${devToken}   (user "dev", valid 1 h)`,
      '',
      'Try it from Node (npm i ws):',
      "  import WebSocket from 'ws';",
      `  const token = '${devToken}';`,
      `  const ws = new WebSocket('${server.url}', ['sinyal.v1', 'sinyal.bearer.' + Buffer.from(token).toString('base64url')]);`,
      "  ws.on('open', () => {",
      "    ws.send(JSON.stringify({ t: 'hello', v: 1 }));",
      "    ws.send(JSON.stringify({ t: 'join', id: 'j1', room: 'demo:lobby' }));",
      "    ws.send(JSON.stringify({ t: 'cmd', id: 'c1', name: 'publish', room: 'demo:lobby', data: { event: 'demo:message', data: { text: 'hi' } } }));",
      '  });',
      "  ws.on('message', (m) => console.log(String(m)));",
    );
  }
  return lines.join('\n');
}
