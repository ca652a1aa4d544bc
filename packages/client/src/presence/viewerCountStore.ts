import type { SinyalClient } from '../client';
import type { SinyalError } from '../errors';
import type { Room, RoomStatus } from '../room';
import { Subscribable } from '../subscribable';
import { perClientCache } from './perClientCache';
import type { PresenceEvents, ViewersState } from '@sinyal/protocol';

/** What a property page shows: viewers now, saves today, viewings this week. */
export interface ViewerCountSnapshot {
  propertyId: string;
  /** Unique users viewing the property now, this one included (0 until joined). */
  count: number;
  /** Users who saved the property to a wishlist today. */
  wishlistToday: number;
  /** Viewings scheduled this week. */
  viewingsThisWeek: number;
  /** The store's room: `idle` (no subscriber) → `joining` → `joined`; `error` when refused. */
  status: RoomStatus;
  /** Why the join was refused, with `status: 'error'`. */
  error: SinyalError | undefined;
}

/**
 * Live social proof of one property. **Subscribing means viewing**: the first listener
 * joins `viewers:<propertyId>` (the user is counted), the last one's unsubscribe leaves
 * (the user is no longer counted). After a reconnect the room re-joins by itself and the
 * join state replaces the numbers. `getSnapshot()` keeps its identity until a value changes.
 * Get it with {@link viewerCountStore}.
 */
export class ViewerCountStore extends Subscribable {
  readonly propertyId: string;
  readonly #room: Room<PresenceEvents>;
  #snapshot: ViewerCountSnapshot;
  #detach: (() => void) | undefined;

  constructor(client: SinyalClient<object, object>, propertyId: string) {
    super();
    this.propertyId = propertyId;
    this.#room = (client as unknown as SinyalClient<PresenceEvents, object>).room(`viewers:${propertyId}`);
    this.report = client.options.onError ?? this.report;
    this.#snapshot = { propertyId, count: 0, wishlistToday: 0, viewingsThisWeek: 0, status: 'idle', error: undefined };
  }

  getSnapshot(): ViewerCountSnapshot {
    return this.#snapshot;
  }

  protected override onSubscribe(): void {
    if (this.listeners.size !== 1 || this.#detach) return;
    const room = this.#room;
    const alreadyJoined = room.getSnapshot().status === 'joined';
    const stops = [
      room.onJoined(({ state }) => this.#applyJoinState(state as ViewersState | undefined)),
      room.on('presence:viewers', ({ count }) => this.#patch({ count })),
      room.on('presence:social_proof', ({ wishlistToday, viewingsThisWeek }) => this.#patch({ wishlistToday, viewingsThisWeek })),
      room.subscribe(() => this.#syncRoomStatus()),
    ];
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

  #applyJoinState(state: ViewersState | undefined): void {
    if (!state) return;
    this.#patch({ count: state.count, wishlistToday: state.wishlistToday, viewingsThisWeek: state.viewingsThisWeek });
  }

  #syncRoomStatus(): void {
    const { status, error } = this.#room.getSnapshot();
    this.#patch({ status: this.#detach ? status : 'idle', error: this.#detach ? error : undefined });
  }

  #patch(patch: Partial<ViewerCountSnapshot>): void {
    const current = this.#snapshot;
    if ((Object.keys(patch) as Array<keyof ViewerCountSnapshot>).every((key) => patch[key] === current[key])) return;
    this.#snapshot = { ...current, ...patch };
    this.notify();
  }
}

/**
 * The {@link ViewerCountStore} of `propertyId` on this client: always the same instance
 * for the same property, so every component shares one join.
 *
 * @example
 * ```ts
 * const viewers = viewerCountStore(client, 'rumah-kemang-12');
 * const stop = viewers.subscribe(() => {
 *   const { count, wishlistToday, viewingsThisWeek } = viewers.getSnapshot();
 *   render(`👀 ${count} orang sedang melihat · ❤️ ${wishlistToday} hari ini · 📅 ${viewingsThisWeek} minggu ini`);
 * });
 * stop(); // left the page: no longer counted
 * ```
 */
export const viewerCountStore: <E extends object, C extends object>(client: SinyalClient<E, C>, propertyId: string) => ViewerCountStore = /* @__PURE__ */ perClientCache(
  (client, propertyId) => new ViewerCountStore(client, propertyId),
);
