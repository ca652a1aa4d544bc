import type { ErrorCode, EventFrame } from '@sinyal/protocol';

/** An event as appended to a durable room, before the store assigns its position. */
export interface NewEvent {
  /** Event name, `kind:event`. */
  name: string;
  /** JSON-serialisable payload. */
  data: unknown;
  /** Server time the event was accepted (ms since epoch). */
  at: number;
  /**
   * `data` already serialised as JSON (publishing does it once, and checks it): a store
   * copies from it, or writes it as it is, instead of serialising `data` again.
   */
  json?: string;
}

/** An event kept in a durable room's history, with its position `(epoch, seq)`. */
export interface StoredEvent extends Omit<NewEvent, 'json'> {
  epoch: string;
  /** 1 for a room's first event, then +1 per event. */
  seq: number;
}

/** Position of the newest event of a room; `seq` is 0 while the room is empty. */
export interface StreamHead {
  epoch: string;
  seq: number;
}

/** How {@link Store.readAfter} limits what it replays. */
export interface ReadAfterOptions {
  /**
   * Time window in ms (a room kind's `historyTtlMs`): when the first event after the
   * position is older than this — `now − at > maxAgeMs`, by the store's clock — the answer
   * is `'truncated'`, never the rest of the events. Events past the window may be dropped.
   * 0 or absent: no time limit.
   */
  maxAgeMs?: number;
}

/** The answer a command produced, remembered so a retried command id gets it again. */
export type CommandOutcome =
  | { ok: true; data?: unknown }
  | { ok: false; code: ErrorCode; msg: string; retryAfterMs?: number; transient?: boolean; details?: unknown };

/** What a store holds, for /metrics (`Store.stats`). */
export interface StoreStats {
  /** Rooms with retained history. */
  rooms: number;
  /** Events retained, all rooms. */
  events: number;
  /** Bytes of retained history (event JSON + bookkeeping). */
  bytes: number;
  /** The byte bound of the history. */
  maxBytes: number;
  /** Rooms whose history was dropped: idle past the idle window, or least recently used when over the byte bound. */
  evictedRooms: { idle: number; bytes: number };
}

/**
 * Answer to {@link Store.claimCommand}: this caller runs the command (`claimed`, with a
 * token to release the claim), someone else is running it (`running`), or it already
 * ran (`done`, with its outcome).
 */
export type CommandClaim =
  | { status: 'claimed'; token: string }
  | { status: 'running' }
  | { status: 'done'; outcome: CommandOutcome };

/**
 * Where the server keeps state that must outlive a connection: room history and
 * command outcomes. Everything is async so a networked store (Redis) can implement
 * it; the server never assumes a call completes synchronously.
 *
 * The epoch identifies one lifetime of the stored data: a store that lost its
 * history (fresh process, flushed Redis) must report a new epoch so clients resuming
 * from an old position receive a `reset` instead of silently missing events.
 */
