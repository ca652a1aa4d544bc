import { CLOSE_GOING_AWAY, CLOSE_NORMAL, CLOSE_SERVICE_RESTART, CLOSE_UNAUTHORIZED, CLOSE_UNSUPPORTED_VERSION, SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX, base64url, type ErrorCode } from '@sinyal/protocol';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { Environment } from './environment';
import { SinyalError } from './errors';
import type { WebSocketConstructor, WebSocketLike } from './socket';
import { Subscribable } from './subscribable';

/**
 * `idle` → `connecting` → `open` → `reconnecting` → … → `closed` (by the app), plus
 * `offline` (the device reports no network; waiting for it) and `failed` (gave up:
 * token refused twice, unsupported protocol, or `maxAttempts` exhausted).
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed' | 'failed';

/** Connection state, stable until it changes. */
export interface ConnectionSnapshot {
  state: ConnectionState;
  /** Failed attempts since the connection was last open. */
  attempt: number;
  /** Why the last attempt failed, or why the client gave up in `failed`. */
  error: SinyalError | undefined;
  /** Local time (ms) of the next scheduled attempt while `reconnecting`. */
  retryAt: number | undefined;
}

/** A token, or a function called before every (re)connect that returns a fresh one. */
export type TokenSource = string | (() => string | Promise<string>);

/** @internal what the connection needs: the client options, with backoff and environment resolved */
export interface ConnectionConfig {
  url: string;
  token?: TokenSource | undefined;
  WebSocket?: WebSocketConstructor | undefined;
  transports?: WebSocketConstructor | undefined;
  backoff: BackoffOptions;
  environment: Environment;
  /** Ask the server why a handshake failed (see `ClientOptions.authProbe`). @default true */
  authProbe?: boolean | undefined;
  /** Give up on the status probe after this long (it never holds back the next attempt). @default 2000 */
  probeTimeoutMs?: number | undefined;
  /** Abandon an attempt (token, TCP, upgrade and welcome) that takes longer than this. @default 10000 */
  connectTimeoutMs?: number | undefined;
}

/**
 * Why the server refused a handshake, read from its HTTP answer: a `SinyalError` with the
 * body's `{ code, msg }` and the HTTP status as `details`, or `undefined` when the answer is
 * not a refusal the client must respect (below 400, 5xx, 404, 429: retry).
 */
function refusalOf(status: number, text: string): SinyalError | undefined {
  if (status < 400 || status > 499 || status === 404 || status === 429) return undefined;
  let body: { code?: ErrorCode; msg?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: the status alone says it
  }
  return new SinyalError(body.code ?? 'unauthorized', body.msg ?? `refused (${status})`, undefined, status);
}

/** What Node's `ws` adds to the WebSocket API: it shows why an upgrade was refused. */
interface NodeWebSocket {
  on?(event: 'unexpected-response', listener: (request: unknown, response: AsyncIterable<string> & { statusCode: number }) => void): void;
  terminate?(): void;
}

/** @internal what the connection tells the client */
export interface ConnectionEvents {
  opened(socket: WebSocketLike): void;
  frame(text: unknown): void;
  down(): void;
  /** The platform says the network went away: verify the open connection now. */
  suspect(): void;
}


/**
 * Owns the socket and the connection state machine: opens sockets, tells a refused
 * token from a dead network, and schedules reconnects (backoff with full jitter,
 * fast path after a server restart, immediate retry when the network returns).
 * What is said over the socket is the client's business, not this file's.
 */
export class Connection extends Subscribable {
  #socket: WebSocketLike | undefined;
  #snapshot: ConnectionSnapshot = { state: 'idle', attempt: 0, error: undefined, retryAt: undefined };
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every attempt and by close(), so late callbacks of old sockets are ignored. */
  #generation = 0;
  /** Consecutive refusals of the token by the server. */
  #refusals = 0;
  #stopListening: (() => void) | undefined;

  readonly #config: ConnectionConfig;
  readonly #events: ConnectionEvents;

  constructor(config: ConnectionConfig, events: ConnectionEvents) {
    super();
    this.#config = config;
    this.#events = events;
  }

