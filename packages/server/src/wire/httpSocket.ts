import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { RawData } from 'ws';

/**
 * What a session needs from its socket: the part of `ws`' WebSocket it uses. A `ws` socket
 * fits as it is; {@link HttpSocket} presents the HTTP transport the same way, so one session
 * implementation serves both.
 */
export interface SessionSocket {
  readonly readyState: number;
  /** Bytes written but not yet handed to the kernel (the slow-consumer check reads it). */
  readonly bufferedAmount: number;
  /** Negotiated extensions (`''` without permessage-deflate). */
  readonly extensions: string;
  send(data: string | Buffer): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  /** Stop reading inbound frames (a flood is discarded with the connection). */
  pause(): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): this;
}

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** Close code of a connection that died without a close (what ws reports). */
const ABNORMAL = 1006;
const MESSAGE_TOO_BIG = 1009;
/** Close code for "reconnect": a batch of frames went missing between nodes. */
const TRY_AGAIN_LATER = 1013;
/** Batches that arrived ahead of a missing one, at most (the client has one POST in flight). */
const MAX_HELD_BATCHES = 4;

/** A long-poll waiting for its answer, on this node or on another one. */
export interface PollSink {
  /** Sends the answer (JSON `{frames, close?}`); `done` once it is out. */
  answer(body: string, done: () => void): void;
  /** The connection is gone: the request gets no answer (or one that says so). */
  abort(): void;
}

/** A long-poll request of this node as a {@link PollSink}; one closed unanswered breaks `socket`. */
export function responseSink(res: ServerResponse, socket: HttpSocket): PollSink {
  const sink: PollSink = {
    answer(body, done) {
      if (res.destroyed) return;
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body, done);
    },
    abort: () => res.destroy(),
  };
  res.once('close', () => {
    if (!res.writableFinished) socket.pollGone(sink);
  });
  return sink;
}

/** How the downstream of an {@link HttpSocket} reaches the client. */
export type HttpDownstream = 'stream' | 'poll';

export interface HttpSocketOptions {
  /** Largest inbound frame, in bytes (ws' `maxPayload`): a larger one closes with 1009. */
  maxFrameBytes: number;
  /** With no stream or poll attached for this long, the connection is dead: closed with 4010. */
  idleMs: number;
  /** A long-poll with nothing to answer returns empty after this long. */
  pollMs: number;
  /** Called once, when the socket is closed (its session is gone). */
  onClosed: () => void;
}

/**
 * The HTTP transport's connection, shaped like a `ws` WebSocket for the session
 * ({@link SessionSocket}). Upstream frames arrive as POSTed batches ({@link HttpSocket.receive});
 * downstream frames are queued and written, batched per event-loop turn, either to one
 * streaming response (server-sent events: `data: <frame>\n\n`) or, for long-polling, as the
 * JSON answer `{ frames, close? }` of the poll that is waiting (or of the next one).
 *
 * A downstream that breaks is the death of the connection, exactly as a broken WebSocket:
 * the frames it carried may be lost, so the client opens a new connection and resumes (rooms
 * by `(epoch, seq)`, commands by id). The queue while no response is attached counts in
 * `bufferedAmount`, so the session's slow-consumer bound (`limits.maxBufferedBytes`) bounds it
 * too: overflow closes the connection (4009), never drops a frame silently.
 */
export class HttpSocket extends EventEmitter implements SessionSocket {
  /** Unguessable (144 random bits): the only thing, with the user's token, that addresses the connection. */
  readonly id = randomBytes(18).toString('base64url');
  readonly extensions = '';
  readyState = OPEN;
  mode: HttpDownstream | undefined;
  #queue: string[] = [];
  #queuedBytes = 0;
  /** The stream's response. */
  #res: ServerResponse | undefined;
  /** The long-poll waiting for frames. */
  #poll: PollSink | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #flushScheduled = false;
  #paused = false;
  #closeFrame: { code: number; reason: string } | undefined;
  /** Number of the next batch of inbound frames; later ones wait for it (see {@link HttpSocket.receiveBatch}). */
  #nextBatch = 0;
  readonly #held = new Map<number, readonly string[]>();
  #gapTimer: NodeJS.Timeout | undefined;
  readonly #options: HttpSocketOptions;

  constructor(options: HttpSocketOptions) {
    super();
    this.#options = options;
    this.#armIdle();
  }

  get bufferedAmount(): number {
    return this.#queuedBytes + (this.#res?.writableLength ?? 0);
  }

