import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CloseCodes, ErrorCodes } from '@sinyal/protocol';
import type { StoreStats } from '../store/types';

/** Options of the Prometheus endpoint (`ServerOptions.metrics`). */
export interface MetricsOptions {
  /**
   * Serve the metrics at `path` on the server's port.
   * @default true
   */
  enabled?: boolean;
  /**
   * Path of the endpoint.
   * @default '/metrics'
   */
  path?: string;
  /**
   * Bearer token the scraper must send (`Authorization: Bearer <token>`); without it the
   * endpoint is open to anyone who can reach the port. Set it (or keep the port off the
   * internet) in production: the metrics reveal traffic levels and command names.
   * @default undefined (no authentication)
   */
  token?: string;
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event-loop lag, GC)
   * with the `sinyal_process_` / `sinyal_nodejs_` prefix. Off by default because they
   * are per process, not per server (several servers may share a process).
   * @default false
   */
  processMetrics?: boolean;
}

/** Label of commands not in the command table, so the label set stays bounded. */
export const OTHER_COMMAND = 'other';

/** Close codes with a label of their own: the protocol's, plus the standard ones a peer or ws may cause (1002 protocol error, 1006 connection lost without a close frame, 1007 invalid UTF-8). */
const CLOSE_CODES: ReadonlySet<number> = new Set([...Object.values(CloseCodes), 1002, 1006, 1007]);
const ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(ErrorCodes));
const FRAME_TYPES_IN: ReadonlySet<string> = new Set(['hello', 'join', 'leave', 'cmd', 'ping']);