  getSnapshot(): ConnectionSnapshot { return this.#snapshot; }

  /** Start connecting (from `idle`, `closed` or `failed`); a no-op while active. */
  connect(): void {
    const { state } = this.#snapshot;
    if (state !== 'idle' && state !== 'closed' && state !== 'failed') return;
    this.#refusals = 0;
    this.#stopListening ??= this.#config.environment.listen(
      () => this.#wake(),
      () => this.#wentOffline(),
    );
    this.#set({ state: 'connecting', attempt: 0, error: undefined, retryAt: undefined });
    void this.#attempt();
  }

  /** Close for good (until `connect()` is called again). */
  close(): void {
    this.#stop('closed', undefined);
  }

  /** The server welcomed us: the connection is usable. */
  markOpen(): void {
    clearTimeout(this.#connectTimer);
    this.#refusals = 0;
    this.#set({ state: 'open', attempt: 0, error: undefined, retryAt: undefined });
  }

  /**
   * Abandon the current socket now (heartbeat timeout: a half-open socket would
   * take minutes to report its own death) and reconnect.
   */
  drop(error: SinyalError): void {
    const socket = this.#socket;
    if (!socket) return;
    clearTimeout(this.#connectTimer);
    this.#detach(socket);
    const node = socket as NodeWebSocket;
    if (node.terminate) node.terminate();
    else socket.close(4000, error.message);
    this.#events.down();
    this.#retry(error, false);
  }

  #set(patch: Partial<ConnectionSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.notify();
  }

  #stop(state: 'closed' | 'failed', error: SinyalError | undefined): void {
    this.#generation++;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#retryTimer);
    this.#stopListening?.();
    this.#stopListening = undefined;
    const socket = this.#socket;
    if (socket) {
      this.#detach(socket);
      socket.close(CLOSE_NORMAL, state);
      this.#events.down();
    }
    this.#set({ state, error, retryAt: undefined });
  }

  #detach(socket: WebSocketLike): void {
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Not null: closing a socket that is still connecting makes `ws` emit an error,
    // which would be an uncaught exception without a listener.
    socket.onerror = () => {};
    if (this.#socket === socket) this.#socket = undefined;
  }

