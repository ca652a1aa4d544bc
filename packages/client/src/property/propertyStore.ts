import type {
  PropertyChange,
  PropertyEvents,
  PropertyOpenHouse,
  PropertyPhoto,
  PropertyPricePoint,
  PropertyState,
  PropertyStatus,
} from '@sinyal/protocol';
import type { SinyalClient } from '../client';
import type { SinyalError } from '../errors';
import { fetchJson } from '../rest';
import type { Room } from '../room';
import { Subscribable } from '../subscribable';
import { unref } from '../timers';
import { cachedStore } from '../storeCache';

/** What a property page shows; a new object whenever something changed. */
export interface PropertySnapshot {
  propertyId: string;
  /** The property's state has arrived (from the join); false while joining. */
  ready: boolean;
  /** Why the room could not be joined (e.g. an invalid id), if it could not. */
  error: SinyalError | undefined;
  /** `null` until the platform registers the property. */
  status: PropertyStatus | null;
  price: number | null;
  currency: string | null;
  /** The latest change, with its `type` (e.g. to flash "PRICE DROP!"). */
  lastChange: PropertyChange | null;
  /** Recent prices, oldest first. */
  priceHistory: PropertyPricePoint[];
  /** Photos added since listing, oldest first. */
  photos: PropertyPhoto[];
  openHouse: PropertyOpenHouse | null;
  /** Featured now; turns false by itself when `featuredUntil` passes (server time). */
  featured: boolean;
  featuredUntil: number | null;
  /** Version of the property's state; events not newer than it are already included. */
  version: number;
}

const PROPERTY_EVENTS = ['property:status_changed', 'property:price_updated', 'property:new_photos_added', 'property:open_house_scheduled', 'property:property_featured'] as const;
const MAX_PRICE_HISTORY = 50;
/** setTimeout's limit; a featured period longer than this is not timed. */
const MAX_TIMER_MS = 2_147_483_647;

/** The change an event describes, with its type (`property:price_updated` → `price_updated`). */
function changeOf(event: (typeof PROPERTY_EVENTS)[number], payload: PropertyEvents[(typeof PROPERTY_EVENTS)[number]]): PropertyChange {
  return { type: event.slice('property:'.length), ...payload } as PropertyChange;
}

/**
 * Live state of one property: joins `property:<id>` while it has subscribers, takes the
 * state from every (re)join and then applies events. Each event carries the state's
 * version, so an event already included in a snapshot (one racing the join) is skipped.
 * Get it with {@link propertyStore}.
 */
export class PropertyStore extends Subscribable {
  readonly #client: SinyalClient<object, object>;
  #snapshot: PropertySnapshot;
  #detach: (() => void) | undefined;
  #featuredTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(client: SinyalClient<object, object>, readonly propertyId: string) {
    super();
    this.#client = client;
    this.#snapshot = {
      propertyId,
      ready: false,
      error: undefined,
      status: null,
      price: null,
      currency: null,
      lastChange: null,
      priceHistory: [],
      photos: [],
      openHouse: null,
      featured: false,
      featuredUntil: null,
      version: 0,
    };
  }

  getSnapshot(): PropertySnapshot {
    return this.#snapshot;
  }

  protected override onSubscribe(): void {
    if (this.listeners.size !== 1 || this.#detach) return;
    const room = this.#client.room(`property:${this.propertyId}`) as unknown as Room<PropertyEvents>;
    const offJoined = room.onJoined(({ state }) => this.#replace(state as PropertyState | undefined));
    const offRoom = room.subscribe(() => {
      const { status, error } = room.getSnapshot();
      if (status === 'error' && error !== this.#snapshot.error) this.#set({ error });
    });
    const offEvents = PROPERTY_EVENTS.map((event) => room.on(event, (payload) => this.#apply(changeOf(event, payload))));
    // Someone else had joined the room already, so no join state will come: ask over HTTP.
    if (room.getSnapshot().status === 'joined') void this.#fetch();
    this.#detach = () => {
      offJoined();
      offRoom();
      for (const off of offEvents) off();
    };
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size > 0) return;
    this.#detach?.();
    this.#detach = undefined;
    clearTimeout(this.#featuredTimer);
    // The next subscriber re-joins and gets a fresh state.
    if (this.#snapshot.ready) this.#snapshot = { ...this.#snapshot, ready: false };
  }

  async #fetch(): Promise<void> {
    try {
      const state = await fetchJson<PropertyState>(this.#client.options, `/api/properties/${encodeURIComponent(this.propertyId)}`);
      // Events that arrived meanwhile may be newer than the answer.
      if (this.#detach && state.version >= this.#snapshot.version) this.#replace(state);
    } catch (error) {
      this.#set({ error: error as SinyalError });
    }
  }

  #replace(state: PropertyState | undefined): void {
    if (!state) return;
    const { id: _id, ...fields } = state;
    this.#set({ ...fields, ready: true, error: undefined });
  }

  #apply(change: PropertyChange): void {
    const current = this.#snapshot;
    if (change.version <= current.version) return;
    const patch: Partial<PropertySnapshot> = { lastChange: change, version: change.version };
    switch (change.type) {
      case 'status_changed':
        patch.status = change.to;
        break;
      case 'price_updated':
        patch.price = change.newPrice;
        patch.currency = change.currency;
        patch.priceHistory = [...current.priceHistory, { price: change.newPrice, at: change.at }].slice(-MAX_PRICE_HISTORY);
        break;
      case 'new_photos_added': {
        const known = new Set(current.photos.map((photo) => photo.url));
        patch.photos = [...current.photos, ...change.photos.filter((photo) => !known.has(photo.url))];
        break;
      }
      case 'open_house_scheduled':
        patch.openHouse = { startsAt: change.startsAt, endsAt: change.endsAt, ...(change.note === undefined ? {} : { note: change.note }) };
        break;
      case 'property_featured':
        patch.featured = change.until === undefined || change.until > this.#client.clock.now();
        patch.featuredUntil = change.until ?? null;
        break;
    }
    this.#set(patch);
  }

  #set(patch: Partial<PropertySnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    if ('featured' in patch || 'featuredUntil' in patch) this.#scheduleUnfeature();
    this.notify();
  }

  #scheduleUnfeature(): void {
    clearTimeout(this.#featuredTimer);
    const { featured, featuredUntil } = this.#snapshot;
    if (!featured || featuredUntil === null || !this.#detach) return;
    const delay = featuredUntil - this.#client.clock.now();
    if (delay > MAX_TIMER_MS) return;
    this.#featuredTimer = unref(setTimeout(() => this.#set({ featured: false }), Math.max(0, delay)));
  }
}

const stores = new WeakMap<object, Map<string, PropertyStore>>();

/**
 * The live state of a property, shared: every caller with the same client and id gets
 * the same store, and the room is joined once however many components subscribe.
 *
 * @example
 * ```ts
 * const property = propertyStore(client, 'p-42');
 * const stop = property.subscribe(() => {
 *   const { status, price, lastChange } = property.getSnapshot();
 *   if (lastChange?.type === 'price_updated' && lastChange.isPriceDrop) toast(`Price drop ${lastChange.percentage}%`);
 *   render(status, price);
 * });
 * ```
 */
export function propertyStore(client: SinyalClient<object, object>, propertyId: string): PropertyStore {
  return cachedStore(stores, client, propertyId, () => new PropertyStore(client, propertyId));
}
