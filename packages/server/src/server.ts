import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type PerMessageDeflateOptions } from 'ws';
import type { Registry } from 'prom-client';
import { CloseCodes, SUBPROTOCOL, userFeedRoom } from '@sinyal/protocol';
import { AuthError, clockToleranceMs, createAuthenticator, extractToken, type AuthUser } from './auth/authenticator';
import { addressKey, clientIpResolver } from './auth/clientIp';
import { commandTable } from './commands/commandTable';
import { ConnectionCaps } from './http/connectionCaps';
import type { ServerContext } from './connection/context';
import { Deduper } from './commands/dedupe';
import { startHeartbeat } from './connection/heartbeat';
import type { CommandEntry } from './api/commands';
import { LocalFanout } from './rooms/localFanout';
import { createRequestListener, pathOf, refuseUpgrade, sendJson, type Refusal } from './http/requestListener';
import { publishRoute } from './http/publishApi';
import type { RoomKindOptions } from './api/rooms';
import { createRouter } from './http/router';
import type { Route } from './api/routes';
import { USER_FEED } from './rooms/userFeed';
import { createPinoLogger, envLogLevel, silentLogger, type Logger } from './ops/logger';
import { ServerMetrics, type MetricsOptions } from './ops/metrics';
import { DEFAULT_LIMITS, type DeflateOptions, type Limits } from './api/limits';
import type { ServerOptions } from './api/options';
import { createOriginCheck } from './auth/origin';
import { publishToRoom } from './rooms/publish';
import type { PublishOptions, PublishResult, SinyalServer } from './api/server';
import { addCount } from './limits/counts';
import { ActionRateLimiter, mergeActionLimits, RateLimiter } from './limits/rateLimiter';
import { RecentRevocations } from './rooms/revocations';
import { UserCooldowns } from './limits/cooldowns';
import { RoomRegistry } from './rooms/roomRegistry';
import { SinyalServerError } from './errors';
import { waitAtMost } from './time';
import { RoomName } from '@sinyal/protocol/schema';
import { Session } from './connection/session';
import { FlushScheduler } from './wire/flushScheduler';
import type { HttpSocket, SessionSocket } from './wire/httpSocket';
import { createHttpTransport } from './http/httpTransport';
import { MemoryStore } from './store/memoryStore';
import type { Fanout, Store } from './store/types';

/** Longest a new connection waits for the fan-out to receive control messages (a node still making its first Redis connection). */
const CONTROL_WAIT_MS = 5000;

function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as Array<[keyof Limits, number | undefined]>) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`unknown limit "${key}"`);
    const fractional = key === 'messagesPerSecond' || key === 'joinsPerSecond';
    const valid = typeof value === 'number' && Number.isFinite(value) && value > 0 && (fractional || Number.isInteger(value));
    if (!valid) throw new TypeError(`limits.${key} must be a positive ${fractional ? 'number' : 'integer'}`);
    limits[key] = value;
  }
  return limits;
}

function resolveMetrics(option: MetricsOptions | boolean | undefined): Required<Pick<MetricsOptions, 'enabled' | 'path' | 'processMetrics'>> & { token: string | undefined } {
  const config: MetricsOptions = typeof option === 'boolean' ? { enabled: option } : (option ?? {});
  const path = config.path ?? '/metrics';
  if (!path.startsWith('/')) throw new TypeError('metrics.path must start with "/"');
  if (config.token !== undefined && (typeof config.token !== 'string' || config.token.length === 0)) throw new TypeError('metrics.token must be a non-empty string');
  return { enabled: config.enabled ?? true, path, processMetrics: config.processMetrics ?? false, token: config.token };
}

/** ws settings for permessage-deflate; `false` unless enabled. */
function resolveDeflate(option: boolean | DeflateOptions | undefined): false | PerMessageDeflateOptions {
  if (option === undefined || option === false) return false;
  const config: DeflateOptions = option === true ? {} : option;
  const threshold = config.threshold ?? 1024;
  const level = config.level ?? 1;
  if (!Number.isInteger(threshold) || threshold < 0) throw new TypeError('perMessageDeflate.threshold must be a non-negative integer');
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new TypeError('perMessageDeflate.level must be an integer from 1 to 9');
  const takeover = config.contextTakeover ?? false;
  return {
    threshold,
    zlibDeflateOptions: { level },
    serverNoContextTakeover: !takeover,
    clientNoContextTakeover: !takeover,
    // Bounds zlib work in flight per process (ws' default is 10).
    concurrencyLimit: 10,
  };
}

