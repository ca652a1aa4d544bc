/** Resource limits of a server. Every field has a default in {@link DEFAULT_LIMITS}. */
export interface Limits {
  /**
   * Largest inbound frame in bytes (UTF-8). A bigger frame closes the connection with 1009.
   * Announced to clients in `welcome.maxFrameBytes`.
   * @default 65536
   */
  maxFrameBytes: number;
  /**
   * Open connections allowed per user id (tabs, devices). The upgrade beyond it is refused with 429.
   * @default 20
   */
  maxConnectionsPerUser: number;
  /**
   * New connections (WebSocket upgrades and HTTP transport connections) a user may open per
   * second on this node (each node counts its own). One over it is refused with
   * 429 `rate_limited` before the handshake and the client retries with backoff, so one
   * signed-in user opening and closing connections in a loop cannot keep a node busy.
   * @default 10
   */
  connectsPerSecond: number;
  /**
   * New connections a user may open at once above {@link Limits.connectsPerSecond}: every
   * tab and device reconnecting after a restart or a network change, more than once.
   * @default 60
   */
  connectBurst: number;
  /**
   * HTTP transport requests (polls, frame batches, closes) per second a user may have this
   * node pass to the node holding their connection (several nodes, no sticky sessions; each
   * forwarded request is a message every node reads). One over it waits for its turn instead
   * of being refused, so a long-polling client in a busy room gets more frames per poll, not
   * an error; a user has at most 2 × {@link Limits.maxConnectionsPerUser} such requests
   * waiting or held on a node (a client has one poll and one batch in flight per connection),
   * a client address at most 2 × {@link Limits.maxConnectionsPerIp}, and one more is refused
   * with 429 `rate_limited`.
   * @default 100
   */
  httpForwardsPerSecond: number;
  /**
   * Forwarded HTTP transport requests a user may make at once above
   * {@link Limits.httpForwardsPerSecond} before they wait for their turn.
   * @default 200
   */
  httpForwardBurst: number;
  /**
   * Sustained inbound frames per second per user, shared by all the user's connections.
   * @default 50
   */
  messagesPerSecond: number;
  /**
   * Frames a user may send in a burst above {@link Limits.messagesPerSecond}.
   * @default 100
   */
  burst: number;
  /**
   * Frames one connection may send over the rate limit (each answered `rate_limited`)
   * before it is closed with 1008 (policy violation) without reading further; the
   * allowance refills at {@link Limits.messagesPerSecond}. A client that waits
   * `retryAfterMs` as told never runs out; a flood is cut off after this many frames.
   * @default 100
   */
  overLimitFrames: number;
  /**
   * After a connection is closed for flooding (1008, see {@link Limits.overLimitFrames}),
   * its user's new connections are refused with 429 for this long, so a flooder cannot
   * reconnect and start over at once.
   * @default 10000
   */
  floodCooldownMs: number;
  /**
   * How long a command id is remembered: a repeated id within this window gets the
   * original answer without running again. Keep it ≥ the client's outbox TTL.
   * @default 600000 (10 minutes)
   */
  dedupeWindowMs: number;
  /**
   * Largest command answer (bytes of JSON) remembered whole for a retried id; a larger one
   * is remembered without its data, so a retry is acknowledged without data (and still
   * not run twice). Reads with large answers should be `idempotent` commands, which keep
   * no record at all.
   * @default 16384
   */
  maxOutcomeBytes: number;
  /**
   * Bytes of remembered command answers one user may hold on this server; beyond it that
   * user's oldest are forgotten before their window ends (a retry of one of those would
   * run again). Keep it above what a client has in flight (its outbox). Counted as the memory
   * they take: ≈ 184 bytes for the answer of a `publish` with `MemoryStore`, so the default holds ≈ 5,700.
   * @default 1048576 (1 MiB)
   */
  outcomeBytesPerUser: number;
  /**
   * Bytes of remembered command answers this server holds for all users; beyond it the
   * oldest are forgotten early. See `sinyal_dedupe_bytes` and
   * `sinyal_dedupe_evicted_total` in /metrics. Counted as the memory they take (≈ 184 bytes
   * for the answer of a `publish` with `MemoryStore`: the default holds ≈ 730,000, 10 minutes at ≈ 1,200 commands a second).
   * @default 134217728 (128 MiB)
   */
  outcomeBytesTotal: number;
  /**
   * A connection that sends no frame for this long is closed with 4010. Announced in
   * `welcome.heartbeatTimeoutMs`; clients ping well within it.
   * @default 30000
   */
  heartbeatTimeoutMs: number;
  /**
   * Bytes allowed to wait in a connection's send buffer. A connection over it is a slow
   * consumer: it is closed with 4009 and dropped from its rooms rather than buffered without bound.
   * Also bounds the live events held back for a connection while its joins are answered.
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes: number;
  /**
   * Frames of one connection allowed to wait behind a slow join or command. Beyond it
   * the connection is closed with 1013 (try again later).
   * @default 1000
   */
  maxPendingFrames: number;
  /**
   * Rooms one connection may be in at once; a join beyond it is refused (`forbidden`),
   * so a client cannot make the server hold an unbounded number of memberships.
   * @default 200
   */
  maxRoomsPerSession: number;
  /**
   * Joins a user may make per second (all connections together), on top of the frame
   * limit: a join reads history and runs `authorize`, so it costs more than a frame. A
   * join over it is answered `rate_limited` with `retryAfterMs` (the client retries it).
   * @default 10
   */
  joinsPerSecond: number;
  /**
   * Joins allowed in a burst above {@link Limits.joinsPerSecond} (a page opening its rooms,
   * a reconnect re-joining them).
   * @default 200
   */
  joinBurst: number;
  /**
   * Most bytes of events one join replays. A resume that would replay more is answered
   * with `reset` (`history_truncated`) instead: the client refetches its snapshot (REST,
   * rate limited) rather than the server sending megabytes for one small frame.
   * @default 262144 (256 KiB)
   */
  maxReplayBytes: number;
  /**
   * Bytes of replay a user may be sent per second, all joins together (burst: twice as
   * much). A join whose replay would not fit what is left is answered with `reset`
   * (`history_truncated`) without reading its events: a loop of resume-from-zero joins
   * costs the server almost nothing once the budget is spent.
   * @default 524288 (512 KiB)
   */
  replayBytesPerSecond: number;
  /**
   * How long `close()` waits for clients to finish the close handshake before cutting them off.
   * @default 2000
   */
  shutdownTimeoutMs: number;
  /**
   * TCP connections this server holds at once: WebSocket connections, upgrades being
   * authenticated and HTTP (keep-alive) sockets together. Over it an upgrade is refused with
   * 503 (`unavailable`: the client retries, through the load balancer possibly elsewhere) and
   * an HTTP request other than `/health` and the metrics with 503 and `Connection: close`;
   * past it by 10 % (at least 16) new TCP connections are dropped unanswered. Size it to
   * the memory of the process (each connection may buffer up to `maxBufferedBytes`).
   * @default 10000
   */
  maxConnections: number;
  /**
   * WebSocket connections (open or being upgraded) per client address: an IPv4 address, or
   * an IPv6 /64. Over it an upgrade is refused with 429 before the token is checked. The
   * address is the TCP peer unless `trustProxy` says which `X-Forwarded-For` hops to
   * believe: **behind a proxy or load balancer, set `trustProxy`**, or every client shares
   * the proxy's address and this cap. Mobile carriers put many users behind one address
   * (CGNAT), hence the generous default.
   * @default 500
   */
  maxConnectionsPerIp: number;
  /**
   * Time a client has to send a request's headers (upgrades included). Slower ones are cut
   * off (slow-loris). Capped at {@link Limits.httpRequestTimeoutMs}.
   * @default 10000
   */
  httpHeadersTimeoutMs: number;
  /**
   * Time a client has to send a whole HTTP request, body included (REST bodies are at most
   * 64 KiB). A request still arriving after it is answered 408 and its connection closed, so
   * a body trickled byte by byte cannot hold a socket. Does not apply to WebSocket connections.
   * @default 30000
   */
  httpRequestTimeoutMs: number;
  /**
   * How long an idle HTTP keep-alive socket is kept open after its last response.
   * @default 5000
   */
  httpKeepAliveTimeoutMs: number;
}

