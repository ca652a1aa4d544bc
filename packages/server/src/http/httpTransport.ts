import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthUser } from '../auth/authenticator';
import type { ControlMessage } from '../store/types';
import { HttpSocket, responseSink, type PollSink } from '../wire/httpSocket';
import { ForwardPacer, type ForwardPacerLimits } from './forwardPacer';
import { readBody } from './readBody';
import { sendJson, type Refusal } from './requestListener';

/** A long-poll with nothing to carry is answered empty after this long (below common proxy timeouts). */
export const HTTP_POLL_MS = 25_000;
/** A poll passed to another node that has no answer this long after its wait: its connection is gone (404). */
const FORWARDED_POLL_GRACE_MS = 5_000;

/** The control messages of the HTTP transport (see `ControlMessage`). */
export type HttpControlMessage = Extract<ControlMessage, { t: 'http' | 'http-close' | 'http-poll' | 'http-answer' }>;

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
  forward?: (message: HttpControlMessage) => Promise<void>;
  /**
   * Pace of the requests passed on through `forward`, per user (see {@link ForwardPacer});
   * a request waits for its turn at most the poll wait.
   */
  forwardLimits: Omit<ForwardPacerLimits, 'maxWaitMs'>;
  /** Told when a forwarded request is refused by its pace (for /metrics). */
  onLimited?: () => void;
  /** The client address a request counts against (`trustProxy`; an IPv6 client per /64), as for the connection caps. */
  addressOf: (req: IncomingMessage) => string;
  /** Awaited before a new connection is opened: the node must first hear control messages (forwarded requests for it), or why not. */
  beforeOpen?: () => Promise<Refusal | undefined>;
}

/** The HTTP transport's routes and its connections. */
export interface HttpTransport {
  /** Handles `<path>/http/<action>`; answers every request it is given. */
  handle(req: IncomingMessage, res: ServerResponse, action: string, query: URLSearchParams, cors: Record<string, string>): void;
  /** A request forwarded by another node: taken if this node holds its connection (for that user). */
  deliver(message: HttpControlMessage): void;
  /** Periodic housekeeping: forgets the pace of users who have not forwarded for a while. */
  prune(): void;
  /**
   * Open HTTP connections, the downstream bytes they queue, requests passed to other nodes
   * so far, those waiting for their turn or held (a forwarded poll until answered) now with
   * their bounds per user and per address, and how many so far waited for their turn (for /metrics).
   */
  stats(): { connections: number; queuedBytes: number; forwarded: number; forwardsHeld: number; maxForwardsHeldPerUser: number; maxForwardsHeldPerAddress: number; forwardsPaced: number };
}

class HttpRefusal extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.msg);
  }
}

