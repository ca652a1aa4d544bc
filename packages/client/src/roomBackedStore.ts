import type { SinyalError } from './errors';
import type { Room, RoomStatus } from './room';
import { Subscribable } from './subscribable';

/** What every room-backed snapshot carries besides its own values. */
export interface RoomBackedSnapshot {
  /** The store's room: `idle` (no subscriber) → `joining` → `joined`; `error` when refused. */
  status: RoomStatus;
  /** Why the join was refused, with `status: 'error'`. */
  error: SinyalError | undefined;
}

/**
 * A store whose values come from one room, joined while the store has subscribers: the
 * first listener attaches to the room (joining it, or asking an already joined room for a
 * fresh join state), the last one's unsubscribe detaches (leaving it when nobody else is
 * in it). The snapshot follows the room's status and keeps its identity until a value
 * changes. Subclasses say which room events change which values ({@link attach}).
 */
export abstract class RoomBackedStore<Snapshot extends RoomBackedSnapshot, Events extends object> extends Subscribable {
  readonly #room: Room<Events>;
  #snapshot: Snapshot;
  #detach: (() => void) | undefined;

  protected constructor(room: Room<Events>, initial: Snapshot, report: ((error: unknown) => void) | undefined) {
    super();
    this.#room = room;
    this.#snapshot = initial;
    if (report) this.report = report;
  }

  getSnapshot(): Snapshot {
    return this.#snapshot;
  }

  /** Subscribes to the room's join state and events; returns the functions that unsubscribe. */
  protected abstract attach(room: Room<Events>): Array<() => void>;

  protected override onSubscribe(): void {
    if (this.listeners.size !== 1 || this.#detach) return;
    const room = this.#room;
    const alreadyJoined = room.getSnapshot().status === 'joined';
    const stops = [...this.attach(room), room.subscribe(() => this.#syncRoomStatus())];
    this.#detach = () => stops.forEach((stop) => stop());
    // Someone else joined the room first: ask again so this store gets the join state.
    if (alreadyJoined) room.rejoin();
    this.#syncRoomStatus();
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size > 0) return;
    this.#detach?.();
    this.#detach = undefined;
    this.#syncRoomStatus();
  }

  /** Applies changed values; listeners are told only when one actually changed. */
  protected patch(patch: Partial<Snapshot>): void {
    const current = this.#snapshot;
    if ((Object.keys(patch) as Array<keyof Snapshot>).every((key) => patch[key] === current[key])) return;
    this.#snapshot = { ...current, ...patch };
    this.notify();
  }

  #syncRoomStatus(): void {
    const { status, error } = this.#room.getSnapshot();
    this.patch({ status: this.#detach ? status : 'idle', error: this.#detach ? error : undefined } as Partial<Snapshot>);
  }
}
