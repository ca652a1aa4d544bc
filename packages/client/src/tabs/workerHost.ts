import { SinyalError, type WebSocketConstructor } from '@sinyal/client';
import { Hub } from './hub';
import { Journal } from './journal';
import { isTabMessage, scopeNames, type ChannelLike, type LockManagerLike, type TabMessage } from './link';
import { MirroredStorage } from './mirroredStorage';
import { isWorkerMessage, type PortLike, type WorkerClientConfig, type WorkerMessage } from './workerProtocol';

/** Options of {@link serveSharedConnection}: what cannot cross from a tab to the worker. */
export interface SharedWorkerHostOptions {
  /** As `ClientOptions.transports`, e.g. `httpFallback()` from `@sinyal/client/http`. */
  transports?: WebSocketConstructor | undefined;
  /** As `ClientOptions.WebSocket`. @default the worker's global WebSocket */
  WebSocket?: WebSocketConstructor | undefined;
  /** Receives the worker's errors. @default console.error (in the worker's console) */
  onError?: ((error: unknown) => void) | undefined;
  /** How long a tab may take to hand over a token before the next tab is asked. @default 5000 */
  tokenTimeoutMs?: number | undefined;
}

/** The parts of the shared worker's global scope used (`self` in the worker). */
export interface SharedWorkerScopeLike {
  onconnect: ((event: { ports: readonly PortLike[] }) => void) | null;
  navigator?: { locks?: LockManagerLike } | undefined;
}

/** The tabs of one sharing scope (one key) and the connection they share. */
class Scope {
  readonly ports = new Map<PortLike, string>();
  /** Which port each link (TabSocket) lives in, to send its frames there only. */
  readonly #conns = new Map<string, PortLike>();
  readonly #storage: MirroredStorage;
  readonly #hub: Hub;
  readonly #channel: ChannelLike;
  readonly #tokens = new Map<number, { resolve(token: string): void; reject(error: Error): void }>();
  readonly #stopWatching = new AbortController();
  readonly #names;
  #requests = 0;
  stopped = false;

  constructor(
    readonly key: string,
    config: WorkerClientConfig,
    readonly options: SharedWorkerHostOptions,
    readonly locks: LockManagerLike,
    readonly onEmpty: () => void,
  ) {
    this.#names = scopeNames(key);
    // The worker's copy of the shared outbox; every write is mirrored to the tabs' localStorage.
    this.#storage = new MirroredStorage((key, value) => this.#toAll({ w: 'journal', key, value } satisfies WorkerMessage));
    this.#channel = { onmessage: null, postMessage: (message) => this.#fromHub(message as TabMessage), close: () => {} };
    this.#hub = new Hub(
      {
        url: config.url,
        token: () => this.#token(),
        ...(options.transports && { transports: options.transports }),
        ...(options.WebSocket && { WebSocket: options.WebSocket }),
        ...(config.reconnect && { reconnect: config.reconnect }),
        ...(config.heartbeat && { heartbeat: config.heartbeat }),
        ...(config.connectTimeoutMs !== undefined && { connectTimeoutMs: config.connectTimeoutMs }),
        ...(config.authProbe !== undefined && { authProbe: config.authProbe }),
        ...(config.probeTimeoutMs !== undefined && { probeTimeoutMs: config.probeTimeoutMs }),
        outbox: { ttlMs: config.ttlMs },
        onError: options.onError ?? console.error,
      },
      { channel: this.#channel, journal: new Journal(this.#names.journal, config.maxJournal, () => this.#storage), locks, tabLock: this.#names.tab, ttlMs: config.ttlMs },
    );
  }

