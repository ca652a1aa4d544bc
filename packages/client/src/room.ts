import type { EventFrame, EventName, JoinedFrame, ResetFrame } from '@sinyal/protocol';
import type { SinyalError } from './errors';
import type { PendingCommand } from './outbox';
import { Subscribable, type ErrorReporter } from './subscribable';
import { unref } from './timers';

/** `idle` (no subscribers) → `joining` → `joined`; `error` when refused or removed. */
export type RoomStatus = 'idle' | 'joining' | 'joined' | 'error';

/** Snapshot of a room, stable until the room's state changes. */
export interface RoomSnapshot {
  status: RoomStatus;
  /** Why the join was refused or the server removed us. */
  error: SinyalError | undefined;
}

/** Delivery details passed to event handlers next to the payload. */
export interface EventMeta {
  room: string;
  name: string;
  /** Present on durable events. */
  epoch: string | undefined;
  /** Present on durable events: position in the room's stream. */
  seq: number | undefined;
  /** Server time the event was accepted, when the server stamped it. */
  at: number | undefined;
}

/** Told to a room's `onReset` handlers: the missed events cannot be replayed, refetch state. */
export interface ResetInfo {
  epoch: string;
  seq: number;
  reason: ResetFrame['reason'];
}

/** Told to a room's `onJoined` handlers on every (re)join. */
export interface JoinedInfo {
  /** State the server attached to the join (e.g. an auction's price); `undefined` if none. */
  state: unknown;
  /** True when the join resumed from the last position (missed events follow). */
  resumed: boolean;
}

/** What a room needs from the client that owns it. @internal */
export interface RoomHost {
  sendJoin(room: Room<never>): void;
  sendLeave(room: Room<never>): void;
  publish(room: string, event: string, data: unknown, volatile: boolean): PendingCommand<unknown>;
  report: ErrorReporter;
  releaseDelayMs: number;
}

type Handler = (data: unknown, meta?: EventMeta) => void;

/** Codes for which re-joining after a reconnect cannot help. */
const FINAL_JOIN_ERRORS: readonly string[] = ['forbidden', 'not_found', 'invalid_frame', 'unauthorized'];

/**
 * A room (`kind:id`). It joins when it gets its first subscriber (an event handler,
 * a state listener or {@link Room.retain}), leaves when the last one goes, and after
 * a reconnect re-joins by itself from the last `(epoch, seq)` it delivered: the
 * server replays exactly what was missed, or sends a reset. Duplicates (by `seq`)
 * are dropped here, so handlers see each durable event once, in order.
 *
 * Get one with `client.room(name)`; the same name always returns the same object.
 *
 * @example
 * ```ts
 * const room = client.room('demo:lobby');
 * const off = room.on('demo:message', (msg, meta) => console.log(meta.seq, msg.text));
 * room.publish('demo:message', { text: 'hi' });
 * off(); // last subscriber gone → leaves the room
 * ```
 */
export class Room<Events extends object = Record<string, unknown>> extends Subscribable {
  #handlers = new Map<string, Set<Handler>>();
  #resetHandlers = new Set<(info: ResetInfo) => void>();
  #joinedHandlers = new Set<(info: JoinedInfo) => void>();
  #refs = 0;
  #releaseTimer: ReturnType<typeof setTimeout> | undefined;
  #snapshot: RoomSnapshot = { status: 'idle', error: undefined };
  /** Stream position of the last durable event delivered (kept out of the snapshot so events do not re-render). */
  #epoch: string | undefined;
  #seq = 0;
  // `declare` (here and below): no field initialiser is emitted; the core counts its bytes.
  /** @internal id of the join frame awaiting its answer */
  declare joinId: string | undefined;
  /** @internal true while a resync join is outstanding after a detected gap */
  #resyncing = false;
  /** @internal the join may carry application parameters */
  declare params: unknown;
  /** The room's name, e.g. `chat:123`. */
  declare readonly name: string;

  readonly #host: RoomHost;

  constructor(name: string, host: RoomHost) {
    super();
    this.name = name;
    this.#host = host;
    this.report = host.report;
  }

