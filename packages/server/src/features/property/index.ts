import {
  PropertyIdSchema,
  type PropertyChange,
  type PropertyOpenHouse,
  type PropertyPhoto,
  type PropertyRegisterBody,
  type PropertyState,
  type PropertyStatus,
} from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { Feature } from '../../api/feature';
import type { SinyalServer } from '../../api/server';
import { MemoryPropertyStore } from './memoryStore';
import { DEFAULT_PROPERTY_OPTIONS, DEFAULT_PROPERTY_RATE_LIMITS, type PropertyFeatureOptions } from './options';
import { PropertyUpdates, propertyRoom } from './propertyUpdates';
import { propertyRoutes } from './routes';
import { DEFAULT_TRANSITIONS } from './transitions';
import { watchlistCommands, watchlistRoute } from './watchlist';
import type { PropertyStore } from './store';
import { requireServerOnSameRedis } from '../../redis/roomEventsRedisStore';

export { DEFAULT_PROPERTY_OPTIONS, DEFAULT_PROPERTY_RATE_LIMITS, type PropertyFeatureOptions, type PropertyUpdateHook } from './options';
export { DEFAULT_TRANSITIONS, type StatusTransitions } from './transitions';
export { MemoryPropertyStore } from './memoryStore';
export { RedisPropertyStore } from './redisPropertyStore';
export type { PropertyStore, WatchOutcome } from './store';
export { priceChange, type PriceChange } from './priceChange';
export { propertyRoom } from './propertyUpdates';

/**
 * The property feature as mounted on the server, plus the functions the platform's
 * backend calls to announce updates. Each validates, updates the stored state,
 * publishes into `property:<id>`, copies the event into every watcher's feed and calls
 * `onUpdate`; each throws a `SinyalServerError` (`bad_request`, `not_found`,
 * `conflict`) when the update is refused. They work once the server has started.
 */
export interface PropertyFeature extends Feature {
  /** Registers a property (or overwrites its status, price and currency) without publishing. */
  register(propertyId: string, state: PropertyRegisterBody): Promise<PropertyState>;
  /** The state a join of `property:<id>` carries. */
  get(propertyId: string): Promise<PropertyState>;
  /** `property:status_changed`; a move the transitions do not allow is `conflict`. */
  changeStatus(propertyId: string, to: PropertyStatus): Promise<Extract<PropertyChange, { type: 'status_changed' }>>;
  /** `property:price_updated`, percentage computed from the stored price. */
  updatePrice(propertyId: string, newPrice: number): Promise<Extract<PropertyChange, { type: 'price_updated' }>>;
  /** `property:new_photos_added` (photos already added are skipped). */
  addPhotos(propertyId: string, photos: PropertyPhoto[]): Promise<Extract<PropertyChange, { type: 'new_photos_added' }>>;
  /** `property:open_house_scheduled`. */
  scheduleOpenHouse(propertyId: string, openHouse: PropertyOpenHouse): Promise<Extract<PropertyChange, { type: 'open_house_scheduled' }>>;
  /** `property:property_featured`, optionally until a time. */
  markFeatured(propertyId: string, until?: number): Promise<Extract<PropertyChange, { type: 'property_featured' }>>;
  /** Users watching the property. */
  watchers(propertyId: string): Promise<string[]>;
  /** Whether the property is registered (false for an invalid id). */
  exists(propertyId: string): Promise<boolean>;
}

/**
 * Property updates (status, price, photos, open house, featured) and watching.
 *
 * - Room kind `property`: `property:<id>`, any authenticated user may join; the join
 *   carries the property's state; durable history for resume.
 * - Commands `property:watch` / `property:unwatch`; REST `GET /api/watchlist`.
 * - REST for the platform (publisher secret): `PUT /api/properties/:id`,
 *   `POST /api/properties/:id/events`; and `GET /api/properties/:id` for users.
 *
 * @example
 * ```ts
 * const properties = propertyFeature({
 *   onUpdate: (change, watchers) => notifications.notifyMany(watchers, propertyAlertFor(change)),
 * });
 * const server = await createServer({ auth, publishSecret, features: [properties] });
 * await properties.register('p-42', { status: 'available', price: 5_500_000_000 });
 * await properties.updatePrice('p-42', 5_200_000_000); // percentage -5.5, isPriceDrop
 * ```
 */
