import type { EventFrame } from '@sinyal/protocol';
import { durableEventFrame } from './roomRegistry';
import type { NewEvent, Store, StoredEvent } from './store/types';

/**
 * An order for every node about one user's connections: `revoke` removes them from a
 * room (they get `left`), `disconnect` closes them. See `server.revoke` / `disconnectUser`.
 */
export type ControlMessage =
  | { t: 'revoke'; room: string; user: string; reason: string }
  | { t: 'disconnect'; user: string; code: number; reason: string };

/** Where a fan-out delivers: this node's room registry, plus a signal that delivery broke. */
export interface FanoutListener {
  /** A {@link ControlMessage} reached this node (also the one that sent it). */
  control(message: ControlMessage): void;
  /** An event for `room` reached this node: send it to the room's local members. */
  deliver(room: string, frame: EventFrame, exceptUser?: string): void;
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
  /** Releases the fan-out's own connections (not the store's). */
  close(): Promise<void>;
}

/**
 * The single-node fan-out (today's behaviour, the default with `MemoryStore`): append to
 * the store, then hand the event to the local registry with no await in between, so
 * delivery order is append order.
 */
export class LocalFanout implements Fanout {
  private listener: FanoutListener | undefined;

  constructor(private readonly store: Store) {}

  start(listener: FanoutListener): void {
    this.listener = listener;
  }

  async publishDurable(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent> {
    const stored = await this.store.append(room, event, maxHistory);
    this.listener?.deliver(room, durableEventFrame(room, stored));
    return stored;
  }

  async publishVolatile(room: string, frame: EventFrame, exceptUser?: string): Promise<void> {
    this.listener?.deliver(room, frame, exceptUser);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.listener?.control(message);
  }

  async subscribe(): Promise<void> {}

  unsubscribe(): void {}

  health(): FanoutHealth {
    return { ok: true };
  }

  async close(): Promise<void> {}
}
