import {
  PropertyEventBodySchema,
  PropertyIdSchema,
  PropertyRegisterBodySchema,
  type PropertyChange,
  type PropertyEventBody,
  type PropertyRegisterBody,
  type PropertyState,
  type PropertyStatus,
} from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { SinyalServer } from '../../api/server';
import { KeyedQueue } from '../../store/keyedQueue';
import type { PropertyUpdateHook } from './options';
import { priceChange } from './priceChange';
import type { PropertyStore } from './store';
import { transitionError, type StatusTransitions } from './transitions';

/** What {@link PropertyUpdates} needs. */
export interface PropertyUpdatesDeps {
  store: PropertyStore;
  /**
   * The store appends each update's event to the property's room in its compare-and-set
   * (see `PropertyStore.appendsRoomEvents`): the room event is not published again here.
   */
  storeAppendsRoomEvents?: boolean;
  transitions: StatusTransitions;
  defaultCurrency: string;
  keepPriceHistory: number;
  keepPhotos: number;
  deliverToWatchers: boolean;
  onUpdate: PropertyUpdateHook | undefined;
  onError: (error: unknown, context: { propertyId: string; stage: 'watcher' | 'onUpdate' }) => void;
  now: () => number;
  /** The running server, once the feature has started. */
  server: () => SinyalServer | undefined;
}

/** Attempts of the read–compute–compare-and-set loop before giving up with `unavailable`. */
const MAX_ATTEMPTS = 5;

/** Room of a property. */
export const propertyRoom = (propertyId: string) => `property:${propertyId}`;

/** Splits a change into the event name and payload published for it. */
export function eventOf(change: PropertyChange): { event: string; payload: Omit<PropertyChange, 'type'> } {
  const { type, ...payload } = change;
  return { event: `property:${type}`, payload };
}

function parseId(propertyId: unknown): string {
  const parsed = PropertyIdSchema.safeParse(propertyId);
  if (!parsed.success) throw new SinyalServerError('bad_request', parsed.error.issues[0]?.message ?? 'invalid property id');
  return parsed.data;
}

/** The join state of a property nobody registered. */
function unknownProperty(id: string): PropertyState {
  return { id, status: null, price: null, currency: null, lastChange: null, priceHistory: [], photos: [], openHouse: null, featured: false, featuredUntil: null, version: 0 };
}

/**
 * The rules of property updates: validates an update against the stored state
 * (allowed status moves, price computed from the stored old price), writes the new
 * state, publishes the event into `property:<id>`, copies it into every watcher's feed
 * and calls the `onUpdate` hook. Updates of one property run one at a time on a node
 * and are compare-and-set in the store, so concurrent updates (even from several
 * nodes) never lose one another. The room's event order follows the version order on one
 * node — and across nodes when the store appends the event in its compare-and-set
 * (`PropertyStore.appendsRoomEvents`).
 */
export class PropertyUpdates {
  readonly #queue = new KeyedQueue();

  constructor(private readonly deps: PropertyUpdatesDeps) {}

  /** The state sent with `joined` (featured recomputed against the clock). */
  async snapshot(propertyId: string): Promise<PropertyState> {
    const state = await this.deps.store.get(propertyId);
    if (!state) return unknownProperty(propertyId);
    const featured = state.featured && (state.featuredUntil === null || state.featuredUntil > this.deps.now());
    return featured === state.featured ? state : { ...state, featured };
  }

