// Browser tabs in one Node process, for @sinyal/client/tabs: a Web Locks registry shared by
// the "tabs" (the browser's, per origin), BroadcastChannels (Node's own, which cross
// objects like the browser's), one localStorage, and a per-tab kill switch that does what
// closing a tab does: its locks are released, its channels go silent, its sockets die.
// The origin's SharedWorker runs serveSharedConnection in the same process, its ports are
// Node MessageChannels; it is started by the first tab that asks, and again after every tab
// that used it has closed (a browser ends a shared worker with its last tab). `crashWorker()`
// ends it the way a crash does: no goodbye to the tabs, its connection gone.
import { createDevToken } from '@sinyal/server';
import type { ClientOptions } from '@sinyal/client';
import { createSharedClient, serveSharedConnection, type ChannelLike, type LockManagerLike, type SharedClient, type SharedClientOptions, type SharedWorkerLike, type SharedWorkerScopeLike } from '@sinyal/client/tabs';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import WebSocket from 'ws';
import { SECRET, type TestEvents } from './harness';

/** Whoever holds locks: a tab, or the shared worker. */
interface LockOwner {
  dead: boolean;
}

interface Request {
  tab: LockOwner;
  run: () => void;
  fail: (error: Error) => void;
}

/** The origin's lock manager: exclusive locks, granted in request order. */
export class LockRegistry {
  readonly held = new Map<string, { tab: LockOwner; grant: object }>();
  readonly #queues = new Map<string, Request[]>();

  manager(tab: LockOwner): LockManagerLike {
    return {
      request: (name, options, callback) =>
        new Promise((resolve, reject) => {
          if (tab.dead) return reject(new Error('tab closed'));
          const request: Request = {
            tab,
            fail: reject,
            run: () => {
              const grant = {};
              this.held.set(name, { tab, grant });
              Promise.resolve()
                .then(() => callback({ name }))
                .then(resolve, reject)
                .finally(() => {
                  if (this.held.get(name)?.grant !== grant) return;
                  this.held.delete(name);
                  this.#next(name);
                });
            },
          };
          options.signal?.addEventListener('abort', () => {
            const queue = this.#queues.get(name) ?? [];
            if (queue.includes(request)) {
              queue.splice(queue.indexOf(request), 1);
              reject(new Error('AbortError'));
            }
          });
          const queue = this.#queues.get(name) ?? [];
          this.#queues.set(name, queue);
          queue.push(request);
          this.#next(name);
        }),
      query: async () => ({ held: [...this.held.keys()].map((name) => ({ name })) }),
    };
  }

  #next(name: string): void {
    if (this.held.has(name)) return;
    this.#queues.get(name)?.shift()?.run();
  }

  /** The tab is gone: the browser releases its locks and drops its requests. */
  kill(tab: LockOwner): void {
    for (const [name, queue] of this.#queues) {
      for (const request of queue.filter((r) => r.tab === tab)) {
        queue.splice(queue.indexOf(request), 1);
        request.fail(new Error('tab closed'));
      }
      void name;
    }
    for (const [name, lock] of [...this.held]) {
      if (lock.tab !== tab) continue;
      this.held.delete(name);
      this.#next(name);
    }
  }
}

/** A Map behind the Web Storage API (the origin's localStorage). */
export class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  clear(): void {
    this.#items.clear();
  }
}

/** One browser: an origin's locks and storage, shared by its tabs. */
export class FakeBrowser {
  readonly locks = new LockRegistry();
  readonly storage = new MemoryStorage();
  readonly tabs: FakeTab[] = [];
  /** What the shared worker reported (onError). */
  readonly workerErrors: unknown[] = [];
  /** How many times a shared worker was started. */
  workersStarted = 0;
  #worker: { scope: SharedWorkerScopeLike; owner: LockOwner; tabs: Set<FakeTab>; ports: Set<WorkerPort> } | undefined;

  /** Opens a tab with a shared client for `user`; `worker: true` gives it the origin's shared worker. */
  open(url: string, user: string, options: Partial<SharedClientOptions> & { worker?: boolean } = {}): FakeTab {
    const tab = new FakeTab(this, url, user, options);
    this.tabs.push(tab);
    return tab;
  }