async function readFrames(req: IncomingMessage, maxBytes: number): Promise<string[]> {
  const body = await readBody(req, maxBytes, () => new HttpRefusal({ status: 413, code: 'too_large', msg: `batch over ${maxBytes} bytes` }));
  let frames: unknown;
  try {
    frames = JSON.parse(body.toString('utf8'));
  } catch {
    frames = undefined;
  }
  if (!Array.isArray(frames) || frames.length === 0 || !frames.every((f) => typeof f === 'string')) {
    throw new HttpRefusal({ status: 400, code: 'bad_request', msg: 'body must be a non-empty JSON array of frames (strings)' });
  }
  return frames;
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
 * passed to it through the fan-out, and so is a poll (held where it arrived; the holder sends
 * the answer back through the fan-out): no sticky sessions needed. What one user has passed
 * on is paced and bounded ({@link ForwardPacer}).
 */
export function createHttpTransport(deps: HttpTransportDeps): HttpTransport {
  const sockets = new Map<string, { socket: HttpSocket; user: string }>();
  let forwarded = 0;
  const forward = async (message: HttpControlMessage) => {
    forwarded++;
    await deps.forward!(message);
  };
  /** This node, for the answers to the polls it passes on. */
  const node = randomBytes(9).toString('base64url');
  /** Polls this node holds for connections on other nodes, by poll id. */
  const remotePolls = new Map<string, { res: ServerResponse; timer: NodeJS.Timeout; cors: Record<string, string>; release: () => void }>();
  const pollMs = deps.pollMs ?? HTTP_POLL_MS;
  const pacer = deps.forward ? new ForwardPacer({ ...deps.forwardLimits, maxWaitMs: pollMs }) : undefined;
  /**
   * Waits for the turn of a request of `user` to be passed to other nodes: the release to
   * call when it is done, or undefined when the requester left meanwhile (nothing to answer).
   */
  const forwardTurn = async (user: string, req: IncomingMessage, res: ServerResponse): Promise<(() => void) | undefined> => {
    let gone = false;
    res.once('close', () => (gone = true));
    const turn = await pacer!.acquire(user, deps.addressOf(req), () => gone);
    if (turn === undefined) return undefined;
    if ('refusal' in turn) {
      deps.onLimited?.();
      throw new HttpRefusal(turn.refusal);
    }
    return turn.release;
  };
  /** A poll another node holds for a connection of this node: its answer goes back through the fan-out. */
  const remoteSink = (holder: string, poll: string): PollSink => ({
    answer(body, done) {
      forward({ t: 'http-answer', node: holder, poll, body }).catch(() => {});
      done();
    },
    abort() {
      const body = JSON.stringify({ frames: [], close: { code: 1006, reason: 'connection lost' } });
      forward({ t: 'http-answer', node: holder, poll, body }).catch(() => {});
    },
  });
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
  const open = async (user: AuthUser, req: IncomingMessage): Promise<HttpSocket> => {
    const notYet = await deps.beforeOpen?.();
    if (notYet) throw new HttpRefusal(notYet);
    const socket = new HttpSocket({ maxFrameBytes: deps.maxFrameBytes, idleMs: deps.idleMs, pollMs: deps.pollMs ?? HTTP_POLL_MS, onClosed: () => sockets.delete(socket.id) });
    const refused = deps.open(user, socket, req);
    if (refused) throw new HttpRefusal(refused);
    sockets.set(socket.id, { socket, user: user.id });
    return socket;
  };

  /** Passes a batch or a close on in its turn; false when the requester left while it waited. */
  const forwardPaced = async (user: string, req: IncomingMessage, res: ServerResponse, message: HttpControlMessage): Promise<boolean> => {
    const release = await forwardTurn(user, req, res);
    if (!release) return false;
    try {
      await forward(message);
    } finally {
      release();
    }
    return true;
  };

  const run = async (req: IncomingMessage, res: ServerResponse, action: string, query: URLSearchParams, cors: Record<string, string>): Promise<void> => {
    const method = action === 'stream' || action === 'poll' ? 'GET' : 'POST';
    if (!['open', 'stream', 'poll', 'send', 'close'].includes(action)) throw new HttpRefusal({ status: 404, code: 'not_found', msg: 'not found' });
    if (req.method !== method) throw new HttpRefusal({ status: 405, code: 'bad_request', msg: `use ${method}` });
    const user = await admit(req);
    const sid = query.get('sid') ?? '';
    switch (action) {
      case 'open':
        return sendJson(res, 200, { sid: (await open(user, req)).id }, cors);
      case 'stream': {
        // The stream opens its own connection: it is held by the node that serves it.
        const socket = await open(user, req);
        for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
        return socket.attachStream(res);
      }
      case 'poll': {
        const socket = local(sid, user.id);
        if (socket) {
          if (socket.mode === 'stream') throw new HttpRefusal({ status: 409, code: 'conflict', msg: 'this connection streams' });
          for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
          return socket.attachPoll(responseSink(res, socket));
        }
        if (!deps.forward) throw notFound();
        // Another node may hold the connection: it answers through the fan-out. The poll
        // keeps its place in the user's forwarded requests until it is answered or gone.
        const release = await forwardTurn(user.id, req, res);
        if (!release) return;
        const poll = randomBytes(9).toString('base64url');
        const timer = setTimeout(() => {
          remotePolls.delete(poll);
          release();
          sendJson(res, 404, { code: 'not_found', msg: 'no such HTTP connection (closed, or never opened)' }, cors);
        }, pollMs + FORWARDED_POLL_GRACE_MS);
        remotePolls.set(poll, { res, timer, cors, release });
        res.once('close', () => {
          clearTimeout(timer);
          remotePolls.delete(poll);
          release();
        });
        return forward({ t: 'http-poll', sid, user: user.id, node, poll });
      }
      case 'send': {
        const n = /^\d{1,15}$/.test(query.get('n') ?? '') ? Number(query.get('n')) : Number.NaN;
        if (!Number.isSafeInteger(n) || n < 0) throw new HttpRefusal({ status: 400, code: 'bad_request', msg: 'n (the batch number: 0, 1, 2…) is required' });
        const frames = await readFrames(req, maxBatchBytes);
        const socket = local(sid, user.id);
        if (socket) socket.receiveBatch(n, frames);
        else if (deps.forward) {
          if (!(await forwardPaced(user.id, req, res, { t: 'http', sid, user: user.id, n, frames }))) return;
        } else throw notFound();
        res.writeHead(204, cors).end();
        return;
      }
      default: {
        const socket = local(sid, user.id);
        if (socket) {
          socket.close(1000, 'closed by the client');
          socket.terminate();
        } else if (deps.forward) {
          if (!(await forwardPaced(user.id, req, res, { t: 'http-close', sid, user: user.id }))) return;
        } else throw notFound();
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
      if (message.t === 'http-answer') {
        const waiting = message.node === node && typeof message.body === 'string' ? remotePolls.get(message.poll) : undefined;
        if (!waiting) return;
        clearTimeout(waiting.timer);
        remotePolls.delete(message.poll);
        waiting.release();
        waiting.res.writeHead(200, { ...waiting.cors, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(message.body)) });
        waiting.res.end(message.body);
        return;
      }
      if (typeof message.sid !== 'string' || typeof message.user !== 'string') return;
      const socket = local(message.sid, message.user);
      if (!socket) return;
      if (message.t === 'http-close') {
        socket.close(1000, 'closed by the client');
        socket.terminate();
      } else if (message.t === 'http-poll') {
        if (socket.mode !== 'stream' && typeof message.node === 'string' && typeof message.poll === 'string') socket.attachPoll(remoteSink(message.node, message.poll));
      } else if (message.t === 'http' && Number.isSafeInteger(message.n) && Array.isArray(message.frames) && message.frames.every((f) => typeof f === 'string')) {
        socket.receiveBatch(message.n, message.frames);
      }
    },
    prune() {
      pacer?.prune();
    },
    stats() {
      let queuedBytes = 0;
      for (const { socket } of sockets.values()) queuedBytes += socket.queuedBytes;
      return { connections: sockets.size, queuedBytes, forwarded, forwardsHeld: pacer?.held ?? 0, maxForwardsHeldPerUser: pacer?.limits.maxHeldPerUser ?? 0, maxForwardsHeldPerAddress: pacer?.limits.maxHeldPerAddress ?? 0, forwardsPaced: pacer?.paced ?? 0 };
    },
  };
}
