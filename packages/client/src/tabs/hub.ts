import { memoryStorage, SinyalClient, SinyalError, type ClientOptions, type WebSocketConstructor, type WebSocketLike } from '@sinyal/client';
import { RETRYABLE_ERROR_CODES, type ServerFrame, type WelcomeFrame } from '@sinyal/protocol';
import type { Journal, JournalEntry } from './journal';
import { shortId, type ChannelLike, type LockManagerLike, type TabMessage } from './link';

/** What the leader needs besides the client options. @internal */
export interface HubConfig {
  channel: ChannelLike;
  journal: Journal;
  locks: LockManagerLike;
  /** The lock a live tab holds (released by the browser when the tab goes). */
  tabLock: (tab: string) => string;
  /** Commands never sent expire after this long (the outbox's `ttlMs`). */
  ttlMs: number;
}

/** One tab's socket to the leader. */
interface Link {
  tab: string;
  rooms: Set<string>;
}

/** A join on the real connection, and whom its answer is for. */
interface PendingJoin {
  room: string;
  /** The tab's link and its own join id; absent for the leader's own joins. */
  link?: { conn: string; id: string };
  /** A command of a closed tab that waits for this join. */
  orphan?: string;
}

const ACTIVITY = 'presence:set_activity';

/** Whose a command in flight is: a live tab's link, or nobody's (its tab is gone). */
type Owner = string | undefined;

/**
 * The leader tab's side of a shared connection: the one real connection (a
 * {@link SinyalClient} that owns the socket, reconnects, pings and keeps the clock) and a
 * multiplexer between it and every tab's link.
 *
 * - `hello` and `ping` are answered here (the server's `welcome`, the clock's time).
 * - A tab's `join` goes to the server under a link-scoped id, with the tab's own `from`, so
 *   each tab gets its own replay and a fresh join state; the server keeps one membership.
 *   The room is left when no tab (and no waiting command) holds it any longer.
 * - Every `event`/`reset` of a room goes once over the channel, to the links holding it.
 * - A command goes with its id; the answer goes back to its link, and the journal entry
 *   is deleted on an `ack`. Commands in the journal whose tab is gone (its lock released)
 *   are sent from here, joining their room first when they have one.
 * - When the real connection drops, every link is closed: the tabs reconnect (to this
 *   leader once it is welcomed again), re-join from their positions and re-send their
 *   outboxes with the same ids, as they would over their own sockets.
 * @internal
 */
export class Hub {
  readonly id = shortId();
  readonly client: SinyalClient;
  readonly #config: HubConfig;
  readonly #links = new Map<string, Link>();
  /** Links that asked to open while the real connection was not welcomed. */
  readonly #waiting = new Map<string, string>();
  /** Who holds each room the real connection is in: link ids and `o:<command id>`. */
  readonly #rooms = new Map<string, Set<string>>();
  readonly #positions = new Map<string, { epoch: string; seq: number }>();
  readonly #joins = new Map<string, PendingJoin>();
  /** Per room, whose join was answered last (a link, or `*` for the leader's own): a `reset` that follows is theirs. */
  readonly #resetTo = new Map<string, string>();
  readonly #commands = new Map<string, Owner>();
  readonly #watched = new Set<string>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #stopWatching = new AbortController();
  #socket: WebSocketLike | undefined;
  #welcome: WelcomeFrame | undefined;
  #joinCounter = 0;
  /** What each tab last said of its activity, and what the connection last told the server. */
  readonly #idle = new Map<string, boolean>();
  #reportedIdle = false;
  #isUp = false;
  #stopped = false;

