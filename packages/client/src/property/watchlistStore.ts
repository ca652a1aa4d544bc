import type { PropertyChange, PropertyCommands, PropertyEvents } from '@sinyal/protocol';
import type { SinyalClient } from '../client';
import type { SinyalError } from '../errors';
import type { PendingCommand } from '../outbox';
import { fetchJson } from '../rest';
import { Subscribable } from '../subscribable';
import { onUserFeed } from '../userFeed';
import { cachedStore } from '../storeCache';

/** The signed-in user's watch list (wishlist) and what recently happened to those properties. */
export interface WatchlistSnapshot {
  /** The watch list has been loaded. */
  ready: boolean;
  /** The last load failure, if the last load failed. */
  error: SinyalError | undefined;
  /** Watched property ids, in the order they were added. */
  watched: string[];
  /** Updates of watched properties received through the user's feed, newest first (also while their pages are closed). */
  updates: PropertyChange[];
}

const UPDATE_EVENTS = ['property:status_changed', 'property:price_updated', 'property:new_photos_added', 'property:open_house_scheduled', 'property:property_featured'] as const;
const MAX_UPDATES = 50;

type WatchClient = SinyalClient<PropertyEvents, PropertyCommands>;

/**
 * The user's watch list, kept in sync across tabs through their feed
 * (`property:watchlist_changed`), loaded from `GET /api/watchlist` on every fresh join
 * of the feed, plus the updates of watched properties delivered into the feed.
 * Get it with {@link watchlistStore}.
 */
export class WatchlistStore extends Subscribable {
  readonly #client: WatchClient;
  #snapshot: WatchlistSnapshot = { ready: false, error: undefined, watched: [], updates: [] };
  /** Feed `watchlist_changed` events seen, to tell a stale command answer from a fresh list. */
  #feedChanges = 0;
  #detach: (() => void) | undefined;
  /** Bumped by every load and every watch-list event: a load answered after a newer change is ignored. */
  #generation = 0;

  constructor(client: SinyalClient<object, object>) {
    super();
    this.#client = client as unknown as WatchClient;
  }

  getSnapshot(): WatchlistSnapshot {
    return this.#snapshot;
  }

  /** Whether the property is on the watch list. */
  isWatched(propertyId: string): boolean {
    return this.#snapshot.watched.includes(propertyId);
  }

  /** Adds a property (shown at once; undone if the server refuses). */
  watch(propertyId: string): PendingCommand<{ watched: string[] }> {
    if (!this.isWatched(propertyId)) this.#setWatched([...this.#snapshot.watched, propertyId]);
    return this.#send('property:watch', propertyId);
  }

  /** Removes a property (shown at once; undone if the server refuses). */
  unwatch(propertyId: string): PendingCommand<{ watched: string[] }> {
    if (this.isWatched(propertyId)) this.#setWatched(this.#snapshot.watched.filter((id) => id !== propertyId));
    return this.#send('property:unwatch', propertyId);
  }

  #send(name: 'property:watch' | 'property:unwatch', propertyId: string): PendingCommand<{ watched: string[] }> {
    const command = this.#client.command(name, { propertyId });
    const changesSeen = this.#feedChanges;
    command.done.then(
      // The feed's watchlist_changed is newer if it came after this command was sent.
      ({ watched }) => changesSeen === this.#feedChanges && this.#setWatched(watched),
      () => void this.#load(), // refused: show the server's list again
    );
    return command;
  }

  protected override onSubscribe(): void {
    if (this.listeners.size !== 1 || this.#detach) return;
    this.#detach = onUserFeed(this.#client, (feed) => {
      const offJoined = feed.onJoined(({ resumed }) => void (resumed || this.#load()));
      const offReset = feed.onReset(() => void this.#load());
      const offChanged = feed.on('property:watchlist_changed', ({ watched }) => {
        this.#feedChanges++;
        this.#setWatched(watched);
      });
      const offUpdates = UPDATE_EVENTS.map((event) =>
        feed.on(event, (payload) => {
          const update = { type: event.slice('property:'.length), ...payload } as PropertyChange;
          this.#set({ updates: [update, ...this.#snapshot.updates].slice(0, MAX_UPDATES) });
        }),
      );
      // Another store may have joined the feed already: no join answer will come.
      if (feed.getSnapshot().status === 'joined') void this.#load();
      return () => {
        offJoined();
        offReset();
        offChanged();
        for (const off of offUpdates) off();
      };
    });
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size > 0) return;
    this.#detach?.();
    this.#detach = undefined;
  }

  async #load(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const { watched } = await fetchJson<{ watched: string[] }>(this.#client.options, '/api/watchlist');
      if (generation === this.#generation) this.#set({ watched, ready: true, error: undefined });
    } catch (error) {
      if (generation === this.#generation) this.#set({ error: error as SinyalError });
    }
  }

  #setWatched(watched: string[]): void {
    this.#generation++;
    this.#set({ watched, ready: true });
  }

  #set(patch: Partial<WatchlistSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.notify();
  }
}

const stores = new WeakMap<object, Map<string, WatchlistStore>>();

/**
 * The signed-in user's watch list, one shared store per client.
 *
 * @example
 * ```ts
 * const wishlist = watchlistStore(client);
 * wishlist.subscribe(() => renderHeart(wishlist.getSnapshot().watched.includes('p-42')));
 * wishlist.watch('p-42');
 * ```
 */
export function watchlistStore(client: SinyalClient<object, object>): WatchlistStore {
  return cachedStore(stores, client, '', () => new WatchlistStore(client));
}
