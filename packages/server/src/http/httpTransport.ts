import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthUser } from '../auth/authenticator';
import { HttpSocket } from '../wire/httpSocket';
import { sendJson, type Refusal } from './requestListener';

/** A long-poll with nothing to carry is answered empty after this long (below common proxy timeouts). */
export const HTTP_POLL_MS = 25_000;

/** What the HTTP transport needs from the server. */
export interface HttpTransportDeps {
  /** The origin and token check of the upgrade (`Authorization: Bearer <token>`). */
  admit: (req: IncomingMessage) => Promise<AuthUser | Refusal>;
  /**
   * Opens a session on `socket` for `user` after the same checks as an upgrade (shutting
   * down, store health, flood cool-down, per-user and per-address caps), or says why not.
   */
  open: (user: AuthUser, socket: HttpSocket, req: IncomingMessage) => Refusal | undefined;
  /** Largest inbound frame (`limits.maxFrameBytes`); a POSTed batch may carry up to 4 of them. */
  maxFrameBytes: number;
  /** With no stream or poll attached for this long, a connection is dead (`limits.heartbeatTimeoutMs`). */
  idleMs: number;
  /** Long-poll wait. @default HTTP_POLL_MS */
  pollMs?: number;
}

/** The HTTP transport's routes and its connections. */
export interface HttpTransport {
  /** Handles `<path>/http/<action>`; answers every request it is given. */
  handle(req: IncomingMessage, res: ServerResponse, action: string, query: URLSearchParams, cors: Record<string, string>): void;
  /** Open HTTP connections and the downstream bytes they queue (for /metrics). */
  stats(): { connections: number; queuedBytes: number };
}

class HttpRefusal extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.msg);
  }
}

function readFrames(req: IncomingMessage, maxBytes: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpRefusal({ status: 413, code: 'too_large', msg: `batch over ${maxBytes} bytes` });
    if (Number(req.headers['content-length']) > maxBytes) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      let frames: unknown;
      try {
        frames = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        frames = undefined;
      }
      if (!Array.isArray(frames) || frames.length === 0 || !frames.every((f) => typeof f === 'string')) {
        reject(new HttpRefusal({ status: 400, code: 'bad_request', msg: 'body must be a non-empty JSON array of frames (strings)' }));
      } else resolve(frames);
    });
    req.on('error', reject);
  });
}

/**
 * The HTTP fallback transport: the same sessions, frames and guarantees as the WebSocket
 * path, for clients whose network blocks WebSocket upgrades. Under `<path>/http/` (every
 * request authenticated with `Authorization: Bearer <token>` and origin-checked like the
 * upgrade):
 *
 * - `POST open` → `200 {sid}`: a new connection (the same limits as an upgrade);
 * - `GET stream?sid=` → the downstream as server-sent events (`data: <frame>`, and a final
 *   `event: close` with `{code, reason}`), one per connection;
 * - `GET poll?sid=` → long-poll instead: `{frames, close?}`, at once when frames are queued,
 *   else when one comes, else empty after 25 s;
 * - `POST send?sid=` with a JSON array of frames (strings, in order; at most 4 ×
 *   `limits.maxFrameBytes`) → `204`, the frames handed to the session in order;
 * - `POST close?sid=` → `204`, the connection closed.
 *
 * The `sid` is unguessable and bound to the user who opened it: another user's token gets
 * `404`, as does a closed or unknown connection (the client then opens a new one and resumes).
 */
export function createHttpTransport(deps: HttpTransportDeps): HttpTransport {
  const sockets = new Map<string, { socket: HttpSocket; user: string }>();
  const maxBatchBytes = 4 * deps.maxFrameBytes;

  const connection = async (req: IncomingMessage, query: URLSearchParams): Promise<HttpSocket> => {
    const admitted = await deps.admit(req);
    if ('status' in admitted) throw new HttpRefusal(admitted);
    const entry = sockets.get(query.get('sid') ?? '');
    if (!entry || entry.user !== admitted.id) throw new HttpRefusal({ status: 404, code: 'not_found', msg: 'no such HTTP connection (closed, or never opened)' });
    return entry.socket;
  };

  const run = async (req: IncomingMessage, res: ServerResponse, action: string, query: URLSearchParams, cors: Record<string, string>): Promise<void> => {
    const method = action === 'stream' || action === 'poll' ? 'GET' : 'POST';
    if (!['open', 'stream', 'poll', 'send', 'close'].includes(action)) throw new HttpRefusal({ status: 404, code: 'not_found', msg: 'not found' });
    if (req.method !== method) throw new HttpRefusal({ status: 405, code: 'bad_request', msg: `use ${method}` });
    if (action === 'open') {
      const admitted = await deps.admit(req);
      if ('status' in admitted) throw new HttpRefusal(admitted);
      const socket = new HttpSocket({ maxFrameBytes: deps.maxFrameBytes, idleMs: deps.idleMs, pollMs: deps.pollMs ?? HTTP_POLL_MS, onClosed: () => sockets.delete(socket.id) });
      const refused = deps.open(admitted, socket, req);
      if (refused) throw new HttpRefusal(refused);
      sockets.set(socket.id, { socket, user: admitted.id });
      return sendJson(res, 200, { sid: socket.id }, cors);
    }
    const socket = await connection(req, query);
    switch (action) {
      case 'stream':
        if (socket.mode !== undefined) throw new HttpRefusal({ status: 409, code: 'conflict', msg: 'this connection already has its downstream' });
        for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
        return socket.attachStream(res);
      case 'poll':
        if (socket.mode === 'stream') throw new HttpRefusal({ status: 409, code: 'conflict', msg: 'this connection streams' });
        for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
        return socket.attachPoll(res);
      case 'send':
        socket.receive(await readFrames(req, maxBatchBytes));
        res.writeHead(204, cors).end();
        return;
      default:
        socket.close(1000, 'closed by the client');
        socket.terminate();
        res.writeHead(204, cors).end();
    }
  };

  return {
    handle(req, res, action, query, cors) {
      run(req, res, action, query, cors).catch((error: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (error instanceof HttpRefusal) {
          const { status, code, msg } = error.refusal;
          sendJson(res, status, { code, msg }, cors);
        } else sendJson(res, 500, { code: 'internal', msg: 'internal server error' }, cors);
      });
    },
    stats() {
      let queuedBytes = 0;
      for (const { socket } of sockets.values()) queuedBytes += socket.queuedBytes;
      return { connections: sockets.size, queuedBytes };
    },
  };
}
