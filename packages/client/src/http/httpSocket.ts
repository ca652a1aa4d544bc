import { TOKEN_PROTOCOL_PREFIX } from '@sinyal/protocol';
import type { WebSocketConstructor, WebSocketLike } from '../socket';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;
/** Close code of a connection that broke without a close frame (what browsers report). */
const ABNORMAL = 1006;
const MESSAGE_TOO_BIG = 1009;
/** One POST carries frames up to this many characters of JSON (a larger frame goes alone). */
const MAX_BATCH_CHARS = 64 * 1024;

/** Options of {@link httpTransport}. */
export interface HttpTransportOptions {
  /**
   * Long-poll from the start instead of streaming. Streaming is tried first otherwise, and
   * long-polling used from then on when a stream delivers nothing within `streamTimeoutMs`
   * (a proxy that buffers responses).
   * @default false
   */
  longPoll?: boolean;
  /** A stream that shows no byte within this long is taken for buffered: long-poll instead. @default 3000 */
  streamTimeoutMs?: number;
  /** fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
}

type Listener = (event: { code?: number; reason?: string }) => void;

/** The bearer token the connection put in the WebSocket protocols (`sinyal.bearer.<base64url>`). */
function tokenOf(protocols: string | string[] | undefined): string | undefined {
  const entry = ([] as string[]).concat(protocols ?? []).find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (!entry) return undefined;
  const binary = atob(entry.slice(TOKEN_PROTOCOL_PREFIX.length).replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** Splits server-sent events out of `buffer`; answers what is left (an incomplete event). */
function parseEvents(buffer: string, onEvent: (name: string, data: string) => void): string {
  let end: number;
  while ((end = buffer.indexOf('\n\n')) >= 0) {
    let name = 'message';
    const data: string[] = [];
    for (const line of buffer.slice(0, end).split('\n')) {
      if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
      else if (line.startsWith('event:')) name = line.slice(6).trim();
    }
    buffer = buffer.slice(end + 2);
    if (data.length > 0) onEvent(name, data.join('\n'));
  }
  return buffer;
}

/**
 * The HTTP transport's client side, shaped like a WebSocket for the connection: the downstream
 * over one streaming response that opens the connection (`GET <url>/http/stream`: server-sent
 * events, read with fetch streaming so the token stays in the `Authorization` header) or, where
 * that stream is buffered, `POST <url>/http/open` and long-polls; the frames sent as numbered
 * POSTed batches, one request at a time, in order. Any request that fails
 * ends the connection (close 1006), as a broken socket would: the client reconnects and
 * resumes, and nothing is lost or doubled (rooms resume by `(epoch, seq)`, commands keep their
 * ids).
 */
export class HttpSocket implements WebSocketLike {
  readyState = CONNECTING;
  /* eslint-disable @typescript-eslint/no-explicit-any -- the WebSocketLike signature */
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: any) => void) | null = null;
  onclose: ((event: any) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  /** Whether the downstream is long-polled (set when the stream turned out to be buffered). */
  readonly #shared: { poll: boolean };
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #options: HttpTransportOptions;
  readonly #abort = new AbortController();
  readonly #listeners: Array<[string, Listener]> = [];
  #sid: string | undefined;
  #out: string[] = [];
  #sending = false;
  /** Number of the next POSTed batch: the server hands batches on in this order. */
  #batch = 0;

  constructor(url: string, protocols: string | string[] | undefined, options: HttpTransportOptions, shared: { poll: boolean }) {
    const target = new URL(url);
    target.protocol = target.protocol === 'wss:' ? 'https:' : target.protocol === 'ws:' ? 'http:' : target.protocol;
    target.search = target.hash = '';
    this.#base = `${target.href.replace(/\/$/, '')}/http/`;
    const token = tokenOf(protocols);
    this.#headers = token ? { authorization: `Bearer ${token}` } : {};
    this.#options = options;
    this.#shared = shared;
    void this.#run();
  }

  /** `open` and `close` listeners beside the `on…` handlers (what the fallback watches). */
  addEventListener(type: 'open' | 'close', listener: Listener): void {
    this.#listeners.push([type, listener]);
  }

  send(data: string): void {
    if (this.readyState !== OPEN) return;
    this.#out.push(data);
    void this.#pump();
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return;
    // Tells the server now (not aborted with the rest), so its session ends at once.
    if (this.#sid) void this.#request(`close?sid=${this.#sid}`, { method: 'POST', keepalive: true }, false).catch(() => {});
    this.#die(code, reason);
  }

  #request(path: string, init: RequestInit, abortable = true): Promise<Response> {
    const fetchImpl = this.#options.fetch ?? fetch;
    return fetchImpl(this.#base + path, { ...init, headers: { ...this.#headers, ...(init.headers as Record<string, string>) }, ...(abortable ? { signal: init.signal ?? this.#abort.signal } : {}) });
  }

  async #run(): Promise<void> {
    try {
      if (!this.#shared.poll) {
        const stream = new AbortController();
        this.#abort.signal.addEventListener('abort', () => stream.abort());
        // The stream opens the connection; its first event (`open`, with the id) must come in time.
        const reading = this.#request('stream', { signal: stream.signal }).then((response) => {
          if (!response.ok || !response.body) throw new Error(`stream refused (${response.status})`);
          return this.#readStream(response.body.getReader());
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const buffered = await Promise.race([
          reading.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(this.readyState === CONNECTING), this.#options.streamTimeoutMs ?? 3000);
          }),
        ]);
        clearTimeout(timer);
        if (!buffered) return await reading;
        // Nothing came through: a proxy buffers the response. Long-poll, on a new connection
        // (the server ends the old one with its stream).
        this.#shared.poll = true;
        stream.abort();
        reading.catch(() => {});
      }
      const response = await this.#request('open', { method: 'POST' });
      // A refusal (401, 403, 429…) fails the attempt; the connection's status probe tells which.
      if (!response.ok) throw new Error(`open refused (${response.status})`);
      const { sid } = (await response.json()) as { sid: string };
      this.#sid = sid;
      this.#opened();
      await this.#pollLoop(sid);
    } catch {
      this.#die(ABNORMAL, 'connection lost');
    }
  }