/**
 * The server's Prometheus metrics, in a registry of its own (never prom-client's global
 * one), so several servers in one process do not mix their numbers. Every label has a
 * bounded set of values: frame types, protocol error codes, known close codes and the
 * command names of the server's command table (anything else is `other`).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  // Frame counts are on the hot path (every event to every member): plain map increments,
  // copied into the counters when scraped.
  private readonly inCounts = new Map<string, number>();
  private readonly outCounts = new Map<string, number>();
  private readonly errorCounts = new Map<string, number>();
  private readonly refusals: Counter<'status'>;
  private readonly disconnects: Counter<'code'>;
  private readonly commandDuration: Histogram<'command' | 'result'>;
  private readonly labelsByCommand = new Map<string, Record<'ack' | 'nack', { command: string; result: 'ack' | 'nack' }>>();
  private readonly rateLimited: Counter<'scope'>;

  constructor(
    sources: {
      connections: () => number;
      rooms: () => number;
      /** Redis link state, when the store has one: `up`, `connecting` or `down`. */
      redis?: () => string | undefined;
      /** Remembered command outcomes and their bound (absent when the store cannot be bounded). */
      dedupe?: () => (OutcomeBudgetStats & { maxBytes: number }) | undefined;
      /** Room history the store keeps in this process (the in-memory store). */
      history?: () => StoreStats | undefined;
      /** TCP connections held (WebSocket + HTTP) and their cap, `limits.maxConnections`. */
      sockets?: { count: () => number; limit: number };
      /** HTTP transport connections, the downstream bytes they queue, and the per-connection bound (`limits.maxBufferedBytes`). */
      http?: () => { connections: number; queuedBytes: number; maxBytesPerConnection: number; forwarded: number; forwardsHeld: number; maxForwardsHeldPerUser: number; maxForwardsHeldPerAddress: number; forwardsPaced: number };
      /** Live events held back for joins in progress, and the per-connection bound (`limits.maxBufferedBytes`). */
      joinHold?: () => { bytes: number; maxBytesPerConnection: number };
    },
    private readonly commandNames: () => ReadonlySet<string> | ReadonlyMap<string, unknown>,
    options: { processMetrics?: boolean } = {},
  ) {
    const registers = [this.registry];
    new Gauge({
      name: 'sinyal_connections',
      help: 'Open connections on this server (WebSocket and HTTP transport)',
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: 'sinyal_rooms',
      help: 'Rooms with at least one member connected to this server',
      registers,
      collect() {
        this.set(sources.rooms());
      },
    });
    const sockets = sources.sockets;
    if (sockets) {
      new Gauge({
        name: 'sinyal_sockets',
        help: 'TCP connections this server holds: WebSocket connections, upgrades in progress and HTTP keep-alive sockets',
        registers,
        collect() {
          this.set(sockets.count());
        },
      });
      new Gauge({ name: 'sinyal_sockets_limit', help: 'limits.maxConnections: over it upgrades and HTTP requests are refused with 503', registers }).set(sockets.limit);
    }
    const fromCounts = (counts: Map<string, number>, label: string) =>
      function (this: Counter<string>) {
        this.reset();
        for (const [value, n] of counts) this.inc({ [label]: value }, n);
      };
    new Counter({ name: 'sinyal_messages_in_total', help: 'Frames received from clients, by frame type (invalid, binary, rate_limited for frames not processed)', labelNames: ['type'], registers, collect: fromCounts(this.inCounts, 'type') });
    new Counter({ name: 'sinyal_messages_out_total', help: 'Frames sent to clients, by frame type', labelNames: ['type'], registers, collect: fromCounts(this.outCounts, 'type') });
    new Counter({ name: 'sinyal_errors_total', help: 'error and nack frames sent to clients, by protocol error code', labelNames: ['code'], registers, collect: fromCounts(this.errorCounts, 'code') });
    this.rateLimited = new Counter({ name: 'sinyal_rate_limited_total', help: 'Requests refused by a rate limit: scope "user" (socket frames), "action" (per-command limits), "join" (joins per user), "rest" (REST requests, same per-user bucket as frames), "connect" (new connections per user) or "http" (HTTP transport requests passed to other nodes: too many of one user or address waiting or held)', labelNames: ['scope'], registers });
    this.refusals = new Counter({ name: 'sinyal_upgrades_refused_total', help: 'WebSocket upgrades refused before the handshake, by HTTP status', labelNames: ['status'], registers });
    this.disconnects = new Counter({ name: 'sinyal_disconnects_total', help: 'Closed connections by close code: the one the server closed with when it closed, else the peer\'s (1006: vanished without a close frame); unknown codes as "other"', labelNames: ['code'], registers });
    this.commandDuration = new Histogram({
      name: 'sinyal_command_duration_seconds',
      help: 'Time from a command frame being processed to its ack/nack, by command name (names outside the command table as "other")',
      labelNames: ['command', 'result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const http = sources.http;
    if (http) {
      gauge(registers, 'sinyal_http_connections', 'Open HTTP transport connections (the fallback; also counted in sinyal_connections)', () => http().connections);
      gauge(registers, 'sinyal_http_queued_bytes', 'Downstream bytes HTTP transport connections hold for their next stream write or poll', () => http().queuedBytes);
      total(registers, 'sinyal_http_forwarded_total', 'HTTP transport requests (frame batches, closes, polls and their answers) this node passed through the fan-out to the node holding their connection (no sticky sessions)', () => http().forwarded);
      gauge(registers, 'sinyal_http_forwards_held', 'HTTP transport requests of users this node passes to other nodes that wait for their turn or are held (a poll until its answer comes back)', () => http().forwardsHeld);
      total(registers, 'sinyal_http_forwards_paced_total', 'HTTP transport requests passed to other nodes that waited for their turn (a user over limits.httpForwardsPerSecond) instead of being refused', () => http().forwardsPaced);
      gauge(registers, 'sinyal_http_forwards_held_max_per_user', 'Bound of one user\'s forwarded requests waiting or held on this node (2 × limits.maxConnectionsPerUser; 0 on one node): one more is refused with 429', () => http().maxForwardsHeldPerUser);
      gauge(registers, 'sinyal_http_forwards_held_max_per_address', 'Bound of one client address\'s forwarded requests waiting or held on this node (2 × limits.maxConnectionsPerIp; 0 on one node): one more is refused with 429', () => http().maxForwardsHeldPerAddress);
      gauge(registers, 'sinyal_http_queued_bytes_max', 'Bound of the queued bytes of one HTTP connection (limits.maxBufferedBytes): over it the connection is closed with 4009', () => http().maxBytesPerConnection);
    }
    const joinHold = sources.joinHold;
    if (joinHold) {
      gauge(registers, 'sinyal_join_held_bytes', 'Bytes of live room events held back for connections whose join is being answered (written once it is)', () => joinHold().bytes);
      gauge(registers, 'sinyal_join_held_bytes_max', 'Bound of the held bytes of one connection (limits.maxBufferedBytes): over it the connection is closed with 4009 and resumes when it reconnects', () => joinHold().maxBytesPerConnection);
    }
    const redis = sources.redis;
    if (redis && redis() !== undefined) {
      new Gauge({
        name: 'sinyal_redis_up',
        help: '1 while this server can reach Redis (store and subscriber connections), 0 otherwise',
        registers,
        collect() {
          this.set(redis() === 'up' ? 1 : 0);
        },
      });
    }
    const dedupe = sources.dedupe;
    if (dedupe && dedupe() !== undefined) {
      const read = () => dedupe()!;
      gauge(registers, 'sinyal_dedupe_outcomes', 'Command outcomes remembered for retried ids on this server', () => read().entries);
      gauge(registers, 'sinyal_dedupe_bytes', 'Bytes of remembered command outcomes on this server (JSON + key + bookkeeping)', () => read().bytes);
      gauge(registers, 'sinyal_dedupe_bytes_max', 'Bound of sinyal_dedupe_bytes (limits.outcomeBytesTotal)', () => read().maxBytes);
      new Counter({
        name: 'sinyal_dedupe_evicted_total',
        help: 'Command outcomes forgotten before their window ended, by the bound that forced it: user (limits.outcomeBytesPerUser) or total (limits.outcomeBytesTotal)',
        labelNames: ['bound'],
        registers,
        collect() {
          const { evicted } = read();
          this.reset();
          this.inc({ bound: 'user' }, evicted.user);
          this.inc({ bound: 'total' }, evicted.total);
        },
      });
      new Counter({
        name: 'sinyal_dedupe_compacted_total',
        help: 'Command outcomes over limits.maxOutcomeBytes, remembered without their data',
        registers,
        collect() {
          this.reset();
          this.inc(read().compacted);
        },
      });
    }
    const history = sources.history;
    if (history && history() !== undefined) {
      const read = () => history()!;
      gauge(registers, 'sinyal_history_rooms', 'Rooms whose history this process keeps (in-memory store)', () => read().rooms);
      gauge(registers, 'sinyal_history_events', 'Events of room history this process keeps (in-memory store)', () => read().events);
      gauge(registers, 'sinyal_history_bytes', 'Bytes of room history this process keeps (in-memory store; event JSON + bookkeeping)', () => read().bytes);
      gauge(registers, 'sinyal_history_bytes_max', 'Bound of sinyal_history_bytes (MemoryStore maxHistoryBytes)', () => read().maxBytes);
      new Counter({
        name: 'sinyal_history_evicted_rooms_total',
        help: 'Rooms whose history was dropped: idle (past roomIdleMs) or bytes (least recently used, over maxHistoryBytes)',
        labelNames: ['reason'],
        registers,
        collect() {
          const { evictedRooms } = read();
          this.reset();
          this.inc({ reason: 'idle' }, evictedRooms.idle);
          this.inc({ reason: 'bytes' }, evictedRooms.bytes);
        },
      });
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'sinyal_' });
  }

  messageIn(type: string): void {
    bump(this.inCounts, FRAME_TYPES_IN.has(type) || type === 'binary' || type === 'rate_limited' ? type : 'invalid');
  }

  messageOut(type: string): void {
    bump(this.outCounts, type);
  }

  error(code: string): void {
    bump(this.errorCounts, ERROR_CODES.has(code) ? code : 'other');
  }

  limited(scope: 'user' | 'action' | 'join' | 'rest' | 'connect' | 'http'): void {
    this.rateLimited.inc({ scope });
  }

  refused(status: number): void {
    this.refusals.inc({ status: String(status) });
  }

  disconnected(code: number): void {
    this.disconnects.inc({ code: CLOSE_CODES.has(code) ? String(code) : 'other' });
  }

  /** Starts timing a command; call the returned function with the result. */
  startCommand(name: string): (result: 'ack' | 'nack') => void {
    const command = this.commandNames().has(name) ? name : OTHER_COMMAND;
    const started = performance.now();
    // On every command's path: one clock read each end and a label set made once per
    // command name, rather than a timer's closures and a label object merged per command.
    return (result) => this.commandDuration.observe(this.commandLabels(command)[result], (performance.now() - started) / 1000);
  }

  /** The label sets of `command`'s durations (bounded by the command table, plus `other`). */
  private commandLabels(command: string): Record<'ack' | 'nack', { command: string; result: 'ack' | 'nack' }> {
    let labels = this.labelsByCommand.get(command);
    if (!labels) {
      labels = { ack: { command, result: 'ack' }, nack: { command, result: 'nack' } };
      this.labelsByCommand.set(command, labels);
    }
    return labels;
  }

  /** Writes the exposition text, or 401 when a token is required and missing/wrong. */
  async serve(req: IncomingMessage, res: ServerResponse, token: string | undefined): Promise<void> {
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'Content-Type': 'application/json; charset=utf-8', 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ code: 'unauthorized', msg: 'metrics token required' }));
      return;
    }
    const body = await this.registry.metrics();
    res.writeHead(200, { 'Content-Type': this.registry.contentType, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

/** A counter whose value is read from `read` (a running total kept elsewhere) at each scrape. */
export function total(registers: Registry[], name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers,
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge whose value is read at every scrape. */
export function gauge(registers: Registry[], name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!.trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A no-op stand-in when metrics are disabled, so call sites need no checks. */
export const NO_METRICS: Pick<ServerMetrics, 'messageIn' | 'messageOut' | 'error' | 'limited' | 'refused' | 'disconnected' | 'startCommand'> = {
  messageIn() {},
  messageOut() {},
  error() {},
  limited() {},
  refused() {},
  disconnected() {},
  startCommand: () => () => {},
};

/** What sessions and the upgrade path record. */
export type MetricsSink = typeof NO_METRICS;

/** What the budget has done, for /metrics. */
export interface OutcomeBudgetStats {
  /** Outcomes remembered now. */
  entries: number;
  /** Their bytes (outcome JSON + key + bookkeeping). */
  bytes: number;
  /** Outcomes forgotten before their window ended, by the bound that forced it. */
  evicted: { user: number; total: number };
  /** Outcomes over `maxOutcomeBytes`, kept without their data. */
  compacted: number;
}