  async #attempt(): Promise<void> {
    const generation = ++this.#generation;
    clearTimeout(this.#connectTimer);
    const { url, token: source, WebSocket, transports, connectTimeoutMs = 10_000 } = this.#config;
    // A stalled TCP connect, upgrade, welcome or token provider must not hang the client.
    this.#connectTimer = setTimeout(() => {
      if (generation !== this.#generation) return;
      const error = new SinyalError('timeout', `not connected within ${connectTimeoutMs} ms`);
      if (this.#socket) this.drop(error);
      else {
        this.#generation++;
        this.#retry(error, false);
      }
    }, connectTimeoutMs);
    let token: string | undefined;
    try {
      token = typeof source === 'function' ? await source() : source;
    } catch (error) {
      if (generation === this.#generation) this.#retry(new SinyalError('unauthorized', `token provider failed: ${error as string}`), false);
      return;
    }
    if (generation !== this.#generation) return;
    const Impl = transports ?? WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    let socket: WebSocketLike;
    try {
      socket = new Impl!(url, token ? [SUBPROTOCOL, TOKEN_PROTOCOL_PREFIX + base64url(token)] : [SUBPROTOCOL]);
    } catch (error) {
      this.#stop('failed', Impl ? new SinyalError('bad_request', `cannot open ${url}: ${error as string}`) : new SinyalError('unavailable', 'no WebSocket: pass options.WebSocket'));
      return;
    }
    this.#socket = socket;
    let opened = false;
    /**
     * Why the upgrade failed: a refusal, or `null` when the server did not refuse us. Node's
     * `ws` shows every answer (status + body), so there no answer means the network failed.
     * Browsers hide it: `undefined`, and the status probe asks.
     */
    let answer: SinyalError | null | undefined = (socket as NodeWebSocket).on && null;
    (socket as NodeWebSocket).on?.('unexpected-response', async (_request, response) => {
      let text = '';
      for await (const chunk of response) text += chunk;
      answer = refusalOf(response.statusCode, text) ?? null;
      (socket as NodeWebSocket).terminate!();
    });
    socket.onopen = () => {
      opened = true;
      this.#events.opened(socket);
    };
    socket.onmessage = (event: { data: unknown }) => this.#events.frame(event.data);
    socket.onerror = () => {}; // a close event always follows and carries what we need
    socket.onclose = (event: { code: number; reason?: string }) => {
      clearTimeout(this.#connectTimer);
      this.#detach(socket);
      this.#events.down();
      if (opened) this.#closedByServer(event.code, event.reason ?? '');
      else void this.#handshakeFailed(token, generation, answer);
    };
  }

  #closedByServer(code: number, reason: string): void {
    const message = reason || `closed with ${code}`;
    if (code === CLOSE_UNSUPPORTED_VERSION) return this.#stop('failed', new SinyalError('unsupported_version', message));
    // The token expired during the session: fetch a new one and come straight back.
    if (code === CLOSE_UNAUTHORIZED) return this.#retry(new SinyalError('unauthorized', message), true, 0);
    // Restarting or going away: back soon, spread so the next node is not hit all at once.
    const restart = code === CLOSE_SERVICE_RESTART || code === CLOSE_GOING_AWAY;
    this.#retry(new SinyalError('unavailable', message), restart, restart ? Math.random() * this.#config.backoff.restartJitterMs : undefined);
  }

  /**
   * The handshake failed. Where the upgrade's answer is readable (Node's `ws`), it says
   * whether the server refused us. Elsewhere (browsers hide it) the next attempt is
   * scheduled by the backoff at once, and beside it the client asks the server over plain
   * HTTP whether it refuses this token or origin (401/403) or whether the network is to
   * blame. The probe is bounded by `probeTimeoutMs` and never holds back the next attempt:
   * its answer counts only if it comes before that attempt starts.
   */
  async #handshakeFailed(token: string | undefined, generation: number, answer: SinyalError | null | undefined): Promise<void> {
    if (answer) return this.#refused(answer);
    this.#retry(new SinyalError('unavailable', 'unreachable'), false);
    if (answer === null || this.#config.authProbe === false) return;
    try {
      // (Where there is no fetch, this throws: no probe, a network problem.)
      const response = await fetch(this.#config.url.replace(/^ws/, 'http'), {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        // fetch has no timeout of its own: a black-holed network, or a balancer that accepts
        // and closes at once (Node's first fetch then hangs), would keep it forever. (Where
        // AbortSignal.timeout is missing, a hung probe still never delays the next attempt.)
        signal: AbortSignal.timeout?.(this.#config.probeTimeoutMs ?? 2000),
      });
      const refusal = refusalOf(response.status, await response.text());
      if (refusal && generation === this.#generation) this.#refused(refusal);
    } catch {
      // unreachable or timed out: a network problem, not a refusal
    }
  }

  /** A token refused once (401) is fetched anew and tried at once; refused twice in a row, or for another reason, the client stops. */
  #refused(error: SinyalError): void {
    if (error.details !== 401 || ++this.#refusals >= 2) this.#stop('failed', error);
    else this.#retry(error, true, 0);
  }

  /** Schedule the next attempt; `delayMs` overrides the backoff (fast paths). */
  #retry(error: SinyalError, fastPath: boolean, delayMs?: number): void {
    const attempt = fastPath ? this.#snapshot.attempt : this.#snapshot.attempt + 1;
    const { backoff, environment } = this.#config;
    if (attempt >= backoff.maxAttempts) {
      this.#stop('failed', new SinyalError('unavailable', `gave up: ${error.message}`));
      return;
    }
    if (!environment.isOnline()) {
      this.#set({ state: 'offline', attempt, error, retryAt: undefined });
      return;
    }
    const wait = Math.floor(delayMs ?? backoffDelay(attempt - 1, backoff));
    clearTimeout(this.#retryTimer);
    this.#set({ state: 'reconnecting', attempt, error, retryAt: Date.now() + wait });
    this.#retryTimer = setTimeout(() => void this.#attempt(), wait);
  }

  /** Network back or tab visible again: skip the rest of the backoff wait. */
  #wake(): void {
    const { state } = this.#snapshot;
    if ((state === 'reconnecting' && !this.#socket) || state === 'offline') {
      clearTimeout(this.#retryTimer);
      this.#set({ state: 'reconnecting', retryAt: undefined });
      void this.#attempt();
    }
  }

  #wentOffline(): void {
    // An open socket may be dead without knowing it: let the heartbeat check at once.
    if (this.#snapshot.state === 'open') this.#events.suspect();
    if (this.#snapshot.state === 'reconnecting' && !this.#socket) {
      clearTimeout(this.#retryTimer);
      this.#set({ state: 'offline', retryAt: undefined });
    }
  }
}