  async #readStream(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffer = parseEvents(buffer + decoder.decode(chunk.value, { stream: true }), (name, data) => {
        if (this.readyState === CLOSED) return;
        if (name === 'open') {
          this.#sid = (JSON.parse(data) as { sid: string }).sid;
          this.#opened();
        } else if (name === 'close') {
          const { code, reason } = JSON.parse(data) as { code: number; reason: string };
          this.#die(code, reason);
        } else if (this.readyState === OPEN) this.#deliver(data);
      });
      if (this.readyState === CLOSED) return;
    }
    this.#die(ABNORMAL, 'stream ended');
  }

  async #pollLoop(sid: string): Promise<void> {
    while (this.readyState === OPEN) {
      const response = await this.#request(`poll?sid=${sid}`, {});
      if (!response.ok) throw new Error(`poll refused (${response.status})`);
      const body = (await response.json()) as { frames: string[]; close?: { code: number; reason: string } };
      for (const frame of body.frames) if (this.readyState === OPEN) this.#deliver(frame);
      if (body.close) this.#die(body.close.code, body.close.reason);
    }
  }

  /** Sends what is queued, a batch per POST, one POST at a time (so frames stay in order). */
  async #pump(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      while (this.#out.length > 0 && this.readyState === OPEN) {
        let chars = 0;
        let count = 0;
        while (count < this.#out.length && (count === 0 || chars + this.#out[count]!.length < MAX_BATCH_CHARS)) chars += this.#out[count++]!.length;
        const response = await this.#request(`send?sid=${this.#sid!}&n=${this.#batch++}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.#out.splice(0, count)) });
        if (!response.ok) this.#die(response.status === 413 ? MESSAGE_TOO_BIG : ABNORMAL, `send refused (${response.status})`);
      }
    } catch {
      this.#die(ABNORMAL, 'connection lost');
    } finally {
      this.#sending = false;
    }
  }

  #deliver(data: string): void {
    this.onmessage?.({ data });
  }

  #opened(): void {
    this.readyState = OPEN;
    this.onopen?.({});
    for (const [type, listener] of this.#listeners) if (type === 'open') listener({});
  }

  #die(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#out = [];
    this.#abort.abort();
    // Like a WebSocket: the close event comes later, never inside the caller's own call.
    setTimeout(() => {
      const event = { code, reason, wasClean: code !== ABNORMAL };
      this.onclose?.(event);
      for (const [type, listener] of this.#listeners) if (type === 'close') listener(event);
    }, 0);
  }
}

/**
 * A WebSocket-compatible transport over HTTP (for `ClientOptions.transports`, or inside
 * {@link httpFallback}): streaming or long-polled downstream, POSTed upstream. The server
 * must be a Sinyal server of this version or later (it serves `<path>/http/`).
 */
export function httpTransport(options: HttpTransportOptions = {}): WebSocketConstructor {
  const shared = { poll: options.longPoll ?? false };
  return class extends HttpSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, options, shared);
    }
  };
}