/** Default {@link Limits}. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 64 * 1024,
  maxConnectionsPerUser: 20,
  connectsPerSecond: 10,
  connectBurst: 60,
  httpForwardsPerSecond: 100,
  httpForwardBurst: 200,
  messagesPerSecond: 50,
  burst: 100,
  overLimitFrames: 100,
  floodCooldownMs: 10_000,
  dedupeWindowMs: 10 * 60 * 1000,
  maxOutcomeBytes: 16 * 1024,
  outcomeBytesPerUser: 1024 * 1024,
  outcomeBytesTotal: 128 * 1024 * 1024,
  heartbeatTimeoutMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxPendingFrames: 1000,
  maxRoomsPerSession: 200,
  joinsPerSecond: 10,
  joinBurst: 200,
  maxReplayBytes: 256 * 1024,
  replayBytesPerSecond: 512 * 1024,
  shutdownTimeoutMs: 2000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 500,
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  httpKeepAliveTimeoutMs: 5000,
});

/**
 * A per-action rate limit: a token bucket per user (shared by all the user's
 * connections) for one command name. See {@link ServerOptions.rateLimits}.
 */
export interface ActionRateLimit {
  /** Sustained commands per second (may be fractional: `0.2` = one every 5 s). */
  perSecond: number;
  /**
   * Commands allowed in a burst above the sustained rate.
   * @default max(1, ceil(perSecond))
   */
  burst?: number;
}

/**
 * permessage-deflate settings (`ServerOptions.perMessageDeflate`). Compression costs
 * CPU and, with context takeover, memory per connection (zlib windows): measure before
 * enabling it. Inflated frames are still held to `limits.maxFrameBytes` (ws checks the
 * size while inflating), so a small compressed frame cannot inflate into a huge one.
 */
export interface DeflateOptions {
  /**
   * Outbound frames smaller than this many bytes are sent uncompressed.
   * @default 1024
   */
  threshold?: number;
  /**
   * zlib level 1 (fastest) – 9 (smallest).
   * @default 1
   */
  level?: number;
  /**
   * Keep the zlib context between messages (better ratio, ~300 KB more memory per
   * connection). Off: each message is compressed on its own.
   * @default false
   */
  contextTakeover?: boolean;
}
