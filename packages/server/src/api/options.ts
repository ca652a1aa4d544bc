import type { AuthOptions } from '../auth/authenticator';
import type { TrustProxy } from '../auth/clientIp';
import type { CommandEntry } from './commands';
import type { Feature } from './feature';
import type { Logger, LogLevel } from '../ops/logger';
import type { MetricsOptions } from '../ops/metrics';
import type { Route } from './routes';
import type { RoomKindOptions } from './rooms';
import type { Store } from '../store/types';
import type { ActionRateLimit, DeflateOptions, Limits } from './limits';

/** Options of {@link createServer}. Only `auth` is required. */
export interface ServerOptions {
  /**
   * TCP port to listen on; `0` picks a free one (read it back from `server.port`).
   * @default 0
   */
  port?: number;
  /**
   * Interface to bind. Use `'0.0.0.0'` (or `'::'`) to accept connections from other hosts.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * URL path of the WebSocket endpoint and of the auth probe (`GET` with `Authorization: Bearer`).
   * @default '/ws'
   */
  path?: string;
  /** How connections authenticate: `{ secret }` for HS256 JWTs, or `{ verify }` for a custom check. */
  auth: AuthOptions;
  /**
   * Browser origins allowed to connect, e.g. `['https://app.example.com']`. An upgrade
   * (and a REST call) from another origin is refused with 403; requests without an
   * `Origin` header (servers, native apps) are allowed. **Set this in production**.
   * Without it: with `auth.secret` (bearer tokens) any origin is allowed and a warning is
   * logged at start; with `auth.verify` `createServer` throws — a hook that accepts cookies
   * would let any web site open connections as its visitors (cross-site WebSocket
   * hijacking). Pass `'*'` explicitly to allow every origin without the warning.
   * @default '*' with auth.secret (and a warning); required with auth.verify
   */
  origins?: readonly string[] | '*';
  /**
   * Which `X-Forwarded-For` hops to believe when finding a client's address, for
   * `limits.maxConnectionsPerIp`: `false` (the TCP peer), `true` (the left-most address: only
   * behind a proxy that overwrites the header), a number of proxy hops in front of the server
   * (`1` = one load balancer), or the proxies' addresses / CIDR ranges. See {@link TrustProxy}.
   * Never trust more hops than you run: clients can send the header themselves.
   * @default false
   */
  trustProxy?: TrustProxy;
  /**
   * Also accept the token as a `?token=` query parameter. Off by default because URLs
   * end up in proxy and access logs; the client sends the token as a subprotocol instead.
   * @default false
   */
  allowQueryToken?: boolean;
  /**
   * Where room history lives, and command outcomes (the dedupe records of command ids) if
   * the store keeps them; `MemoryStore` does not, and the server keeps them in memory for
   * it. Pass the same instance to a new server to keep resumable history (and the answers
   * of retried commands) across restarts in one process. A `RedisStore` lets several
   * nodes serve one set of rooms (events fan out through Redis; see docs/scaling.md).
   * @default new MemoryStore()
   */
  store?: Store;
  /**
   * Room kinds clients may join, keyed by kind (`chat` for `chat:42`). A join of an
   * unconfigured kind is refused with `not_found`.
   * @default {}
   */
  rooms?: Record<string, RoomKindOptions>;
  /**
   * Command handlers by name: a handler, or `{ handler, idempotent }` (see
   * `CommandDefinition`). The built-in `publish` command is always available unless
   * a handler named `publish` replaces it.
   * @default {}
   */
  commands?: Record<string, CommandEntry>;
  /**
   * Overrides of {@link DEFAULT_LIMITS}.
   * @default {}
   */
  limits?: Partial<Limits>;
  /**
   * Structured logger: a pino logger (or anything with pino's `info(obj, msg)` shape:
   * bunyan, a winston wrapper); `null` or `false` silences the server. Tokens and payloads are
   * never logged. The default is pino writing JSON lines to stderr at `logLevel`, with
   * authorization headers and token fields redacted (`REDACT_PATHS`).
   * @default createPinoLogger(logLevel)
   */
  logger?: Logger | null | false;
  /**
   * Level of the default logger (ignored when `logger` is given).
   * @default process.env.SINYAL_LOG_LEVEL, else 'warn'
   */
  logLevel?: LogLevel;
  /**
   * Prometheus metrics at `GET /metrics` on the server's port, in a registry of the
   * server's own (`server.metrics`). `false` turns the endpoint off (the registry still
   * exists). **Set `token`, or keep the port private, in production.**
   * @default { enabled: true, path: '/metrics' } (no token)
   */
  metrics?: MetricsOptions | boolean;
  /**
   * Per-action rate limits, keyed by command name (`'chat:send'`, `'auction:place_bid'`…),
   * on top of the per-user frame limit (`limits.messagesPerSecond`). The features bring
   * defaults for their noisy commands (`chat:typing_start`, receipts, agent status, watch
   * toggles…; listed in each feature's guide and `Feature.rateLimits`): an entry here
   * replaces the default of that name, and `false` removes it. The key `'*'` applies to
   * every command without an entry of its own (each command name gets its own bucket). A
   * command over its limit is answered `nack rate_limited` with `retryAfterMs` and does
   * not run; a duplicate of an already answered command id does not use up a token.
   * @default {} (only the features' defaults)
   * @example `{ 'chat:send': { perSecond: 5, burst: 10 }, 'chat:typing_start': { perSecond: 2, burst: 10 }, 'chat:mark_delivered': false }`
   */
  rateLimits?: Record<string, ActionRateLimit | false>;
  /**
   * permessage-deflate compression: `true` for the defaults of {@link DeflateOptions},
   * or the options. Off by default: most frames are small JSON, where compression
   * costs more CPU and memory than it saves.
   * @default false
   */
  perMessageDeflate?: boolean | DeflateOptions;
  /**
   * Write batching: the frames a connection is sent while one callback runs (a publisher's
   * ack and its own echoed event, a join's replay) — and, in rooms of 16 or more local
   * members, all the events of one event-loop turn — leave in one socket write. Each frame
   * is still its own WebSocket message; only the number of socket writes (system calls)
   * changes. `false` writes every frame on its own, one write per frame per member, as
   * socket.io and a plain `ws` server do (the benchmark compares both ways).
   * @default true
   */
  batchWrites?: boolean;
  /**
   * Product features (chat, auction, presence…) to mount: their room kinds, commands,
   * routes and hooks are merged with the ones above; a name defined twice is an error.
   * @default []
   */
  features?: readonly Feature[];
  /**
   * Extra REST routes (see `Route`), served next to the features' routes.
   * @default []
   */
  routes?: readonly Route[];
  /**
   * Shared secret of the platform's backend for the publish API (`POST /api/publish`
   * and other `auth: 'publisher'` routes), sent as `Authorization: Bearer <secret>`.
   * Without it those routes answer 403.
   * @default undefined (publish API disabled)
   */
  publishSecret?: string;
  /**
   * A name for this process (e.g. `w1.4242` for worker 1, pid 4242), for operators and tests
   * to tell processes apart behind one address: sent as the `Sinyal-Instance` header of
   * every WebSocket upgrade response and as `instance` in `/health`. `sinyal-server
   * --workers` sets it per worker. Leave it unset to expose nothing.
   * @default undefined
   */
  instance?: string;
}
