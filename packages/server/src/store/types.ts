import type { ErrorCode } from '@sinyal/protocol';

/** An event as appended to a durable room, before the store assigns its position. */
export interface NewEvent {
  /** Event name, `kind:event`. */
  name: string;
  /** JSON-serialisable payload. */
  data: unknown;
  /** Server time the event was accepted (ms since epoch). */
  at: number;
}

/** An event kept in a durable room's history, with its position `(epoch, seq)`. */
export interface StoredEvent extends NewEvent {
  epoch: string;
  /** 1 for a room's first event, then +1 per event. */
  seq: number;
}

/** Position of the newest event of a room; `seq` is 0 while the room is empty. */
export interface StreamHead {
  epoch: string;
  seq: number;
}

/** The answer a command produced, remembered so a retried command id gets it again. */
export type CommandOutcome =
  | { ok: true; data?: unknown }
  | { ok: false; code: ErrorCode; msg: string; retryAfterMs?: number; transient?: boolean; details?: unknown };

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
   * them are no longer retained. `afterSeq >= head` gives an empty list.
   */
  readAfter(room: string, afterSeq: number): Promise<StoredEvent[] | 'truncated'>;
  /** The remembered outcome of a command, if it is still within its TTL. */
  getCommandResult(key: string): Promise<CommandOutcome | undefined>;
  /** Remembers a command outcome for `ttlMs`. */
  saveCommandResult(key: string, outcome: CommandOutcome, ttlMs: number): Promise<void>;
  /** Releases connections or timers; the server does not call it (the store may be shared). */
  close?(): Promise<void>;
}
