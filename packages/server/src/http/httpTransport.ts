import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthUser } from '../auth/authenticator';
import type { ControlMessage } from '../store/types';
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
  /**
   * Several nodes (a Redis store): hands a request for a connection this node does not hold
   * to every node through the fan-out's control channel; the holder takes it ({@link HttpTransport.deliver}).
   * Without it (one node) such a request is answered 404.
   */
  forward?: (message: Extract<ControlMessage, { t: 'http' | 'http-close' }>) => Promise<void>;
}

/** The HTTP transport's routes and its connections. */
export interface HttpTransport {
  /** Handles `<path>/http/<action>`; answers every request it is given. */
  handle(req: IncomingMessage, res: ServerResponse, action: string, query: URLSearchParams, cors: Record<string, string>): void;
  /** A request forwarded by another node: taken if this node holds its connection (for that user). */
  deliver(message: Extract<ControlMessage, { t: 'http' | 'http-close' }>): void;
  /** Open HTTP connections, the downstream bytes they queue, and requests passed to other nodes so far (for /metrics). */
  stats(): { connections: number; queuedBytes: number; forwarded: number };
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
 * - `GET stream` → a new connection (the same limits as an upgrade) whose downstream is this
 *   response, as server-sent events: `event: open` with `{sid}` at once, `data: <frame>` for
 *   each frame, and a final `event: close` with `{code, reason}`;
 * - `POST open` → `200 {sid}`: a new connection to long-poll instead, with
 *   `GET poll?sid=` → `{frames, close?}`, at once when frames are queued, else when one comes,
 *   else empty after 25 s;
 * - `POST send?sid=&n=` with a JSON array of frames (strings, in order; at most 4 ×
 *   `limits.maxFrameBytes`) → `204`; `n` numbers the batches (0, 1, 2…) so they are handed
 *   to the session in order even when they reach it through different nodes;
 * - `POST close?sid=` → `204`, the connection closed.
 *
 * The `sid` is unguessable and bound to the user who opened it: another user's token gets
 * `404`, as does a closed or unknown connection (the client then opens a new one and resumes).
 * On several nodes (`forward`), a `send` or `close` for a connection another node holds is
 * passed to it through the fan-out, so the stream needs no sticky session; a long-poll does
 * (its polls must reach the node that holds the connection).
 */
export function createHttpTransport(deps: HttpTransportDeps): HttpTransport {
  const sockets = new Map<string, { socket: HttpSocket; user: string }>();
  let forwarded = 0;
  const forward = async (message: Extract<ControlMessage, { t: 'http' | 'http-close' }>) => {
    forwarded++;
    await deps.forward!(message);
  };
  const maxBatchBytes = 4 * deps.maxFrameBytes;

  const admit = async (req: IncomingMessage): Promise<AuthUser> => {
    const admitted = await deps.admit(req);
    if ('status' in admitted) throw new HttpRefusal(admitted);
    return admitted;
  };
  /** This node's connection `sid` of `user`, if it holds it. */
  const local = (sid: string, user: string): HttpSocket | undefined => {
    const entry = sockets.get(sid);
    return entry && entry.user === user ? entry.socket : undefined;
  };
  const notFound = () => new HttpRefusal({ status: 404, code: 'not_found', msg: 'no such HTTP connection (closed, or never opened)' });

  /** A new connection for the admitted user, on this node, or why not. */
  const open = (user: AuthUser, req: IncomingMessage): HttpSocket => {
    const socket = new HttpSocket({ maxFrameBytes: deps.maxFrameBytes, idleMs: deps.idleMs, pollMs: deps.pollMs ?? HTTP_POLL_MS, onClosed: () => sockets.delete(socket.id) });
    const refused = deps.open(user, socket, req);
    if (refused) throw new HttpRefusal(refused);
    sockets.set(socket.id, { socket, user: user.id });
    return socket;
  };

  const run = async (req: IncomingMessage, res: ServerResponse, action: string, query: URLSearchParams, cors: Record<string, string>): Promise<void> => {
    const method = action === 'stream' || action === 'poll' ? 'GET' : 'POST';
    if (!['open', 'stream', 'poll', 'send', 'close'].includes(action)) throw new HttpRefusal({ status: 404, code: 'not_found', msg: 'not found' });
    if (req.method !== method) throw new HttpRefusal({ status: 405, code: 'bad_request', msg: `use ${method}` });
    const user = await admit(req);
    const sid = query.get('sid') ?? '';
    switch (action) {
      case 'open':
        return sendJson(res, 200, { sid: open(user, req).id }, cors);
      case 'stream': {
        // The stream opens its own connection: it is held by the node that serves it.
        const socket = open(user, req);
        for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
        return socket.attachStream(res);
      }
      case 'poll': {
        const socket = local(sid, user.id);
        if (!socket) throw notFound();
        if (socket.mode === 'stream') throw new HttpRefusal({ status: 409, code: 'conflict', msg: 'this connection streams' });
        for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
        return socket.attachPoll(res);
      }
      case 'send': {
        const n = /^\d{1,15}$/.test(query.get('n') ?? '') ? Number(query.get('n')) : Number.NaN;
        if (!Number.isSafeInteger(n) || n < 0) throw new HttpRefusal({ status: 400, code: 'bad_request', msg: 'n (the batch number: 0, 1, 2…) is required' });
        const frames = await readFrames(req, maxBatchBytes);
        const socket = local(sid, user.id);
        if (socket) socket.receiveBatch(n, frames);
        else if (deps.forward) await forward({ t: 'http', sid, user: user.id, n, frames });
        else throw notFound();
        res.writeHead(204, cors).end();
        return;
      }
      default: {
        const socket = local(sid, user.id);
        if (socket) {
          socket.close(1000, 'closed by the client');
          socket.terminate();
        } else if (deps.forward) await forward({ t: 'http-close', sid, user: user.id });
        else throw notFound();
        res.writeHead(204, cors).end();
      }
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
    deliver(message) {
      if (typeof message.sid !== 'string' || typeof message.user !== 'string') return;
      const socket = local(message.sid, message.user);
      if (!socket) return;
      if (message.t === 'http-close') {
        socket.close(1000, 'closed by the client');
        socket.terminate();
      } else if (Number.isSafeInteger(message.n) && Array.isArray(message.frames) && message.frames.every((f) => typeof f === 'string')) {
        socket.receiveBatch(message.n, message.frames);
      }
    },
    stats() {
      let queuedBytes = 0;
      for (const { socket } of sockets.values()) queuedBytes += socket.queuedBytes;
      return { connections: sockets.size, queuedBytes, forwarded };
    },
  };
}
