/**
 * `@sinyal/client/tabs`: one connection for all the tabs of one user. See
 * {@link createSharedClient}.
 * @module
 */
import { browserEnvironment, memoryStorage, newId, SinyalClient, SinyalError, type ClientOptions, type CommandOptions, type PendingCommand } from '@sinyal/client';
import type { CommandShape, SinyalCommands, SinyalEvents } from '@sinyal/protocol';
import { Hub } from './hub';
import { Journal } from './journal';
import { isTabMessage, scopeNames, shortId, type ChannelLike, type LockManagerLike, type TabMessage } from './link';
import { TabLink } from './tabSocket';
import type { SharedWorkerLike } from './workerProtocol';
import { joinSharedWorker } from './workerLink';

export type { ChannelLike, LockManagerLike } from './link';
export { serveSharedConnection, type SharedWorkerHostOptions, type SharedWorkerScopeLike } from './workerHost';
export type { PortLike, SharedWorkerLike } from './workerProtocol';

/** How the tabs share (every field optional; the defaults are the browser's). */
export interface TabsOptions {
  /**
   * Who shares: tabs with the same key (and origin) share one connection. Give each
   * signed-in user their own, e.g. the user id. @default the server URL and the token's `sub`
   */
  key: string;
  /** Where the shared outbox lives (one key per command). @default localStorage */
  storage: Storage;
  /** @default navigator.locks */
  locks: LockManagerLike;
  /** @default (name) => new BroadcastChannel(name) */
  channel: (name: string) => ChannelLike;
  /**
   * Start the app's shared worker (a module that calls {@link serveSharedConnection}): the
   * connection then lives in the worker, and no tab's closing moves it. Where SharedWorker
   * is missing (or the worker fails to start or answer) leave it out or let it throw: the
   * tabs elect a leader with Web Locks instead.
   * @example () => new SharedWorker(new URL('./sinyal-worker.ts', import.meta.url), { type: 'module', name: 'sinyal' })
   * @default undefined (a leader tab holds the connection)
   */
  worker: () => SharedWorkerLike;
  /**
   * How long the shared worker may take to answer a tab before the tabs elect a leader
   * instead; once joined, how often a tab pings the worker: a period with nothing from it
   * (a crashed worker) makes the tabs elect a leader and reconnect through it. @default 5000
   */
  workerTimeoutMs: number;
  /** Most commands in the shared outbox at once (beyond it a command stays in its tab's memory only). @default outbox.maxSize, 1000 */
  maxJournal: number;
}

/** `createClient`'s options, plus how the tabs share. */
export interface SharedClientOptions extends ClientOptions {
  tabs?: Partial<TabsOptions>;
}

/**
 * This tab's part: `leader` (it holds the real connection), `follower` (it talks through the
 * leader tab, or through the shared worker when `host` is `'worker'`), `alone` (no Web Locks or BroadcastChannel here: a connection of its own),
 * `starting` (before the scope is known) or `closed` (signed out).
 */
export type TabRole = 'starting' | 'leader' | 'follower' | 'alone' | 'closed';

/** This tab's part in the sharing, stable until it changes. */
export interface TabsSnapshot {
  role: TabRole;
  /** This tab's id (its lock is `sinyal:tabs:v1:<key>:tab:<id>`). */
  tab: string;
  /** The sharing scope, once known. */
  key: string | undefined;
  /**
   * Where the shared connection lives: in the shared worker (`tabs.worker`), or in the
   * leader tab; undefined before that is known and when alone.
   */
  host?: 'worker' | 'tab' | undefined;
}

type DataOf<C, N extends keyof C> = C[N] extends CommandShape ? C[N]['data'] : unknown;
type ResultOf<C, N extends keyof C> = C[N] extends CommandShape ? C[N]['result'] : unknown;

interface Browser {
  navigator?: { locks?: LockManagerLike };
  BroadcastChannel?: new (name: string) => ChannelLike;
  localStorage?: Storage;
}