  /** `new SharedWorker(...)` from `tab`: the running worker, or a new one if every tab that used it has closed. */
  sharedWorker(tab: FakeTab): SharedWorkerLike {
    if (this.#worker && [...this.#worker.tabs].every((other) => other.dead)) this.#endWorker();
    if (!this.#worker) {
      const owner: LockOwner = { dead: false };
      const scope: SharedWorkerScopeLike = { onconnect: null, navigator: { locks: this.locks.manager(owner) } };
      serveSharedConnection({ WebSocket: WebSocket as unknown as ClientOptions['WebSocket'], onError: (error) => this.workerErrors.push(error) }, scope);
      this.#worker = { scope, owner, tabs: new Set(), ports: new Set() };
      this.workersStarted++;
    }
    const worker = this.#worker;
    worker.tabs.add(tab);
    const { port1, port2 } = new MessageChannel();
    tab.ports.add(port1);
    const workerEnd = new WorkerPort(port2);
    worker.ports.add(workerEnd);
    setImmediate(() => worker.scope.onconnect?.({ ports: [workerEnd] }));
    return { port: port1 as unknown as SharedWorkerLike['port'], onerror: null };
  }

  /**
   * The shared worker crashes: its ports go silent both ways without a word to the tabs, its
   * locks are released and its code stops, the connection it held with it. A tab that asks
   * for the worker afterwards starts a new one.
   */
  crashWorker(): void {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    worker.owner.dead = true;
    this.locks.kill(worker.owner);
    for (const port of worker.ports) port.silence();
    // The worker's code, which in a browser stops with its process, is stopped here the one
    // way it offers: told that a tab signed out (what it forwards goes into silenced ports),
    // it closes its connection and its timers.
    const [first] = worker.ports;
    first?.onmessage?.({ data: { k: 'signout', tab: 'crashed-worker' } });
    for (const port of worker.ports) port.close();
  }

  #endWorker(): void {
    if (!this.#worker) return;
    this.#worker.owner.dead = true;
    this.locks.kill(this.#worker.owner);
    this.#worker = undefined;
  }

  /** Closes every tab still open (as the test's end). */
  closeAll(): void {
    for (const tab of this.tabs) tab.kill();
    this.#endWorker();
  }
}

/** The worker's end of a tab's port (the PortLike the worker's code is given). */
class WorkerPort {
  #onmessage: ((event: { data: unknown }) => void) | null = null;
  #listening = false;
  #silent = false;

  constructor(readonly port: MessagePort) {}

  get onmessage(): ((event: { data: unknown }) => void) | null {
    return this.#onmessage;
  }

  /** Like a browser's port, messages are held until a handler is set (a Node port would start delivering at once). */
  set onmessage(handler: ((event: { data: unknown }) => void) | null) {
    this.#onmessage = handler;
    if (this.#listening || !handler) return;
    this.#listening = true;
    this.port.on('message', (data: unknown) => {
      if (!this.#silent) this.#onmessage?.({ data });
    });
  }

  postMessage(message: unknown): void {
    if (!this.#silent) this.port.postMessage(message);
  }

  start(): void {}

  close(): void {
    this.port.close();
  }

  /** Silenced both ways: nothing more reaches the worker's code or the tab. */
  silence(): void {
    this.#silent = true;
  }
}

export class FakeTab {
  dead = false;
  readonly client: SharedClient<TestEvents>;
  readonly #channels = new Set<BroadcastChannel>();
  readonly #sockets = new Set<WebSocket>();
  /** Its ports to the shared worker. */
  readonly ports = new Set<MessagePort>();

  constructor(
    readonly browser: FakeBrowser,
    url: string,
    user: string,
    { worker, ...options }: Partial<SharedClientOptions> & { worker?: boolean },
  ) {
    const tab = this;
    class TabWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        if (tab.dead) throw new Error('tab closed');
        super(address, protocols);
        tab.#sockets.add(this);
      }
    }
    this.client = createSharedClient<TestEvents>({
      url,
      token: () => createDevToken(SECRET, user),
      WebSocket: TabWebSocket as unknown as ClientOptions['WebSocket'],
      reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
      heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
      onError: () => {},
      ...options,
      tabs: {
        ...options.tabs,
        key: user,
        storage: browser.storage,
        locks: browser.locks.manager(this),
        channel: (name) => this.#channel(name),
        ...(worker && { worker: () => browser.sharedWorker(this) }),
      },
    } as SharedClientOptions) as unknown as SharedClient<TestEvents>;
  }

  #channel(name: string): ChannelLike {
    const channel = new BroadcastChannel(name);
    this.#channels.add(channel);
    const tab = this;
    const like: ChannelLike = {
      onmessage: null,
      postMessage(message) {
        if (!tab.dead) channel.postMessage(message);
      },
      close() {
        tab.#channels.delete(channel);
        channel.close();
      },
    };
    channel.onmessage = (event) => {
      if (!tab.dead) like.onmessage?.({ data: (event as MessageEvent).data });
    };
    return like;
  }

  /** What closing the tab does: no goodbye, its locks released, its channels and sockets dead. */
  kill(): void {
    if (this.dead) return;
    this.dead = true;
    this.browser.locks.kill(this);
    for (const channel of this.#channels) channel.close();
    for (const socket of this.#sockets) socket.terminate();
    for (const port of this.ports) port.close();
    // The Node objects would linger where a browser drops them: stop their timers.
    this.client.close();
  }

  get role(): string {
    return this.client.tabs.getSnapshot().role;
  }
}