/**
 * The origin allow-list, safe by default. With `auth.verify` (which may accept cookies a
 * browser attaches on any site's behalf) a missing `origins` is refused: every web site
 * could open connections as its visitors (cross-site WebSocket hijacking). With bearer
 * tokens (`auth.secret`) a page needs the token itself, so `'*'` stays the default, with a
 * warning at start.
 */
function resolveOrigins(options: ServerOptions, logger: Logger): readonly string[] | '*' {
  if (options.origins !== undefined) {
    if (options.origins !== '*' && (!Array.isArray(options.origins) || options.origins.some((o) => typeof o !== 'string' || o.length === 0))) {
      throw new TypeError("origins must be '*' or a list of origins such as ['https://app.example.com']");
    }
    return options.origins;
  }
  if ('verify' in options.auth) {
    throw new TypeError(
      "createServer: set `origins` when using auth.verify: if your hook accepts cookies, any web site could open connections as its visitors (cross-site WebSocket hijacking). Pass the allowed origins, e.g. ['https://app.example.com'], or '*' if the hook only accepts bearer tokens",
    );
  }
  logger.warn({ origins: '*' }, "origins not set: any web site may open connections (with a token it holds); set `origins` to your app's origins in production");
  return '*';
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

/**
 * Starts a Sinyal server: an HTTP server whose `path` accepts WebSocket upgrades
 * (authenticated before upgrading), plus `/health` and the auth probe.
 *
 * @example
 * ```ts
 * import { createServer, SinyalServerError } from '@sinyal/server';
 *
 * const server = await createServer({
 *   port: 8080,
 *   auth: { secret: process.env.SINYAL_JWT_SECRET! },
 *   origins: ['https://app.example.com'],
 *   rooms: {
 *     chat: {
 *       authorize: ({ user, id }) => isParticipant(user.id, id),
 *       publish: ['chat:typing'],
 *     },
 *     property: { history: 100 },
 *   },
 *   commands: {
 *     'chat:send': async ({ user, room, data, server }) => {
 *       if (!room) throw new SinyalServerError('bad_request', 'room required');
 *       return server.publish(room, 'chat:message', { from: user.id, text: String((data as { text?: unknown }).text) });
 *     },
 *   },
 * });
 * await server.publish('property:42', 'property:price_updated', { old: 500_000, new: 480_000 });
 * ```
 */
export async function createServer(options: ServerOptions): Promise<SinyalServer> {
  if (!options || !options.auth) throw new TypeError('createServer: options.auth is required');
  const limits = resolveLimits(options.limits);
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/ws';
  const allowQueryToken = options.allowQueryToken ?? false;
  const logger = options.logger === null || options.logger === false ? silentLogger : (options.logger ?? createPinoLogger(options.logLevel ?? envLogLevel()));
  const metricsConfig = resolveMetrics(options.metrics);
  const perMessageDeflate = resolveDeflate(options.perMessageDeflate);
  const actionLimiter = new ActionRateLimiter(mergeActionLimits(options.features ?? [], options.rateLimits));
  const store: Store = options.store ?? new MemoryStore();
  const fanout: Fanout = store.createFanout?.() ?? new LocalFanout(store);
  const origins = resolveOrigins(options, logger);
  const checkOrigin = createOriginCheck(origins);
  const authenticate = createAuthenticator(options.auth);
  const features = options.features ?? [];
  const rooms = mergeTables<RoomKindOptions>('room kind', [
    ['the built-in user feed', { user: USER_FEED }],
    ['options.rooms', options.rooms],
    ...features.map((f): [string, Record<string, RoomKindOptions> | undefined] => [`feature ${f.name}`, f.rooms]),
  ]);
  const commandHandlers = mergeTables<CommandEntry>('command', [
    ['options.commands', options.commands],
    ...features.map((f): [string, Record<string, CommandEntry> | undefined] => [`feature ${f.name}`, f.commands]),
  ]);
  const routes: Route[] = [publishRoute, ...(options.routes ?? []), ...features.flatMap((f) => f.routes ?? [])];
  const routeKeys = new Set<string>();
  for (const route of routes) {
    const key = `${route.method} ${route.path.replace(/:[^/]+/g, ':')}`;
    if (routeKeys.has(key)) throw new TypeError(`route ${route.method} ${route.path} is defined twice`);
    routeKeys.add(key);
  }
  for (const [kind, config] of rooms) {
    const history = config.history;
    if (history !== undefined && !(Number.isInteger(history) && history >= 0)) {
      throw new TypeError(`rooms.${kind}.history must be a non-negative integer`);
    }
    const ttl = config.historyTtlMs;
    if (ttl !== undefined && !(Number.isFinite(ttl) && ttl >= 0)) throw new TypeError(`rooms.${kind}.historyTtlMs must be a non-negative number of ms`);
  }

  const registry = new RoomRegistry((room) => fanout.unsubscribe(room));
  if (options.batchWrites !== undefined && typeof options.batchWrites !== 'boolean') throw new TypeError('batchWrites must be true or false');
  // Merges the frames a connection is sent in one go into one socket write (see FlushScheduler);
  // `batchWrites: false` writes every frame on its own.
  const flusher = options.batchWrites === false ? null : new FlushScheduler();
  const sessions = new Set<Session>();
  /** Each user's open sessions on this node (revoke, disconnectUser). */
  const sessionsByUser = new Map<string, Set<Session>>();
  const revocations = new RecentRevocations();
  const cooldowns = new UserCooldowns();
  const connectionsPerUser = new Map<string, number>();
  const pendingUpgrades = new Set<Duplex>();
  // One bucket per user for socket frames and REST requests alike.
  const rateLimiter = new RateLimiter(limits.messagesPerSecond, limits.burst);
  // New connections per user (upgrades and HTTP transport opens alike).
  const connectLimiter = new RateLimiter(limits.connectsPerSecond, limits.connectBurst);
  const caps = new ConnectionCaps(limits.maxConnections, limits.maxConnectionsPerIp);
  const clientIp = clientIpResolver(options.trustProxy);
  const startedAt = Date.now();
  const deduper = new Deduper(store, limits.dedupeWindowMs, logger, limits);
  const metrics = new ServerMetrics(
    {
      connections: () => sessions.size,
      rooms: () => registry.roomCount(),
      redis: () => fanout.health().details?.redis,
      dedupe: () => {
        const stats = deduper.stats();
        return stats && { ...stats, maxBytes: limits.outcomeBytesTotal };
      },
      history: () => store.stats?.(),
      sockets: { count: () => caps.sockets, limit: limits.maxConnections },
      http: () => ({ ...httpTransport.stats(), maxBytesPerConnection: limits.maxBufferedBytes }),
      joinHold: () => ({ bytes: registry.heldBytes(), maxBytesPerConnection: limits.maxBufferedBytes }),
    },
    () => context.commands,
    { processMetrics: metricsConfig.processMetrics },
  );
  let closing = false;
  let closed: Promise<void> | undefined;

  const admit = async (req: IncomingMessage): Promise<AuthUser | Refusal> => {
    if (!checkOrigin(req.headers.origin)) return { status: 403, code: 'forbidden', msg: 'origin not allowed' };
    const token = extractToken(req, allowQueryToken);
    if (token === null) return { status: 401, code: 'unauthorized', msg: 'token invalid' };
    if (token === undefined) return { status: 401, code: 'unauthorized', msg: 'token missing' };
    try {
      return await authenticate(token, req);
    } catch (error) {
      if (!(error instanceof AuthError)) logger.error({ err: error }, 'token verification failed');
      if (error instanceof AuthError && error.status === 503) {
        logger.warn({ reason: error.message }, 'token verification unavailable');
        return { status: 503, code: 'unavailable', msg: error.message };
      }
      return { status: 401, code: 'unauthorized', msg: error instanceof AuthError ? error.message : 'token invalid' };
    }
  };

  const httpTransport = createHttpTransport({
    admit,
    open: (user, socket, req) => openHttp(user, socket, req),
    maxFrameBytes: limits.maxFrameBytes,
    idleMs: limits.heartbeatTimeoutMs,
    // Several nodes: a POST that reaches a node not holding its connection goes through the fan-out.
    ...(store.createFanout ? { forward: (message) => fanout.publishControl(message) } : {}),
    // A client has one poll and one frame batch in flight per connection.
    forwardLimits: {
      perSecond: limits.httpForwardsPerSecond,
      burst: limits.httpForwardBurst,
      maxHeldPerUser: 2 * limits.maxConnectionsPerUser,
      maxHeldPerAddress: 2 * limits.maxConnectionsPerIp,
    },
    onLimited: () => metrics.limited('http'),
    beforeOpen: () => awaitControl(),
    addressOf: (req) => addressKey(clientIp(req)),
  });

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    // Also bounds the inflated size of a compressed frame (ws checks it while inflating): no zip bombs.
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate,
    // Select the version, never the token entry: the token must not be echoed back.
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  const instance = options.instance;
  if (instance !== undefined) {
    if (!/^[\w.:/-]{1,64}$/.test(instance)) throw new TypeError('instance must be 1–64 characters of [A-Za-z0-9_.:/-]');
    wss.on('headers', (headers) => headers.push(`Sinyal-Instance: ${instance}`));
  }

  const requestTimeout = limits.httpRequestTimeoutMs;
  const headersTimeout = Math.min(limits.httpHeadersTimeoutMs, requestTimeout);
  const httpServer = createHttpServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: limits.httpKeepAliveTimeoutMs,
      // How often Node looks for requests past those timeouts.
      connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(headersTimeout / 2))),
    },
    createRequestListener({
      path,
      checkOrigin,
      admit,
      connections: () => sessions.size,
      startedAt,
      isClosing: () => closing,
      overCapacity: () => caps.overCapacity(),
      health: () => {
        const health = fanout.health();
        return instance === undefined ? health : { ...health, details: { ...health.details, instance } };
      },
      httpTransport: (req, res, action, query, cors) => httpTransport.handle(req, res, action, query, cors),
      ...(metricsConfig.enabled ? { metrics: { path: metricsConfig.path, serve: (req: IncomingMessage, res: ServerResponse) => metrics.serve(req, res, metricsConfig.token) } } : {}),
      route: createRouter(
        {
          routes,
          authenticate,
          publishSecret: options.publishSecret,
          server: () => server,
          logger,
          limit: (userId) => rateLimiter.take(userId),
          onLimited: () => metrics.limited('rest'),
        },
        sendJson,
      ),
    }),
  );
  httpServer.on('clientError', (_err, socket) => socket.destroy());
  caps.attach(httpServer);

  const countConnection = (userId: string, delta: 1 | -1) => addCount(connectionsPerUser, userId, delta);

  const refuse = (socket: Duplex, refusal: Refusal): void => {
    metrics.refused(refusal.status);
    refuseUpgrade(socket, refusal);
  };

  /**
   * Waits (at most {@link CONTROL_WAIT_MS}) until the fan-out receives control messages — on
   * several nodes, until this node's Redis subscriber has subscribed the control channel after
   * it (re)connected — so that no revoke, disconnect or forwarded HTTP request for a session
   * admitted now passes it by; or says why not. Immediate when it does already.
   */
  const awaitControl = async (): Promise<Refusal | undefined> => {
    const pending = fanout.ready?.();
    if (!pending) return undefined;
    const ready = await waitAtMost(pending, CONTROL_WAIT_MS);
    return ready ? undefined : { status: 503, code: 'unavailable', msg: 'server cannot reach its store' };
  };

  /** The checks after the token, shared by upgrades and HTTP connections: flood cool-down, per-user cap, per-user rate of new connections. */
  const admitUser = (user: AuthUser): Refusal | undefined => {
    const cooling = cooldowns.remainingMs(user.id);
    if (cooling > 0) return { status: 429, code: 'rate_limited', msg: `connection closed for flooding: retry in ${Math.ceil(cooling / 1000)} s` };
    if ((connectionsPerUser.get(user.id) ?? 0) >= limits.maxConnectionsPerUser) {
      logger.warn({ user: user.id }, 'too many connections for user');
      return { status: 429, code: 'rate_limited', msg: 'too many connections for this user' };
    }
    const connect = connectLimiter.take(user.id);
    if (!connect.ok) {
      metrics.limited('connect');
      return { status: 429, code: 'rate_limited', msg: `too many new connections for this user: retry in ${connect.retryAfterMs} ms` };
    }
    return undefined;
  };

  const startSession = (socket: SessionSocket, user: AuthUser): void => {
    const session = new Session(socket, user, context, flusher);
    sessions.add(session);
    let mine = sessionsByUser.get(user.id);
    if (!mine) sessionsByUser.set(user.id, (mine = new Set()));
    mine.add(session);
    void session.whenClosed.then(() => {
      sessions.delete(session);
      mine.delete(session);
      if (mine.size === 0 && sessionsByUser.get(user.id) === mine) sessionsByUser.delete(user.id);
    });
    logger.debug?.({ sid: session.id, user: user.id }, 'connection opened');
  };

  /** An HTTP transport connection: the upgrade's checks, then the same session. */
  const openHttp = (user: AuthUser, socket: HttpSocket, req: IncomingMessage): Refusal | undefined => {
    if (closing) return { status: 503, code: 'unavailable', msg: 'server shutting down' };
    if (!fanout.health().ok) return { status: 503, code: 'unavailable', msg: 'server cannot reach its store' };
    const refusal = admitUser(user);
    if (refusal) return refusal;
    const releaseAddress = caps.admitAddress(addressKey(clientIp(req)));
    if (typeof releaseAddress !== 'function') return releaseAddress;
    countConnection(user.id, 1);
    socket.on('close', () => {
      countConnection(user.id, -1);
      releaseAddress();
    });
    startSession(socket, user);
    return undefined;
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    // A peer resetting the connection while we verify its token must not crash the process.
    socket.on('error', () => socket.destroy());
    if (closing) return refuse(socket, { status: 503, code: 'unavailable', msg: 'server shutting down' });
    // A node that lost its store (Redis) sheds its clients (fan-out `lost`) and takes no new
    // ones: a client let in would only be refused every join, stuck here instead of moving to
    // a healthy node. Refused, it retries through the load balancer (docs/scaling.md, Failures).
    if (!fanout.health().ok) return refuse(socket, { status: 503, code: 'unavailable', msg: 'server cannot reach its store' });
    if (pathOf(req) !== path) return refuse(socket, { status: 404, code: 'not_found', msg: `no WebSocket endpoint at ${pathOf(req)}` });
    if (!checkOrigin(req.headers.origin)) return refuse(socket, { status: 403, code: 'forbidden', msg: 'origin not allowed' });
    if (!offeredProtocols(req).includes(SUBPROTOCOL)) {
      return refuse(socket, { status: 400, code: 'unsupported_version', msg: `server speaks ${SUBPROTOCOL}` });
    }
    // Before the token is checked: a flood from one address costs no verification.
    const overCap = caps.admitUpgrade(addressKey(clientIp(req)), socket);
    if (overCap) {
      // Counted in sinyal_upgrades_refused_total; a flood must not flood the logs as well.
      logger.debug?.({ status: overCap.status, reason: overCap.msg }, 'upgrade refused');
      return refuse(socket, overCap);
    }

    pendingUpgrades.add(socket);
    let result: AuthUser | Refusal;
    try {
      result = await admit(req);
    } finally {
      pendingUpgrades.delete(socket);
    }
    if (socket.destroyed) return;
    if ('status' in result) {
      logger.info({ status: result.status, reason: result.msg }, 'upgrade refused');
      return refuse(socket, result);
    }
    const notListening = await awaitControl();
    if (socket.destroyed) return;
    if (notListening) return refuse(socket, notListening);
    if (closing) return refuse(socket, { status: 503, code: 'unavailable', msg: 'server shutting down' });
    const user = result;
    const refusal = admitUser(user);
    if (refusal) return refuse(socket, refusal);
    // Counted from here (not from the upgrade callback) so concurrent upgrades cannot overshoot the limit.
    countConnection(user.id, 1);
    socket.once('close', () => countConnection(user.id, -1));

    wss.handleUpgrade(req, socket, head, (ws) => startSession(ws, user));
  };
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch((err: unknown) => {
      logger.error({ err }, 'upgrade failed');
      refuse(socket, { status: 500, code: 'internal', msg: 'internal server error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const httpUrl = `http://${urlHost(host)}:${port}`;
  const joinLimiter = new RateLimiter(limits.joinsPerSecond, limits.joinBurst);
  const replayBudget = new RateLimiter(limits.replayBytesPerSecond, 2 * limits.replayBytesPerSecond);

  const stopHeartbeat = startHeartbeat({
    timeoutMs: limits.heartbeatTimeoutMs,
    peers: () => sessions,
    onSweep: () => {
      rateLimiter.prune();
      connectLimiter.prune();
      httpTransport.prune();
      joinLimiter.prune();
      replayBudget.prune();
      actionLimiter.prune();
      revocations.prune();
      cooldowns.prune();
    },
  });

  const server: SinyalServer = {
    url: `ws://${urlHost(host)}:${port}${path}`,
    httpUrl,
    port,
    publish: (room, event, data, opts) => publishToRoom(context, room, event, data, opts),
    publishToUser: (userId, event, data) => publishToRoom(context, userFeedRoom(userId), event, data),
    localMembers: (room) => registry.size(room),
    revoke: async (room, userId, reason = 'access revoked') => {
      if (!RoomName.safeParse(room).success) throw new SinyalServerError('bad_request', 'room must look like kind:id');
      await fanout.publishControl({ t: 'revoke', room, user: userId, reason });
    },
    disconnectUser: async (userId, { code = CloseCodes.UNAUTHORIZED, reason = 'disconnected by the server' } = {}) => {
      if (!Number.isInteger(code) || code < 4000 || code > 4999) {
        if (code !== CloseCodes.NORMAL && code !== CloseCodes.POLICY_VIOLATION) throw new TypeError('disconnectUser: code must be 1000, 1008 or 4000–4999');
      }
      await fanout.publishControl({ t: 'disconnect', user: userId, code, reason: reason.slice(0, 120) });
    },
    store,
    logger,
    connections: () => sessions.size,
    metrics: metrics.registry,
    close: (opts = {}) => {
      closed ??= shutDown(opts.code ?? CloseCodes.SERVICE_RESTART);
      return closed;
    },
  };

  const context: ServerContext = {
    limits,
    clockToleranceMs: clockToleranceMs(options.auth),
    rooms,
    store,
    fanout,
    registry,
    rateLimiter,
    joinLimiter,
    replayBudget,
    actionLimiter,
    metrics,
    deduper,
    revocations,
    cooldowns,
    logger,
    server,
    commands: new Map(),
    features,
  };
  context.commands = commandTable(context, Object.fromEntries(commandHandlers));
  fanout.start({
    deliver: (room, frame, exceptUser) => registry.broadcast(room, frame, exceptUser),
    deliverText: (room, text, epoch, seq) => registry.broadcastText(room, text, seq, epoch),
    control: (message) => {
      if (message.t !== 'revoke' && message.t !== 'disconnect') return httpTransport.deliver(message);
      if (message.t === 'revoke') revocations.note(message.room, message.user);
      for (const session of [...(sessionsByUser.get(message.user) ?? [])]) {
        if (message.t === 'revoke') session.revoke(message.room, message.reason);
        else session.close(message.code, message.reason);
      }
    },
    lost: () => {
      // Live members may have missed events: let every client reconnect, re-join and resume.
      logger.warn({ connections: sessions.size }, 'fan-out lost its connection; closing connections so clients resume');
      for (const session of [...sessions]) session.close(CloseCodes.SERVICE_RESTART, 'store connection lost');
    },
  });
  try {
    for (const feature of features) await feature.start?.(server);
  } catch (error) {
    // A feature refused to start (e.g. a misconfigured store): free the port, then report.
    await server.close().catch(() => {});
    throw error;
  }

  async function shutDown(code: number): Promise<void> {
    closing = true;
    stopHeartbeat();
    for (const feature of features) {
      try {
        await feature.stop?.();
      } catch (err) {
        logger.error({ err, feature: feature.name }, 'feature stop failed');
      }
    }
    const listenerClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    for (const socket of pendingUpgrades) socket.destroy();
    const reason = code === CloseCodes.SERVICE_RESTART ? 'service restart' : 'server closing';
    // Drain: frames being handled finish (their acks go out) before the close, so the store
    // below is not closed under a running command; queued ones are re-sent by the clients.
    const deadline = Date.now() + limits.shutdownTimeoutMs;
    await Promise.all([...sessions].map((session) => session.drain(code, reason, deadline)));
    httpServer.closeAllConnections();
    await listenerClosed;
    wss.close();
    await fanout.close();
    logger.info({ port }, 'server closed');
  }

  logger.info({ url: server.url }, 'sinyal server listening');
  return server;
}

/** Merges named tables, refusing duplicates. */
export function mergeTables<T>(what: string, tables: Array<[source: string, table: Record<string, T> | undefined]>): Map<string, T> {
  const merged = new Map<string, { value: T; source: string }>();
  for (const [source, table] of tables) {
    for (const [name, value] of Object.entries(table ?? {})) {
      const existing = merged.get(name);
      if (existing) throw new TypeError(`${what} "${name}" is defined by both ${existing.source} and ${source}`);
      merged.set(name, { value, source });
    }
  }
  return new Map([...merged].map(([name, { value }]) => [name, value]));
}