export interface Store {
  /** The store's epoch, a random string fixed for the lifetime of its data. */
  epoch(): Promise<string>;
  /**
   * Appends an event to `room`, keeps at most `maxHistory` events, and returns it
   * with its position. Appends to one room are totally ordered.
   */
  append(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent>;
  /** Position of the room's newest event (`seq` 0 if none). */
  head(room: string): Promise<StreamHead>;
  /**
   * Events of `room` with `seq > afterSeq`, oldest first, or `'truncated'` when some of
   * them are no longer retained — or, with `options.maxAgeMs`, when the first of them is
   * older than that window (all or nothing: a resume never gets a partial replay).
   * `afterSeq >= head` gives an empty list.
   */
  readAfter(room: string, afterSeq: number, options?: ReadAfterOptions): Promise<StoredEvent[] | 'truncated'>;
  /**
   * Optional, with {@link Store.saveCommandResult}: the remembered outcome of a command, if it
   * is still within its TTL. A store without the two leaves command outcomes (the dedupe
   * records of retried command ids) to the server, which keeps them in its own memory,
   * bounded by `limits.outcomeBytesPerUser` / `outcomeBytesTotal` — as `MemoryStore` does.
   * A store shared by nodes, or one that outlives a restart, keeps them itself, so a retry
   * that lands on another node or after a restart still gets its first answer.
   */
  getCommandResult?(key: string): Promise<CommandOutcome | undefined>;
  /**
   * Optional, with {@link Store.getCommandResult}: remembers a command outcome for `ttlMs`.
   * `json` is the outcome's JSON when the caller has made it already (the server's outcome
   * budget does, to size it): a store that keeps JSON text may use it instead of
   * serialising the outcome again.
   */
  saveCommandResult?(key: string, outcome: CommandOutcome, ttlMs: number, json?: string): Promise<void>;
  /**
   * Optional: forgets a remembered outcome before its TTL (the server's outcome budget,
   * `limits.outcomeBytesPerUser` / `outcomeBytesTotal`, drops the oldest when over it).
   * A store that keeps outcomes but cannot forget one keeps every outcome for its whole
   * TTL, unbounded in bytes.
   */
  forgetCommandResult?(key: string): Promise<void>;
  /** Optional: sizes of what the store holds, reported in /metrics. */
  stats?(): StoreStats;
  /**
   * Optional, for stores shared by several nodes: atomically claims a command key so a
   * duplicate arriving on another node at the same moment waits instead of executing.
   * A claim expires on its own (a node that died mid-command does not block its key
   * forever); `saveCommandResult` replaces it with the outcome (so a store with it has that too).
   */
  claimCommand?(key: string): Promise<CommandClaim>;
  /** Drops a claim whose outcome is not remembered (a retryable failure), if still ours. */
  releaseCommand?(key: string, token: string): Promise<void>;
  /**
   * Optional: the fan-out a server using this store must use (a Redis store publishes in
   * the same atomic step as it appends). Called once per server; without it the server
   * uses a node-local fan-out.
   */
  createFanout?(): Fanout;
  /** Releases connections or timers; the server does not call it (the store may be shared). */
  close?(): Promise<void>;
}

/**
 * An order for every node about one user's connections: `revoke` removes them from a
 * room (they get `left`), `disconnect` closes them. See `server.revoke` / `disconnectUser`.
 * `http`, `http-close` and `http-poll` carry an HTTP transport request that reached a node
 * other than the one holding the connection `sid` (a balancer without sticky sessions): batch
 * `n` of the client's frames, its close, or a long-poll held by `node` under the id `poll`,
 * whose answer (`http-answer`) the holder sends back to that node.
 */
export type ControlMessage =
  | { t: 'revoke'; room: string; user: string; reason: string }
  | { t: 'disconnect'; user: string; code: number; reason: string }
  | { t: 'http'; sid: string; user: string; n: number; frames: string[] }
  | { t: 'http-close'; sid: string; user: string }
  | { t: 'http-poll'; sid: string; user: string; node: string; poll: string }
  | { t: 'http-answer'; node: string; poll: string; body: string };

/** Where a fan-out delivers: this node's room registry, plus a signal that delivery broke. */
export interface FanoutListener {
  /** A {@link ControlMessage} reached this node (also the one that sent it). */
  control(message: ControlMessage): void;
  /** An event for `room` reached this node: send it to the room's local members. */
  deliver(room: string, frame: EventFrame, exceptUser?: string): void;
  /**
   * A durable event for `room` reached this node already serialised as its `event` frame
   * (`text`, see `durableEventText`), at position `(epoch, seq)`: the same as
   * {@link deliver} without building and serialising the frame object again.
   */
  deliverText(room: string, text: string, epoch: string, seq: number): void;
  /**
   * The fan-out lost events it cannot replay to live members (e.g. its Redis connection
   * dropped): the server closes every connection so clients re-join and resume.
   */
  lost(): void;
}

/** Whether a node can serve: `details` is merged into the `/health` body (e.g. `{redis:'down'}`). */
export interface FanoutHealth {
  ok: boolean;
  details?: Record<string, string>;
}

/**
 * How an event published on one node reaches the members of its room on every node.
 * The server calls `subscribe` before reading a room's head for a join (so every event
 * after that head is delivered to the join's hold buffer) and `unsubscribe` when the
 * room's last local member leaves. Durable events must be delivered to every node in
 * `seq` order, which is why appending is the fan-out's job, not the caller's.
 */
export interface Fanout {
  /** Called once by the server before anything is published. */
  start(listener: FanoutListener): void;
  /** Appends a durable event to the room's history and delivers it to every node, in seq order. */
  publishDurable(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent>;
  /** Delivers a volatile event (not stored, no position) to every node. */
  publishVolatile(room: string, frame: EventFrame, exceptUser?: string): Promise<void>;
  /** Delivers a {@link ControlMessage} to every node, this one included. */
  publishControl(message: ControlMessage): Promise<void>;
  /** This node has local members of `room`: resolves once its events are being received. Idempotent. */
  subscribe(room: string): Promise<void>;
  /** The last local member of `room` left. */
  unsubscribe(room: string): void;
  health(): FanoutHealth;
  /**
   * Optional, for a fan-out across nodes: `undefined` when this node receives control messages
   * now (revokes, disconnects, forwarded HTTP transport requests), else a promise resolved once
   * it does. The server admits a connection only then: a message for a session it admitted
   * before would pass it by.
   */
  ready?(): Promise<void> | undefined;
  /** Releases the fan-out's own connections (not the store's). */
  close(): Promise<void>;
}