  constructor(options: ClientOptions, config: HubConfig) {
    this.#config = config;
    const Real = options.transports ?? options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    // Its own outbox stays empty and in memory: the tabs' commands pass through, by frame.
    const real: ClientOptions = { ...options, transports: undefined, outbox: { ...options.outbox, storage: memoryStorage() }, autoConnect: true };
    if (Real) real.WebSocket = this.#tapped(Real);
    this.client = new SinyalClient(real);
    this.client.subscribe(() => {
      const up = this.client.state === 'open' && this.#welcome !== undefined;
      if (up && !this.#isUp) this.#up();
      else if (!up && this.#isUp) this.#down(1006, this.client.state);
      // Gave up (e.g. the token refused twice): the waiting tabs' handshakes fail, so each asks
      // the server why (the client's status probe) and ends in `failed` with its answer.
      if (this.client.state === 'failed') this.#refuseWaiting(1006, 'connection failed');
    });
  }

  /** Whether the real connection is welcomed (links may open). */
  get ready(): boolean {
    return this.#isUp;
  }

  /** Stop leading: close the real connection and every link. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopWatching.abort();
    this.client.close();
    this.#down(1001, 'leader stopped');
    this.#refuseWaiting(1001, 'leader stopped');
  }

  #refuseWaiting(code: number, reason: string): void {
    for (const conn of this.#waiting.keys()) this.#post({ k: 'closed', conn, code, reason });
    this.#waiting.clear();
  }

  /** A message from a tab. */
  receive(message: TabMessage): void {
    if (this.#stopped) return;
    switch (message.k) {
      case 'open':
        this.#watch(message.tab);
        if (this.ready) this.#open(message.conn, message.tab);
        else {
          this.#waiting.set(message.conn, message.tab);
          // A client that gave up (token refused twice, attempts exhausted) is tried again when a tab asks.
          if (this.client.state === 'failed') this.client.connect();
        }
        return;
      case 'close':
        this.#waiting.delete(message.conn);
        this.#closeLink(message.conn);
        return;
      case 'send':
        this.#fromTab(message.conn, message.text);
        return;
    }
  }

  // ── the real connection ──────────────────────────────────────────────────────

  /** The WebSocket class for the real client: the browser's, with every inbound frame seen here first. */
  #tapped(Real: WebSocketConstructor): WebSocketConstructor {
    const hub = this;
    return class implements WebSocketLike {
      onopen: ((event: unknown) => void) | null = null;
      onmessage: ((event: { data: unknown }) => void) | null = null;
      onclose: ((event: unknown) => void) | null = null;
      onerror: ((event: unknown) => void) | null = null;
      readonly #inner: WebSocketLike;
      constructor(url: string, protocols?: string | string[]) {
        const inner = (this.#inner = new Real(url, protocols));
        hub.#socket = this;
        inner.onopen = (event: unknown) => this.onopen?.(event);
        inner.onerror = (event: unknown) => this.onerror?.(event);
        inner.onclose = (event: { code?: number; reason?: string }) => {
          if (hub.#socket === this) hub.#down(event.code ?? 1006, event.reason ?? '');
          this.onclose?.(event);
        };
        inner.onmessage = (event: { data: unknown }) => {
          try {
            if (hub.#socket === this) hub.#fromServer(String(event.data));
          } catch (error) {
            (hub.client.options.onError ?? console.error)(error); // never into the socket loop; the client still gets the frame
          }
          this.onmessage?.(event);
        };
      }
      get readyState(): number {
        return this.#inner.readyState;
      }
      send(text: string): void {
        this.#inner.send(text);
      }
      close(code?: number, reason?: string): void {
        if (hub.#socket === this) hub.#down(code ?? 1000, reason ?? '');
        this.#inner.close(code, reason);
      }
    };
  }

  #write(frame: object | string): void {
    const socket = this.#socket;
    if (socket?.readyState === 1) socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  #post(message: TabMessage): void {
    if (!this.#stopped || message.k === 'closed') this.#config.channel.postMessage(message);
  }

  /** Welcomed: let the waiting links in, tell every tab, send the commands of closed tabs. */
  #up(): void {
    this.#isUp = true;
    for (const [conn, tab] of this.#waiting) this.#open(conn, tab);
    this.#waiting.clear();
    this.#post({ k: 'hub', hub: this.id });
    void this.#adoptOrphans();
  }

  /** The real connection is gone: so is every membership and every link on it. */
  #down(code: number, reason: string): void {
    this.#isUp = false;
    this.#socket = undefined;
    this.#welcome = undefined;
    for (const conn of this.#links.keys()) this.#post({ k: 'closed', conn, code, reason });
    this.#links.clear();
    this.#rooms.clear();
    this.#positions.clear();
    this.#joins.clear();
    this.#resetTo.clear();
    this.#commands.clear();
    this.#idle.clear();
    this.#reportedIdle = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #fromServer(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return; // the client reports it
    }
    switch (frame.t) {
      case 'welcome':
        this.#welcome = frame;
        return;
      case 'event':
      case 'reset': {
        if (frame.epoch !== undefined && frame.seq !== undefined) {
          const position = this.#positions.get(frame.room);
          if (frame.t === 'reset' || position?.epoch !== frame.epoch || frame.seq > position.seq) this.#positions.set(frame.room, { epoch: frame.epoch, seq: frame.seq });
        }
        // A reset answers the join just answered (the server sends it right after `joined`):
        // it goes to that join's tab alone; the others' positions were never in question.
        const joiner = frame.t === 'reset' ? this.#resetTo.get(frame.room) : undefined;
        if (frame.t === 'reset') this.#resetTo.delete(frame.room);
        const holders = joiner !== undefined && joiner !== '*' ? [joiner] : [...(this.#rooms.get(frame.room) ?? [])];
        const to = holders.filter((holder) => this.#links.has(holder));
        if (to.length) this.#post({ k: 'recv', to, text });
        return;
      }
      case 'joined': {
        const join = this.#joins.get(frame.id);
        if (!join) return;
        this.#joins.delete(frame.id);
        if (!frame.resumed && !this.#positions.has(frame.room)) this.#positions.set(frame.room, { epoch: frame.epoch, seq: frame.seq });
        this.#resetTo.set(frame.room, join.link?.conn ?? '*');
        if (join.link) this.#toLink(join.link.conn, { ...frame, id: join.link.id });
        if (join.orphan) this.#sendOrphan(join.orphan);
        return;
      }
      case 'nack': {
        const join = this.#joins.get(frame.id);
        if (join) {
          this.#joins.delete(frame.id);
          return this.#joinRefused(join, frame);
        }
        if (!this.#commands.has(frame.id)) return;
        const owner = this.#commands.get(frame.id);
        this.#commands.delete(frame.id);
        if (owner !== undefined) this.#toLink(owner, frame);
        else this.#orphanRefused(frame.id, new SinyalError(frame.code, frame.msg, frame.retryAfterMs));
        return;
      }
      case 'ack': {
        if (!this.#commands.has(frame.id)) return;
        const owner = this.#commands.get(frame.id);
        this.#commands.delete(frame.id);
        this.#config.journal.delete(frame.id);
        if (owner !== undefined) this.#toLink(owner, frame);
        else this.#orphanDone(frame.id);
        return;
      }
      case 'left': {
        // The server removed us (e.g. access revoked): every tab holding the room is told.
        const holders = this.#rooms.get(frame.room);
        this.#rooms.delete(frame.room);
        this.#positions.delete(frame.room);
        const to = [...(holders ?? [])].filter((holder) => this.#links.has(holder));
        if (to.length) this.#post({ k: 'recv', to, text });
        for (const holder of holders ?? []) if (holder.startsWith('o:')) this.#orphanRefused(holder.slice(2), new SinyalError(frame.code, frame.msg));
        return;
      }
      default:
        return; // pong, error: the client handles them
    }
  }

  /**
   * A join was refused. Its tab is told. Any refusal but a rate limit (even of a re-join)
   * took the connection out of the room: the other tabs in it are put back in from the last
   * position seen, so they lose nothing; if that fails for good, they are told they left.
   */
  #joinRefused(join: PendingJoin, frame: Extract<ServerFrame, { t: 'nack' }>): void {
    const { room } = join;
    if (join.link) this.#toLink(join.link.conn, { ...frame, id: join.link.id });
    if (join.orphan) this.#orphanRefused(join.orphan, new SinyalError(frame.code, frame.msg, frame.retryAfterMs));
    // A join over the rate limit is refused before anything else: the membership stays.
    if (frame.code === 'rate_limited') return;
    const others = [...(this.#rooms.get(room) ?? [])].filter((holder) => holder !== join.link?.conn && this.#links.has(holder));
    if (!others.length) return;
    if (join.link || RETRYABLE_ERROR_CODES.includes(frame.code)) {
      const again = () => this.#join(room, { room });
      if (frame.retryAfterMs === undefined) again();
      else this.#later(again, frame.retryAfterMs);
      return;
    }
    for (const holder of others) this.#rooms.get(room)?.delete(holder);
    this.#post({ k: 'recv', to: others, text: JSON.stringify({ t: 'left', room, code: frame.code, msg: frame.msg }) });
  }

  /** Sends a join of the leader's own, from the last position seen in the room. */
  #join(room: string, join: PendingJoin): void {
    if (!this.#rooms.get(room)?.size) return;
    const id = `h~${++this.#joinCounter}`;
    this.#joins.set(id, join);
    this.#write({ t: 'join', id, room, from: this.#positions.get(room) });
  }

  #later(run: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  // ── the links ────────────────────────────────────────────────────────────────

  #open(conn: string, tab: string): void {
    this.#links.set(conn, { tab, rooms: new Set() });
    this.#post({ k: 'opened', conn, hub: this.id });
  }

  #toLink(conn: string, frame: object): void {
    if (this.#links.has(conn)) this.#post({ k: 'recv', to: [conn], text: JSON.stringify(frame) });
  }

  #fromTab(conn: string, text: string): void {
    const link = this.#links.get(conn);
    if (!link) {
      // A socket this leader never accepted (or forgot when its connection dropped).
      this.#post({ k: 'closed', conn, code: 1006, reason: 'not connected' });
      return;
    }
    let frame: { t?: unknown; id?: unknown; room?: unknown; ts?: unknown; from?: unknown; params?: unknown };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return;
    }
    const room = typeof frame.room === 'string' ? frame.room : undefined;
    switch (frame.t) {
      case 'hello':
        this.#toLink(conn, { ...this.#welcome, now: this.client.clock.now() });
        return;
      case 'ping':
        this.#toLink(conn, { t: 'pong', ts: frame.ts, now: this.client.clock.now() });
        return;
      case 'join':
        if (!room || typeof frame.id !== 'string') return;
        link.rooms.add(room);
        this.#hold(room, conn);
        this.#joins.set(`${conn}~${frame.id}`, { room, link: { conn, id: frame.id } });
        this.#write({ ...frame, id: `${conn}~${frame.id}` });
        return;
      case 'leave':
        if (!room) return;
        link.rooms.delete(room);
        this.#release(room, conn);
        return;
      case 'cmd':
        if (typeof frame.id !== 'string') return;
        if ((frame as { name?: unknown }).name === ACTIVITY && !this.#activity(conn, frame.id, (frame as { data?: { idle?: unknown } }).data?.idle)) return;
        this.#commands.set(frame.id, conn);
        this.#config.journal.markSent(frame.id);
        this.#write(text);
        return;
    }
  }

  /**
   * `presence:set_activity` speaks for the connection, which is every tab's: it is idle only
   * when every tab is. A tab's report goes to the server only when it changes that; otherwise
   * it is answered here. Returns whether the frame goes on.
   */
  #activity(conn: string, id: string | undefined, idle: unknown): boolean {
    if (typeof idle === 'boolean') this.#idle.set(conn, idle);
    else this.#idle.delete(conn);
    const all = [...this.#links.keys()].every((link) => this.#idle.get(link) === true);
    if (all === this.#reportedIdle) {
      if (id !== undefined) this.#toLink(conn, { t: 'ack', id });
      return false;
    }
    this.#reportedIdle = all;
    // A tab's own report carries the new state; a closed tab's change gets one of ours (answer unused).
    if (id === undefined) this.#write({ t: 'cmd', id: `h~a${++this.#joinCounter}`, name: ACTIVITY, data: { idle: all } });
    return true;
  }

  #closeLink(conn: string): void {
    const link = this.#links.get(conn);
    if (!link) return;
    this.#links.delete(conn);
    if (this.#idle.has(conn) || this.#reportedIdle) this.#activity(conn, undefined, undefined);
    for (const room of link.rooms) this.#release(room, conn);
    // Its commands in flight are nobody's now; their tab re-sends them on its next link,
    // or, if the tab is gone, the journal has them.
    for (const [id, owner] of this.#commands) if (owner === conn) this.#commands.set(id, undefined);
  }

  #hold(room: string, holder: string): void {
    let holders = this.#rooms.get(room);
    if (!holders) this.#rooms.set(room, (holders = new Set()));
    holders.add(holder);
  }

  #release(room: string, holder: string): void {
    const holders = this.#rooms.get(room);
    if (!holders?.delete(holder) || holders.size) return;
    this.#rooms.delete(room);
    this.#positions.delete(room);
    this.#resetTo.delete(room);
    this.#write({ t: 'leave', room });
  }

  // ── tabs that went away, and their commands ─────────────────────────────────

  /** Learns when `tab` goes: its lock is granted to us only once the browser released it. */
  #watch(tab: string): void {
    if (this.#watched.has(tab)) return;
    this.#watched.add(tab);
    this.#config.locks
      .request(this.#config.tabLock(tab), { signal: this.#stopWatching.signal }, () => this.#tabGone(tab))
      .catch(() => {}); // aborted: this leader stopped
  }

  #tabGone(tab: string): void {
    if (this.#stopped) return;
    for (const [conn, link] of [...this.#links]) if (link.tab === tab) this.#closeLink(conn);
    for (const [conn, waiting] of [...this.#waiting]) if (waiting === tab) this.#waiting.delete(conn);
    if (this.ready) void this.#adoptOrphans();
  }

  /**
   * Sends the journal's commands whose tab is gone (its lock is free), with their ids: the
   * server runs an id once, so a command that had gone out before is answered, not re-run.
   */
  async #adoptOrphans(): Promise<void> {
    let held: Set<string | undefined>;
    try {
      held = new Set(((await this.#config.locks.query()).held ?? []).map((lock) => lock.name));
    } catch {
      return;
    }
    if (!this.ready) return;
    for (const entry of this.#config.journal.entries()) {
      if (held.has(this.#config.tabLock(entry.tab))) {
        this.#watch(entry.tab); // alive: it sends its own; if it goes, they are ours
        continue;
      }
      if (this.#commands.has(entry.id)) continue; // on the wire already: its answer clears the journal
      this.#adopt(entry);
    }
  }

  #adopt(entry: JournalEntry): void {
    if (!entry.sent && entry.createdAt + this.#config.ttlMs <= Date.now()) {
      this.#config.journal.delete(entry.id); // never sent and too old to be recognised by the server
      return;
    }
    this.#commands.set(entry.id, undefined);
    if (entry.room === undefined) return this.#sendOrphan(entry.id);
    // A room's commands are accepted from its members only.
    this.#hold(entry.room, `o:${entry.id}`);
    this.#join(entry.room, { room: entry.room, orphan: entry.id });
  }

  #sendOrphan(id: string): void {
    const entry = this.#config.journal.get(id);
    if (!entry) return this.#orphanDone(id);
    this.#config.journal.markSent(id);
    this.#write({ t: 'cmd', id, name: entry.name, room: entry.room, data: entry.data });
  }

  /** An orphan's refusal: transient ones are tried again, anything else ends it. */
  #orphanRefused(id: string, error: SinyalError): void {
    const transient = error.code === 'unavailable' || error.code === 'rate_limited' || error.retryAfterMs !== undefined;
    if (!transient) {
      this.#config.journal.delete(id);
      return this.#orphanDone(id);
    }
    this.#commands.delete(id);
    this.#later(() => {
      const entry = this.#config.journal.get(id);
      if (entry && !this.#commands.has(id)) {
        this.#orphanDone(id);
        this.#adopt(entry);
      }
    }, error.retryAfterMs ?? 1000);
  }

  #orphanDone(id: string): void {
    this.#commands.delete(id);
    for (const room of [...this.#rooms.keys()]) this.#release(room, `o:${id}`);
  }
}