  getSnapshot(): RoomSnapshot { return this.#snapshot; }

  /** Whether the room has subscribers (and so should be joined). */
  get active(): boolean { return this.#refs > 0; }

  /**
   * Handle one event type. Returns the unsubscribe function; the first handler (or
   * listener) joins the room and the last one's removal leaves it.
   */
  on<Name extends EventName<Events>>(event: Name, handler: (data: Events[Name], meta: EventMeta) => void): () => void {
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    // One entry per subscription, so the same function subscribed twice counts twice.
    const entry: Handler = (data, meta) => handler(data as Events[Name], meta!);
    set.add(entry);
    const release = this.retain();
    return () => {
      if (set.delete(entry)) release();
    };
  }

  /**
   * Called on every join and re-join from now on, with the state the server attached
   * (stores use it to refresh their snapshot after a reconnect). Does not join by itself.
   * A handler added while the room is already joined (another subscriber joined it) is not
   * handed that earlier join's state, which may be stale by now: call {@link rejoin} for a
   * fresh join state, or fetch it, as the built-in stores do.
   */
  onJoined(handler: (info: JoinedInfo) => void): () => void {
    this.#joinedHandlers.add(handler);
    return () => void this.#joinedHandlers.delete(handler);
  }

  /** Called when the server cannot replay what was missed: refetch your snapshot. Does not join by itself. */
  onReset(handler: (info: ResetInfo) => void): () => void {
    this.#resetHandlers.add(handler);
    return () => void this.#resetHandlers.delete(handler);
  }

  /**
   * Keep the room joined without handling an event (e.g. while a component shows
   * it). Returns the release function; releasing twice is harmless.
   */
  retain(): () => void {
    this.#acquire();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release();
    };
  }

  /**
   * Publish a durable event to the room (through the outbox; the room kind must let
   * clients publish it). `volatile: true` sends a fire-and-forget event with no
   * sequence number, never replayed.
   */
  publish<Name extends EventName<Events>>(event: Name, data: Events[Name], options: { volatile?: boolean } = {}): PendingCommand<unknown> {
    return this.#host.publish(this.name, event, data, options.volatile === true);
  }

  /** Try joining again after a refusal (e.g. once the user has been granted access). */
  rejoin(): void {
    if (this.#refs > 0) this.#join();
  }

  protected override onSubscribe(): void {
    this.#acquire();
  }

  protected override onUnsubscribe(): void {
    this.#release();
  }

  #acquire(): void {
    this.#refs++;
    clearTimeout(this.#releaseTimer);
    if (this.#refs === 1 && this.#snapshot.status === 'idle') this.#join();
  }

  /** The last subscriber leaves after `roomReleaseMs`, so an unmount/mount pair does not leave and re-join. */
  #release(): void {
    if (--this.#refs > 0) return;
    if (this.#host.releaseDelayMs > 0) this.#releaseTimer = unref(setTimeout(() => this.#leaveIfUnused(), this.#host.releaseDelayMs));
    else this.#leaveIfUnused();
  }

  #join(): void {
    this.#set({ status: 'joining', error: undefined });
    this.#host.sendJoin(this as unknown as Room<never>);
  }

  #leaveIfUnused(): void {
    if (this.#refs > 0 || this.#snapshot.status === 'idle') return;
    this.#host.sendLeave(this as unknown as Room<never>);
    // A later join starts at the head: resuming is for reconnects, not for re-subscribing.
    this.joinId = undefined;
    this.#resyncing = false;
    this.#epoch = undefined;
    this.#seq = 0;
    this.#set({ status: 'idle', error: undefined });
  }

  #set(patch: Partial<RoomSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.notify();
  }

  // ── called by the client ──────────────────────────────────────────────────────

  /** The last durable event delivered (`epoch`, `seq`): where a re-join resumes from. */
  position(): { epoch: string; seq: number } | undefined {
    return this.#epoch === undefined ? undefined : { epoch: this.#epoch, seq: this.#seq };
  }

  /** @internal Should this room be re-joined on a new connection? */
  wantsJoin(): boolean {
    return this.#refs > 0 && !this.refusal();
  }

  /** @internal Why the server will not have us (a final join refusal), if it said so. */
  refusal(): SinyalError | undefined {
    const { status, error } = this.#snapshot;
    return status === 'error' && FINAL_JOIN_ERRORS.includes(error!.code) ? error : undefined;
  }

  /** @internal The connection dropped: the room is joined again on the next one. */
  disconnected(): void {
    this.#resyncing = false;
    if (this.#refs === 0) {
      // Waiting out roomReleaseMs: the server membership is gone with the socket, so finish leaving now.
      clearTimeout(this.#releaseTimer);
      this.#leaveIfUnused();
      return;
    }
    if (this.#snapshot.status === 'joined') this.#set({ status: 'joining' });
  }

  /** @internal */
  handleJoined(frame: JoinedFrame): void {
    this.#resyncing = false;
    if (!frame.resumed) {
      this.#epoch = frame.epoch;
      this.#seq = frame.seq;
    }
    const joined: JoinedInfo = { state: frame.state, resumed: frame.resumed };
    this.#set({ status: 'joined', error: undefined });
    this.#emit(this.#joinedHandlers, joined);
  }

  #emit<T>(handlers: Set<(info: T, meta?: EventMeta) => void>, info: T, meta?: EventMeta): void {
    for (const handler of [...handlers]) {
      try {
        handler(info, meta);
      } catch (error) {
        this.report(error);
      }
    }
  }

  /** @internal The server refused the join, or removed us (`left`). */
  handleJoinRefused(error: SinyalError): void {
    this.#set({ status: 'error', error });
  }

  /** @internal */
  handleReset(frame: ResetFrame): void {
    this.#epoch = frame.epoch;
    this.#seq = frame.seq;
    this.#emit(this.#resetHandlers, { epoch: frame.epoch, seq: frame.seq, reason: frame.reason });
  }

  /** @internal Deliver one event, dropping duplicates and asking for a resync on a gap. */
  handleEvent(frame: EventFrame): void {
    const { seq, epoch } = frame;
    if (seq !== undefined && epoch !== undefined) {
      if (this.#resyncing) return;
      if (this.#epoch === epoch && seq <= this.#seq) return; // duplicate
      if (this.#epoch !== epoch || seq !== this.#seq + 1) {
        // A gap (or a stream we do not know): ask the server to replay from our position.
        this.#resyncing = true;
        this.#host.sendJoin(this as unknown as Room<never>);
        return;
      }
      this.#seq = seq;
    }
    const set = this.#handlers.get(frame.name);
    if (set) this.#emit(set, frame.data, { room: this.name, name: frame.name, epoch, seq, at: frame.at });
  }
}