  /** A tab's hello: its port joins, its shared-outbox entries are merged in. */
  add(port: PortLike, tab: string, journal: Array<[string, string]>): void {
    this.ports.set(port, tab);
    for (const [key, value] of journal) {
      if (typeof key === 'string' && typeof value === 'string' && key.startsWith(this.#names.journal) && this.#storage.getItem(key) === null) this.#storage.apply(key, value);
    }
    // The port goes when its tab does (the browser releases the tab's lock; a port has no close event).
    this.locks
      .request(this.#names.tab(tab), { signal: this.#stopWatching.signal }, () => this.#remove(port))
      .catch(() => {}); // aborted: the scope stopped
    port.postMessage({ w: 'ready' } satisfies WorkerMessage);
  }

  /** A message on a port of this scope. */
  receive(port: PortLike, data: unknown): void {
    if (isWorkerMessage(data)) {
      if (data.w === 'ping') port.postMessage({ w: 'pong' } satisfies WorkerMessage);
      else if (data.w === 'journal') this.#storage.apply(data.key, data.value);
      else if (data.w === 'token') {
        const waiting = this.#tokens.get(data.req);
        this.#tokens.delete(data.req);
        if (typeof data.token === 'string') waiting?.resolve(data.token);
        else waiting?.reject(new Error(data.error ?? 'no token'));
      }
      return;
    }
    if (!isTabMessage(data)) return this.#report(new SinyalError('invalid_frame', 'tabs worker: malformed message from a tab, ignored'));
    if (data.k === 'signout') {
      for (const other of this.ports.keys()) if (other !== port) other.postMessage(data);
      return this.stop();
    }
    if (data.k === 'open') this.#conns.set(data.conn, port);
    try {
      this.#hub.receive(data);
    } catch (error) {
      this.#report(error);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.#stopWatching.abort();
    this.#hub.stop();
    for (const { reject } of this.#tokens.values()) reject(new Error('signed out'));
    this.#tokens.clear();
    this.onEmpty();
  }

  #remove(port: PortLike): void {
    this.ports.delete(port);
    for (const [conn, owner] of [...this.#conns]) if (owner === port) this.#conns.delete(conn);
    if (!this.ports.size) this.stop(); // the last tab went: close the connection
  }

  /** The hub's message: to the port of the link it is for, or to every tab. */
  #fromHub(message: TabMessage): void {
    switch (message.k) {
      case 'recv': {
        const byPort = new Map<PortLike, string[]>();
        for (const conn of message.to) {
          const port = this.#conns.get(conn);
          if (port) byPort.set(port, [...(byPort.get(port) ?? []), conn]);
        }
        for (const [port, to] of byPort) port.postMessage(to.length === message.to.length ? message : { ...message, to });
        return;
      }
      case 'opened':
      case 'closed': {
        const port = this.#conns.get(message.conn);
        if (message.k === 'closed') this.#conns.delete(message.conn);
        port?.postMessage(message);
        return;
      }
      default:
        this.#toAll(message);
    }
  }

  #toAll(message: unknown): void {
    for (const port of this.ports.keys()) port.postMessage(message);
  }

  /** A token from a tab of this scope (the token source is the app's, in the tabs): each in turn until one answers. */
  async #token(): Promise<string> {
    const timeoutMs = this.options.tokenTimeoutMs ?? 5000;
    let last: unknown = new Error('no tab to ask for a token');
    for (const port of [...this.ports.keys()]) {
      const req = ++this.#requests;
      try {
        return await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.#tokens.delete(req);
            reject(new Error(`no token from a tab within ${timeoutMs} ms`));
          }, timeoutMs);
          const done = (settle: () => void) => {
            clearTimeout(timer);
            settle();
          };
          this.#tokens.set(req, { resolve: (token) => done(() => resolve(token)), reject: (error) => done(() => reject(error)) });
          port.postMessage({ w: 'token', req } satisfies WorkerMessage);
        });
      } catch (error) {
        last = error;
        if (this.stopped) break;
      }
    }
    throw last;
  }

  #report(error: unknown): void {
    (this.options.onError ?? console.error)(error);
  }
}

/**
 * Runs in a SharedWorker: holds the one connection of every tab that
 * `createSharedClient({ tabs: { worker } })` connects to it, per sharing key (each signed-in
 * user their own). The worker lives while any of those tabs does, so no tab's closing
 * moves the connection. The token comes from the tabs (the app's `token` option); what
 * cannot be sent from a tab — `transports` — is given here.
 *
 * @example
 * ```ts
 * // sinyal-worker.ts — built by the app's bundler as a module worker
 * import { serveSharedConnection } from '@sinyal/client/tabs';
 * serveSharedConnection();
 *
 * // in the app
 * const client = createSharedClient({
 *   url, token, tabs: { key: userId, worker: () => new SharedWorker(new URL('./sinyal-worker.ts', import.meta.url), { type: 'module', name: 'sinyal' }) },
 * });
 * ```
 */
export function serveSharedConnection(options: SharedWorkerHostOptions = {}, scope: SharedWorkerScopeLike = globalThis as unknown as SharedWorkerScopeLike): void {
  const scopes = new Map<string, Scope>();
  const report = options.onError ?? console.error;
  const locks = scope.navigator?.locks;
  scope.onconnect = (event) => {
    const port = event.ports[0];
    if (!port) return;
    let joined: Scope | undefined;
    port.onmessage = (message) => {
      const data = message.data;
      if (joined && !joined.stopped) return joined.receive(port, data);
      if (!isWorkerMessage(data) || data.w !== 'hello') {
        // Before its hello (or after a sign-out), a port has nothing to say.
        if (!(isTabMessage(data) && data.k === 'signout')) report(new SinyalError('invalid_frame', 'tabs worker: a tab spoke before its hello, ignored'));
        return;
      }
      if (!locks) return report(new SinyalError('unavailable', 'tabs worker: no Web Locks in this worker'));
      let target = scopes.get(data.key);
      if (!target || target.stopped) {
        const created: Scope = new Scope(data.key, data.config, options, locks, () => {
          if (scopes.get(data.key) === created) scopes.delete(data.key);
        });
        scopes.set(data.key, (target = created));
      }
      joined = target;
      target.add(port, data.tab, data.journal);
    };
    port.start?.();
  };
}