  /** Downstream frames waiting for a response to carry them (for the metrics). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  send(data: string | Buffer): void {
    if (this.readyState !== OPEN) return;
    const text = typeof data === 'string' ? data : data.toString('utf8');
    this.#queue.push(text);
    this.#queuedBytes += Buffer.byteLength(text);
    this.#scheduleFlush();
  }

  /**
   * Takes the client's batch number `n` (0, 1, 2… per connection). Batches are handed on in
   * their order, whichever node's route brought them first (another node forwards a POST
   * through the fan-out, which may arrive after the next POST reached this node directly); a
   * repeat is ignored. A batch still missing after `idleMs`, or more than 4 waiting behind
   * one, closes the connection with 1013 (the client reconnects and re-sends what was not
   * answered).
   */
  receiveBatch(n: number, frames: readonly string[]): void {
    if (n < this.#nextBatch || this.#held.has(n) || this.readyState !== OPEN) return;
    this.#held.set(n, frames);
    for (let next = this.#held.get(this.#nextBatch); next; next = this.#held.get(this.#nextBatch)) {
      this.#held.delete(this.#nextBatch++);
      this.receive(next);
    }
    clearTimeout(this.#gapTimer);
    if (this.#held.size === 0) return;
    if (this.#held.size > MAX_HELD_BATCHES) return this.close(TRY_AGAIN_LATER, 'frames missing');
    this.#gapTimer = setTimeout(() => this.close(TRY_AGAIN_LATER, 'frames missing'), this.#options.idleMs);
    this.#gapTimer.unref();
  }

  /** Hands inbound frames (one POSTed batch, in order) to the session, as ws' `message` events. */
  receive(frames: readonly string[]): void {
    for (const frame of frames) {
      if (this.readyState !== OPEN || this.#paused) return;
      if (Buffer.byteLength(frame) > this.#options.maxFrameBytes) {
        this.emit('error', Object.assign(new Error('frame too big'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }));
        this.close(MESSAGE_TOO_BIG, 'frame too big');
        return;
      }
      this.emit('message', Buffer.from(frame), false);
    }
  }

  pause(): void {
    this.#paused = true;
  }

  /**
   * Closes like a WebSocket's close frame: what is queued, then `{code, reason}`, go to the
   * client (on the stream, or in the answer of the next poll); the socket counts as closed once
   * that answer is written, or at {@link HttpSocket.terminate} (the session's grace).
   */
  close(code = 1000, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    this.#closeFrame = { code, reason };
    this.#flush();
  }

  /** Cuts the connection off now (its response is destroyed). */
  terminate(): void {
    this.#finish(this.#closeFrame?.code ?? ABNORMAL, this.#closeFrame?.reason ?? '');
  }

  /**
   * Attaches the streaming response (once per connection; a second one is refused by the
   * caller). Its own end (client gone, network cut) ends the connection.
   */
  attachStream(res: ServerResponse): void {
    this.mode = 'stream';
    this.#attach(res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      // nginx and friends: do not buffer this response.
      'X-Accel-Buffering': 'no',
    });
    // The connection's id at once: the client knows the stream flows (a buffering proxy holds it back).
    res.write(`event: open\ndata: ${JSON.stringify({ sid: this.id })}\n\n`);
    this.#flush();
  }

  /**
   * Attaches a long-poll: answered at once when frames are queued, else with the first ones
   * that come, else empty after `pollMs`. A newer poll answers an older one (empty) first.
   * The poll is a {@link PollSink}: this node's own request ({@link responseSink}), or one
   * another node holds (the answer travels back through the fan-out).
   */
  attachPoll(sink: PollSink): void {
    if (this.readyState === CLOSED) return sink.abort();
    this.mode = 'poll';
    if (this.#poll) this.#answerPoll();
    clearTimeout(this.#idleTimer);
    this.#poll = sink;
    this.#pollTimer = setTimeout(() => this.#answerPoll(), this.#options.pollMs);
    this.#pollTimer.unref();
    if (this.#queue.length > 0 || this.#closeFrame) this.#flush();
  }

  /** A local poll's request went away unanswered: the connection is broken. */
  pollGone(sink: PollSink): void {
    if (this.#poll === sink) this.#finish(this.#closeFrame?.code ?? ABNORMAL, this.#closeFrame?.reason ?? '');
  }

  #attach(res: ServerResponse): void {
    clearTimeout(this.#idleTimer);
    this.#res = res;
    res.once('close', () => {
      // Closed before its answer was complete: the connection is broken, its frames may be lost.
      if (!res.writableFinished) this.#finish(this.#closeFrame?.code ?? ABNORMAL, this.#closeFrame?.reason ?? '');
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // The frames of one event-loop turn (a reply and the events it caused) leave together.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.readyState === CLOSED) return;
    if (this.mode === 'poll') {
      if (this.#queue.length > 0 || this.#closeFrame) this.#answerPoll();
      return;
    }
    const res = this.#res;
    if (!res) return;
    let chunk = '';
    for (const frame of this.#queue) chunk += `data: ${frame}\n\n`;
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#closeFrame) chunk += `event: close\ndata: ${JSON.stringify(this.#closeFrame)}\n\n`;
    if (chunk) res.write(chunk);
    if (this.#closeFrame) this.#endWith(res);
  }

  #answerPoll(): void {
    const sink = this.#poll;
    if (!sink) return;
    clearTimeout(this.#pollTimer);
    this.#poll = undefined;
    const body = JSON.stringify({ frames: this.#queue, ...(this.#closeFrame ? { close: this.#closeFrame } : {}) });
    this.#queue = [];
    this.#queuedBytes = 0;
    const closing = this.#closeFrame;
    // With the close in it, the socket is closed once the answer is out.
    sink.answer(body, closing ? () => this.#finish(closing.code, closing.reason) : () => {});
    if (!closing) this.#armIdle();
  }

  /** Ends `res` with the close frame written: the socket is closed once it is out. */
  #endWith(res: ServerResponse): void {
    const { code, reason } = this.#closeFrame!;
    res.end(() => this.#finish(code, reason));
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.close(4010, 'no stream or poll');
      this.terminate();
    }, this.#options.idleMs);
    this.#idleTimer.unref();
  }

  #finish(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#gapTimer);
    this.#held.clear();
    this.#queue = [];
    this.#queuedBytes = 0;
    const res = this.#res;
    this.#res = undefined;
    if (res && !res.writableFinished) res.destroy();
    const poll = this.#poll;
    this.#poll = undefined;
    poll?.abort();
    this.#options.onClosed();
    this.emit('close', code, Buffer.from(reason));
  }
}
