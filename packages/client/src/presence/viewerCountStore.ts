import type { SinyalClient } from '../client';
import type { Room } from '../room';
import { RoomBackedStore, type RoomBackedSnapshot } from '../roomBackedStore';
import { perClientCache } from './perClientCache';
import type { PresenceEvents, ViewersState } from '@sinyal/protocol';

/** What a property page shows: viewers now, saves today, viewings this week. */
export interface ViewerCountSnapshot extends RoomBackedSnapshot {
  propertyId: string;
  /** Unique users viewing the property now, this one included (0 until joined). */
  count: number;
  /** Users who saved the property to a wishlist today. */
  wishlistToday: number;
  /** Viewings scheduled this week. */
  viewingsThisWeek: number;
}

/**
 * Live social proof of one property. **Subscribing means viewing**: the first listener
 * joins `viewers:<propertyId>` (the user is counted), the last one's unsubscribe leaves
 * (the user is no longer counted). After a reconnect the room re-joins by itself and the
 * join state replaces the numbers. `getSnapshot()` keeps its identity until a value changes.
 * Get it with {@link viewerCountStore}.
 */
export class ViewerCountStore extends RoomBackedStore<ViewerCountSnapshot, PresenceEvents> {
  readonly propertyId: string;

  constructor(client: SinyalClient<object, object>, propertyId: string) {
    const room = (client as unknown as SinyalClient<PresenceEvents, object>).room(`viewers:${propertyId}`);
    super(room, { propertyId, count: 0, wishlistToday: 0, viewingsThisWeek: 0, status: 'idle', error: undefined }, client.options.onError);
    this.propertyId = propertyId;
  }

  protected attach(room: Room<PresenceEvents>): Array<() => void> {
    return [
      room.onJoined(({ state }) => {
        const joined = state as ViewersState | undefined;
        if (joined) this.patch({ count: joined.count, wishlistToday: joined.wishlistToday, viewingsThisWeek: joined.viewingsThisWeek });
      }),
      room.on('presence:viewers', ({ count }) => this.patch({ count })),
      room.on('presence:social_proof', ({ wishlistToday, viewingsThisWeek }) => this.patch({ wishlistToday, viewingsThisWeek })),
    ];
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