export function propertyFeature(options: PropertyFeatureOptions = {}): PropertyFeature {
  const store: PropertyStore = options.store ?? new MemoryPropertyStore();
  const history = options.history ?? DEFAULT_PROPERTY_OPTIONS.history;
  store.appendsRoomEvents?.(history);
  let server: SinyalServer | undefined;
  const updates = new PropertyUpdates({
    store,
    storeAppendsRoomEvents: store.appendsRoomEvents !== undefined,
    transitions: options.transitions ?? DEFAULT_TRANSITIONS,
    defaultCurrency: options.defaultCurrency ?? DEFAULT_PROPERTY_OPTIONS.defaultCurrency,
    keepPriceHistory: options.keep?.priceHistory ?? DEFAULT_PROPERTY_OPTIONS.keep.priceHistory,
    keepPhotos: options.keep?.photos ?? DEFAULT_PROPERTY_OPTIONS.keep.photos,
    deliverToWatchers: options.deliverToWatchers ?? DEFAULT_PROPERTY_OPTIONS.deliverToWatchers,
    onUpdate: options.onUpdate,
    onError: options.onError ?? ((error, context) => console.error('[sinyal] property feature:', context, error)),
    now: options.now ?? Date.now,
    server: () => server,
  });
  type ChangeOf<T extends PropertyChange['type']> = Extract<PropertyChange, { type: T }>;

  return {
    name: 'property',
    rooms: {
      property: {
        history,
        authorize: ({ id }) => {
          if (!PropertyIdSchema.safeParse(id).success) throw new SinyalServerError('bad_request', `"${id}" is not a valid property id`);
          return true;
        },
        snapshot: ({ id }) => updates.snapshot(id),
      },
    },
    commands: watchlistCommands({ store, maxWatchedPerUser: options.maxWatchedPerUser ?? DEFAULT_PROPERTY_OPTIONS.maxWatchedPerUser }),
    rateLimits: DEFAULT_PROPERTY_RATE_LIMITS,
    routes: [...propertyRoutes(updates), watchlistRoute(store)],
    start(running) {
      requireServerOnSameRedis('propertyFeature', store, running);
      server = running;
    },
    stop() {
      server = undefined;
    },
    register: (propertyId, state) => updates.register(propertyId, state),
    get: async (propertyId) => {
      const id = PropertyIdSchema.safeParse(propertyId);
      if (!id.success) throw new SinyalServerError('bad_request', 'invalid property id');
      return updates.snapshot(id.data);
    },
    changeStatus: async (propertyId, to) => (await updates.apply(propertyId, { type: 'status_changed', to })) as ChangeOf<'status_changed'>,
    updatePrice: async (propertyId, newPrice) => (await updates.apply(propertyId, { type: 'price_updated', newPrice })) as ChangeOf<'price_updated'>,
    addPhotos: async (propertyId, photos) => (await updates.apply(propertyId, { type: 'new_photos_added', photos })) as ChangeOf<'new_photos_added'>,
    scheduleOpenHouse: async (propertyId, openHouse) =>
      (await updates.apply(propertyId, { type: 'open_house_scheduled', ...openHouse })) as ChangeOf<'open_house_scheduled'>,
    markFeatured: async (propertyId, until) =>
      (await updates.apply(propertyId, { type: 'property_featured', ...(until === undefined ? {} : { until }) })) as ChangeOf<'property_featured'>,
    watchers: (propertyId) => store.watchers(propertyId),
    exists: async (propertyId) => PropertyIdSchema.safeParse(propertyId).success && (await store.get(propertyId)) !== undefined,
  };
}

/** Name of the room of a property, e.g. for `server.localMembers(propertyRoomName('p-42'))`. */
export const propertyRoomName = propertyRoom;
