import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '@sinyal/protocol';
import type { AuthUser } from '../auth/authenticator';

/** Why a request or upgrade is refused: HTTP status plus the protocol error for the JSON body. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  msg: string;
}

/** Pathname of a request URL. */
export function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

/**
 * Refuses a WebSocket upgrade before it happens: writes a plain HTTP response with a
 * `{code, msg}` JSON body on the raw socket and closes it. Node clients see the status
 * (`unexpected-response`); browsers only see a failed handshake, hence the auth probe.
 */
export function refuseUpgrade(socket: Duplex, { status, code, msg }: Refusal): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ code, msg });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Whether the request announced a body that nobody has read (yet): answering it now is an
 * early refusal (401, 403, 404, 413, 429… before the body), after which the connection is
 * closed instead of reading on — else a client trickling a large body would keep it open.
 */
export function bodyUnread(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    // Node then ends the socket once the answer is written, without reading the rest of the body.
    ...(bodyUnread(res.req) ? { Connection: 'close' } : {}),
    ...headers,
  });
  res.end(text);
}

/** What the plain HTTP endpoints need from the server. */
export interface HttpDeps {
  /** WebSocket path; a plain GET on it is the auth probe. */
  path: string;
  checkOrigin: (origin: string | undefined) => boolean;
  /** Origin + token check shared with the upgrade. */
  admit: (req: IncomingMessage) => Promise<AuthUser | Refusal>;
  connections: () => number;
  startedAt: number;
  isClosing: () => boolean;
  /** Whether the node can serve (its store/fan-out is reachable); `details` go into the body. */
  health?: () => { ok: boolean; details?: Record<string, string> };
  /** The Prometheus endpoint, if enabled: served at `path` (GET/HEAD) before the origin check, without CORS. */
  metrics?: { path: string; serve: (req: IncomingMessage, res: ServerResponse) => Promise<void> };
  /** The server holds more connections than `limits.maxConnections` (see `ConnectionCaps`). */
  overCapacity?: () => boolean;
  /** REST routes of the server and its features; returns false when no route matches. */
  route?: (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, cors: Record<string, string>) => boolean;
  /** The HTTP fallback transport (`httpTransport.ts`), served under `<path>/http/<action>`. */
  httpTransport?: (req: IncomingMessage, res: ServerResponse, action: string, query: URLSearchParams, cors: Record<string, string>) => void;
}

export { json as sendJson };

/**
 * Handles plain HTTP requests:
 * - `GET /health` → `200 {status:'ok', connections, uptimeS}` (`503` while shutting down, and
 *   `503 {status:'degraded', redis:'down', …}` while a Redis store is unreachable);
 * - `GET /metrics` (path configurable) → Prometheus text, `401` without the configured token;
 * - `GET <path>` with `Authorization: Bearer <token>` → the auth probe: the same origin and
 *   token checks as the upgrade, answered `200 {ok:true, user}` or `401/403 {code, msg}`,
 *   so a browser client can tell "token refused" from "network down" after a failed handshake;
 * - `<path>/http/<action>` → the HTTP fallback transport (`httpTransport.ts`);
 * - the REST routes (`routes.ts`): chat list, history, notifications, the publish API…;
 * - CORS for allowed origins on all of them (with `OPTIONS` preflight);
 * - anything else → `404`.
 * An answer given before a request's body was read (a refusal) closes the connection
 * (`Connection: close`); over `limits.maxConnections` everything but `/health` and the
 * metrics is answered `503`.
 */
export function createRequestListener(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      json(res, 400, { code: 'bad_request', msg: 'bad URL' });
      return;
    }
    const path = url.pathname;
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      const closing = deps.isClosing();
      const health = deps.health?.() ?? { ok: true };
      json(res, closing || !health.ok ? 503 : 200, {
        status: closing ? 'closing' : health.ok ? 'ok' : 'degraded',
        ...health.details,
        connections: deps.connections(),
        uptimeS: Math.floor((Date.now() - deps.startedAt) / 1000),
      });
      return;
    }

    if (deps.metrics && path === deps.metrics.path && (req.method === 'GET' || req.method === 'HEAD')) {
      deps.metrics.serve(req, res).catch(() => {
        if (!res.headersSent) json(res, 500, { code: 'internal', msg: 'metrics unavailable' });
        else res.destroy();
      });
      return;
    }
    // Health and metrics stay readable at the cap: a full node is not a broken one.
    if (deps.overCapacity?.()) {
      json(res, 503, { code: 'unavailable', msg: 'server at its connection limit, try again later' }, { Connection: 'close', 'Retry-After': '1' });
      return;
    }

    const origin = req.headers.origin;
    const originAllowed = deps.checkOrigin(origin);
    const cors: Record<string, string> =
      origin !== undefined && originAllowed
        ? {
            'Access-Control-Allow-Origin': origin,
            'Access-Control-Allow-Headers': 'authorization, content-type',
            'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
            'Access-Control-Max-Age': '600',
            Vary: 'Origin',
          }
        : { Vary: 'Origin' };

    // The probe answers every origin readably (it only ever says "forbidden" to a refused
    // one): a browser that cannot read the answer would take it for a network failure and
    // retry forever instead of stopping in `failed`.
    const readable = path === deps.path && origin !== undefined ? { ...cors, 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Headers': 'authorization, content-type' } : cors;
    if (req.method === 'OPTIONS') {
      res.writeHead(originAllowed || path === deps.path ? 204 : 403, readable);
      res.end();
      return;
    }
    if (origin !== undefined && !originAllowed) {
      json(res, 403, { code: 'forbidden', msg: 'origin not allowed' }, readable);
      return;
    }
    if (deps.httpTransport && path.startsWith(`${deps.path}/http/`)) {
      deps.httpTransport(req, res, path.slice(deps.path.length + 6), url.searchParams, cors);
      return;
    }
    if (path !== deps.path) {
      if (!deps.route?.(req, res, path, url.searchParams, cors)) json(res, 404, { code: 'not_found', msg: 'not found' }, cors);
      return;
    }
    if (req.method !== 'GET') {
      json(res, 405, { code: 'bad_request', msg: 'use GET' }, { ...cors, Allow: 'GET, OPTIONS' });
      return;
    }
    deps.admit(req).then(
      (result) => {
        if ('status' in result) json(res, result.status, { code: result.code, msg: result.msg }, cors);
        else json(res, 200, { ok: true, user: result.id }, cors);
      },
      () => json(res, 500, { code: 'internal', msg: 'internal server error' }, cors),
    );
  };
}