/** The `sub` claim of a JWT, or undefined if `token` is not one. */
function subjectOf(token: string | undefined): string | undefined {
  try {
    const part = token?.split('.')[1];
    if (!part) return undefined;
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A {@link SinyalClient} that shares one connection with the other tabs of its user (see
 * {@link createSharedClient}). Everything a client does works the same — rooms, commands,
 * stores, hooks, composables — and {@link SharedClient.tabs} tells this tab's part.
 */
export class SharedClient<Events extends object = SinyalEvents, Commands extends object = SinyalCommands> extends SinyalClient<Events, Commands> {
  readonly #tab: string;
  readonly #options: SharedClientOptions;
  readonly #link: TabLink | undefined;
  readonly #abort = new AbortController();
  readonly #listeners = new Set<() => void>();
  #snapshot: TabsSnapshot;
  #journal: Journal | undefined;
  #channel: ChannelLike | undefined;
  #hub: { hub: Hub; channel: ChannelLike } | undefined;
  #release: Array<() => void> = [];
  #wantsConnect: boolean;

  /** Use {@link createSharedClient}. @internal */
  constructor(options: SharedClientOptions, link: TabLink | undefined) {
    super(
      link
        ? { ...options, WebSocket: link.WebSocket, transports: undefined, environment: link.environment, outbox: { ...options.outbox, storage: memoryStorage() }, autoConnect: false }
        : // Connected below: the base constructor's connect() would run this class's before its fields exist.
          { ...options, autoConnect: false },
    );
    this.#options = options;
    this.#link = link;
    this.#tab = link?.tab ?? shortId();
    this.#wantsConnect = link !== undefined && (options.autoConnect ?? true);
    this.#snapshot = { role: link ? 'starting' : 'alone', tab: this.#tab, key: undefined };
    if (link) void this.#start(link).catch((error: unknown) => (options.onError ?? console.error)(error));
    else if (options.autoConnect ?? true) this.connect();
  }

  /** This tab's part in the sharing: `getSnapshot()`, and `subscribe` to hear it change. */
  readonly tabs = {
    getSnapshot: (): TabsSnapshot => this.#snapshot,
    subscribe: (listener: () => void): (() => void) => {
      const entry = () => listener();
      this.#listeners.add(entry);
      return () => void this.#listeners.delete(entry);
    },
  };

  /** Connect (again). A shared client connects through the leader tab once its scope is known. */
  override connect(): void {
    if (this.#snapshot.role === 'starting') this.#wantsConnect = true;
    else if (this.#snapshot.role !== 'closed') super.connect();
  }

  /**
   * Sign out: this tab and every other tab sharing the connection close (their state
   * becomes `closed`) and the leader closes the real connection. Commands not yet answered
   * stay in the shared outbox for this user. Create a new client to sign in again.
   */
  override close(): void {
    if (this.#link && this.#snapshot.role !== 'closed') this.#channel?.postMessage({ k: 'signout', tab: this.#tab } satisfies TabMessage);
    this.#shutDown();
  }

  /**
   * Queue a command (as {@link SinyalClient.command}). Shared: it is recorded in the shared
   * outbox first, so it is delivered — once, with its id — even if this tab closes before
   * the server answers. Volatile commands are not recorded.
   */
  override command<Name extends Extract<keyof Commands, string>>(name: Name, data: DataOf<Commands, Name>, options: CommandOptions = {}): PendingCommand<ResultOf<Commands, Name>> {
    const journal = this.#journal;
    if (!journal || options.volatile) return super.command(name, data, options);
    const id = options.id ?? newId();
    const recorded = journal.put({ id, name, room: options.room, data, createdAt: Date.now(), tab: this.#tab } as Parameters<Journal['put']>[0]);
    const command = super.command(name, data, { ...options, id });
    if (recorded) {
      const forget = () => journal.delete(id);
      command.done.then(forget, forget);
    }
    return command;
  }

  async #start(link: TabLink): Promise<void> {
    const options = this.#options;
    const tabs = options.tabs ?? {};
    const browser = globalThis as Browser;
    let key = tabs.key;
    if (key === undefined) {
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      key = `${options.url}|${subjectOf(token) ?? ''}`;
    }
    if (this.#snapshot.role === 'closed') return;
    const names = scopeNames(key);
    const locks = (tabs.locks ?? browser.navigator?.locks)!;
    const signal = this.#abort.signal;
    // This tab's own lock, held for its life: whoever holds the connection learns this tab is gone when the browser releases it.
    await new Promise<void>((held) => {
      locks
        .request(names.tab(this.#tab), { signal }, () => new Promise<void>((release) => {
          this.#release.push(release);
          held();
        }))
        .catch(() => held());
    });
    if ((this.#snapshot.role as TabRole) === 'closed') return;
    const viaWorker = tabs.worker
      ? await joinSharedWorker({
          start: tabs.worker,
          key,
          tab: this.#tab,
          journalPrefix: names.journal,
          maxJournal: this.#maxJournal(),
          storage: tabs.storage ?? browser.localStorage,
          options,
          timeoutMs: tabs.workerTimeoutMs ?? 5000,
          receive: (data) => this.#guard(data, (message) => (message.k === 'signout' ? this.#shutDown() : link.receive(message))),
          wanted: () => this.#snapshot.role !== 'closed',
          lost: () => this.#workerLost(link, key),
        })
      : undefined;
    if (viaWorker) {
      this.#journal = viaWorker.journal;
      this.#channel = link.channel = viaWorker.channel;
      this.#set({ role: 'follower', key, host: 'worker' });
      if (this.#wantsConnect) super.connect();
      return;
    }
    if ((this.#snapshot.role as TabRole) === 'closed') return;
    this.#electLeader(link, key);
    if (this.#wantsConnect) super.connect();
  }

  /**
   * The shared worker stopped answering after this tab joined it (its port is closed): the
   * tabs share through a leader tab instead, as when no worker answers at first. The shared
   * outbox was kept in this tab's storage as well, so nothing in it is lost; the sockets the
   * worker accepted are closed, and the client reconnects through the new leader.
   */
  #workerLost(link: TabLink, key: string): void {
    if (this.#snapshot.role === 'closed') return;
    this.#electLeader(link, key);
    link.workerGone();
  }

  /** Joins the tabs' channel, and leads the tabs whenever this tab holds the leader lock. */
  #electLeader(link: TabLink, key: string): void {
    const options = this.#options;
    const tabs = options.tabs ?? {};
    const browser = globalThis as Browser;
    const names = scopeNames(key);
    const locks = (tabs.locks ?? browser.navigator?.locks)!;
    const signal = this.#abort.signal;
    const open = tabs.channel ?? ((name: string) => new browser.BroadcastChannel!(name));
    this.#journal = new Journal(names.journal, this.#maxJournal(), () => tabs.storage ?? browser.localStorage);
    const channel = (this.#channel = open(names.channel));
    channel.onmessage = (event) =>
      this.#guard(event.data, (message) => {
        if (message.k === 'signout') this.#shutDown();
        else link.receive(message);
      });
    link.channel = channel;
    // Leader while this tab lives (or until sign-out); the next tab in line takes over at once.
    locks
      .request(names.leader, { signal }, () => new Promise<void>((release) => {
        this.#release.push(release);
        this.#lead(names.tab, open(names.channel));
      }))
      .catch(() => {}); // aborted: signed out before leading
    this.#set({ role: this.#hub ? 'leader' : 'follower', key, host: 'tab' });
  }

  #maxJournal(): number {
    return this.#options.tabs?.maxJournal ?? this.#options.outbox?.maxSize ?? 1000;
  }

  #lead(tabLock: (tab: string) => string, channel: ChannelLike): void {
    if (this.#snapshot.role === 'closed') return channel.close();
    const options = this.#options;
    const hub = new Hub(options, {
      channel,
      journal: this.#journal!,
      locks: (options.tabs?.locks ?? (globalThis as Browser).navigator?.locks)!,
      tabLock,
      ttlMs: options.outbox?.ttlMs ?? 300_000,
    });
    channel.onmessage = (event) => this.#guard(event.data, (message) => hub.receive(message));
    this.#hub = { hub, channel };
    if (this.#snapshot.role !== 'starting') this.#set({ role: 'leader' });
  }

  /** Signed out (here or in another tab): close everything, give up the locks. */
  #shutDown(): void {
    if (this.#snapshot.role === 'closed') return;
    this.#set({ role: 'closed' });
    this.#hub?.hub.stop();
    this.#hub?.channel.close();
    this.#link?.stop();
    super.close();
    this.#abort.abort();
    for (const release of this.#release) release();
    this.#channel?.close();
  }

  /** Handles a channel message; a malformed one, or whatever the handling throws, is reported (`onError`), never thrown. */
  #guard(data: unknown, handle: (message: TabMessage) => void): void {
    const report = this.#options.onError ?? console.error;
    if (!isTabMessage(data)) return report(new SinyalError('invalid_frame', 'tabs: malformed message on the tabs channel, ignored'));
    try {
      handle(data);
    } catch (error) {
      report(error);
    }
  }

  #set(patch: Partial<TabsSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        (this.#options.onError ?? console.error)(error);
      }
    }
  }
}

/**
 * Create a client that shares one connection with every other tab of the same user (same
 * origin and {@link TabsOptions.key}). One tab — the leader, elected with the Web Locks
 * API — holds the real connection; the others talk to it over a `BroadcastChannel`. Each
 * tab's rooms, commands, stores, React hooks and Vue composables work as with
 * `createClient`: a room joined by several tabs is joined once on the server and every
 * event crosses the network once. Commands are recorded in a shared outbox
 * (`localStorage`) before they leave their tab, so one sent from a tab that closes a moment
 * later is still delivered, once, with its id, even if the leader closes mid-flight and
 * another tab takes over. `close()` signs every tab out.
 *
 * With `tabs.worker` the connection lives in a SharedWorker instead (a module of the app that
 * calls {@link serveSharedConnection}), so no tab's closing moves it; where the worker cannot
 * start, the tabs elect a leader. Where the browser has no Web Locks or no BroadcastChannel,
 * the tab gets a connection of its own (`client.tabs.getSnapshot().role === 'alone'`).
 *
 * @example
 * ```ts
 * import { createSharedClient } from '@sinyal/client/tabs';
 *
 * const client = createSharedClient({ url: 'wss://rt.example.com/ws', token: getToken, tabs: { key: userId } });
 * client.room('chat:c-42').on('chat:message', show); // as with createClient
 * ```
 */
export function createSharedClient<Events extends object = SinyalEvents, Commands extends object = SinyalCommands>(
  options: SharedClientOptions,
): SharedClient<Events, Commands & SinyalCommands> {
  const browser = globalThis as Browser;
  const canShare = (options.tabs?.locks ?? browser.navigator?.locks) !== undefined && (options.tabs?.channel ?? browser.BroadcastChannel) !== undefined;
  const link = canShare ? new TabLink(shortId(), options.environment ?? browserEnvironment()) : undefined;
  return new SharedClient<Events, Commands & SinyalCommands>(options, link);
}