  /** Registers a property (or overwrites its status, price and currency) without publishing anything. */
  async register(propertyId: unknown, input: PropertyRegisterBody): Promise<PropertyState> {
    const id = parseId(propertyId);
    const parsed = PropertyRegisterBodySchema.safeParse(input);
    if (!parsed.success) throw new SinyalServerError('bad_request', parsed.error.issues[0]?.message ?? 'invalid property');
    const { status, price, currency } = parsed.data;
    return this.#queue.run(id, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = (await this.deps.store.get(id)) ?? unknownProperty(id);
        const next: PropertyState = {
          ...current,
          status,
          price,
          currency: currency ?? current.currency ?? this.deps.defaultCurrency,
          priceHistory: current.price === price ? current.priceHistory : this.#keep([...current.priceHistory, { price, at: this.deps.now() }], this.deps.keepPriceHistory),
          version: current.version + 1,
        };
        if (await this.deps.store.compareAndSet(id, current.version, next)) return next;
      }
      throw new SinyalServerError('unavailable', `property ${id} is being updated concurrently, retry`);
    });
  }

  /**
   * Applies one update (the body of `POST /api/properties/:id/events`) and publishes it.
   * Throws `bad_request` for invalid input, `not_found` for an unregistered property,
   * `conflict` when the update does not fit the current state (a refused status move,
   * an unchanged price, photos already added).
   */
  async apply(propertyId: unknown, input: PropertyEventBody): Promise<PropertyChange> {
    const id = parseId(propertyId);
    const parsed = PropertyEventBodySchema.safeParse(input);
    if (!parsed.success) throw new SinyalServerError('bad_request', parsed.error.issues[0]?.message ?? 'invalid update');
    const body = parsed.data;
    const server = this.deps.server();
    if (!server) throw new SinyalServerError('unavailable', 'the property feature has not started: pass it to createServer({ features })');
    return this.#queue.run(id, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await this.deps.store.get(id);
        if (!current || current.status === null || current.price === null) throw new SinyalServerError('not_found', `property ${id} is not registered`);
        const { next, change } = this.#compute(current, current.status, current.price, body);
        if (!(await this.deps.store.compareAndSet(id, current.version, next, change))) continue;
        await this.#announce(server, id, change);
        return change;
      }
      throw new SinyalServerError('unavailable', `property ${id} is being updated concurrently, retry`);
    });
  }

  #compute(current: PropertyState, status: PropertyStatus, price: number, body: PropertyEventBody): { next: PropertyState; change: PropertyChange } {
    const at = this.deps.now();
    const base = { propertyId: current.id, at, version: current.version + 1 };
    let change: PropertyChange;
    let next: PropertyState;
    switch (body.type) {
      case 'status_changed': {
        const refused = transitionError(this.deps.transitions, status, body.to);
        if (refused) throw new SinyalServerError('conflict', refused);
        change = { type: 'status_changed', ...base, from: status, to: body.to };
        next = { ...current, status: body.to };
        break;
      }
      case 'price_updated': {
        if (body.newPrice === price) throw new SinyalServerError('conflict', `price is already ${body.newPrice}`);
        const currency = current.currency ?? this.deps.defaultCurrency;
        change = { type: 'price_updated', ...base, oldPrice: price, newPrice: body.newPrice, currency, ...priceChange(price, body.newPrice) };
        next = {
          ...current,
          price: body.newPrice,
          priceHistory: this.#keep([...current.priceHistory, { price: body.newPrice, at }], this.deps.keepPriceHistory),
        };
        break;
      }
      case 'new_photos_added': {
        const known = new Set(current.photos.map((photo) => photo.url));
        const photos = body.photos.filter((photo) => !known.has(photo.url) && known.add(photo.url));
        if (photos.length === 0) throw new SinyalServerError('conflict', 'every photo was already added');
        change = { type: 'new_photos_added', ...base, photos, count: photos.length };
        next = { ...current, photos: this.#keep([...current.photos, ...photos], this.deps.keepPhotos) };
        break;
      }
      case 'open_house_scheduled': {
        if (body.endsAt <= body.startsAt) throw new SinyalServerError('bad_request', 'endsAt must be after startsAt');
        if (body.endsAt <= at) throw new SinyalServerError('bad_request', 'the open house is already over');
        const openHouse = { startsAt: body.startsAt, endsAt: body.endsAt, ...(body.note === undefined ? {} : { note: body.note }) };
        change = { type: 'open_house_scheduled', ...base, ...openHouse };
        next = { ...current, openHouse };
        break;
      }
      case 'property_featured': {
        if (body.until !== undefined && body.until <= at) throw new SinyalServerError('bad_request', 'until must be in the future');
        change = { type: 'property_featured', ...base, ...(body.until === undefined ? {} : { until: body.until }) };
        next = { ...current, featured: true, featuredUntil: body.until ?? null };
        break;
      }
    }
    return { next: { ...next, lastChange: change, version: base.version }, change };
  }

  #keep<T>(items: T[], max: number): T[] {
    return items.length > max ? items.slice(items.length - max) : items;
  }

  /**
   * Publishes the change into the property's room (unless the store appended it with the
   * write), then into each watcher's feed, then calls the hook.
   */
  async #announce(server: SinyalServer, id: string, change: PropertyChange): Promise<void> {
    const { event, payload } = eventOf(change);
    if (!this.deps.storeAppendsRoomEvents) await server.publish(propertyRoom(id), event, payload);
    if (!this.deps.deliverToWatchers && !this.deps.onUpdate) return;
    const watchers = await this.deps.store.watchers(id);
    if (this.deps.deliverToWatchers) {
      for (const userId of watchers) {
        try {
          await server.publishToUser(userId, event, payload);
        } catch (error) {
          this.deps.onError(error, { propertyId: id, stage: 'watcher' });
        }
      }
    }
    try {
      await this.deps.onUpdate?.(change, watchers);
    } catch (error) {
      this.deps.onError(error, { propertyId: id, stage: 'onUpdate' });
    }
  }
}
