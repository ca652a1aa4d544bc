// Browser tabs in one Node process, for @sinyal/client/tabs: a Web Locks registry shared by
// the "tabs" (the browser's, per origin), BroadcastChannels (Node's own, which cross
// objects like the browser's), one localStorage, and a per-tab kill switch that does what
// closing a tab does: its locks are released, its channels go silent, its sockets die.
import { createDevToken } from '@sinyal/server';
import type { ClientOptions } from '@sinyal/client';
import { createSharedClient, type ChannelLike, type LockManagerLike, type SharedClient, type SharedClientOptions } from '@sinyal/client/tabs';
import WebSocket from 'ws';
import { SECRET, type TestEvents } from './harness';

interface Request {
  tab: FakeTab;
  run: () => void;
  fail: (error: Error) => void;
}

/** The origin's lock manager: exclusive locks, granted in request order. */
export class LockRegistry {
  readonly held = new Map<string, { tab: FakeTab; grant: object }>();
  readonly #queues = new Map<string, Request[]>();

  manager(tab: FakeTab): LockManagerLike {
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
  kill(tab: FakeTab): void {
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

  /** Opens a tab with a shared client for `user`. */
  open(url: string, user: string, options: Partial<SharedClientOptions> = {}): FakeTab {
    const tab = new FakeTab(this, url, user, options);
    this.tabs.push(tab);
    return tab;
  }

  /** Closes every tab still open (as the test's end). */
  closeAll(): void {
    for (const tab of this.tabs) tab.kill();
  }
}

export class FakeTab {
  dead = false;
  readonly client: SharedClient<TestEvents>;
  readonly #channels = new Set<BroadcastChannel>();
  readonly #sockets = new Set<WebSocket>();

  constructor(
    readonly browser: FakeBrowser,
    url: string,
    user: string,
    options: Partial<SharedClientOptions>,
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
    // The Node objects would linger where a browser drops them: stop their timers.
    this.client.close();
  }

  get role(): string {
    return this.client.tabs.getSnapshot().role;
  }
}
