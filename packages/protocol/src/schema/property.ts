import { z } from 'zod';

/**
 * Property updates: the events of a `property:<id>` room (also copied into each
 * watcher's personal feed), the watch commands, the join state and the bodies of the
 * platform's publish endpoints.
 */

/** Lifecycle of a listing. Allowed moves are decided by the server (see the property feature). */
export const PropertyStatusSchema = z.enum(['available', 'under_offer', 'sold', 'rented']);
/** A property id: the part after `property:` in the room name. */
export const PropertyIdSchema = z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'property id must be 1-128 characters of A-Z a-z 0-9 _ . @ -');
/** A price in the currency's major unit (e.g. 5_500_000_000 IDR). */
export const PriceSchema = z.number().finite().positive().max(1e15);
/** ISO 4217 code, e.g. `IDR`. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code such as IDR');
/** Server time in ms since the epoch. */
const Timestamp = z.number().int().nonnegative();
/** Version of the property's state after this change; a store ignores events not newer than its snapshot. */
const Version = z.number().int().nonnegative();

export const PropertyPhotoSchema = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2048),
  caption: z.string().max(500).optional(),
});

export const PropertyStatusChangedSchema = z.object({
  propertyId: PropertyIdSchema,
  from: PropertyStatusSchema,
  to: PropertyStatusSchema,
  at: Timestamp,
  version: Version,
});

export const PropertyPriceUpdatedSchema = z.object({
  propertyId: PropertyIdSchema,
  oldPrice: PriceSchema,
  newPrice: PriceSchema,
  currency: CurrencySchema,
  /** Change relative to the old price, in percent, rounded to one decimal; negative for a drop. */
  percentage: z.number(),
  isPriceDrop: z.boolean(),
  at: Timestamp,
  version: Version,
});

export const PropertyNewPhotosAddedSchema = z.object({
  propertyId: PropertyIdSchema,
  photos: z.array(PropertyPhotoSchema).min(1).max(50),
  count: z.number().int().positive(),
  at: Timestamp,
  version: Version,
});

export const PropertyOpenHouseSchema = z.object({
  startsAt: Timestamp,
  endsAt: Timestamp,
  note: z.string().max(500).optional(),
});

export const PropertyOpenHouseScheduledSchema = PropertyOpenHouseSchema.extend({
  propertyId: PropertyIdSchema,
  at: Timestamp,
  version: Version,
});

export const PropertyFeaturedSchema = z.object({
  propertyId: PropertyIdSchema,
  /** Featured until this time; absent = until further notice. */
  until: Timestamp.optional(),
  at: Timestamp,
  version: Version,
});

/** Sent to the user's own feed after `property:watch` / `property:unwatch`, so every tab agrees. */
export const PropertyWatchlistChangedSchema = z.object({ watched: z.array(PropertyIdSchema) });

/** One change with its type: `lastChange` of the join state, and what the `onUpdate` hook receives. */
export const PropertyChangeSchema = z.discriminatedUnion('type', [
  PropertyStatusChangedSchema.extend({ type: z.literal('status_changed') }),
  PropertyPriceUpdatedSchema.extend({ type: z.literal('price_updated') }),
  PropertyNewPhotosAddedSchema.extend({ type: z.literal('new_photos_added') }),
  PropertyOpenHouseScheduledSchema.extend({ type: z.literal('open_house_scheduled') }),
  PropertyFeaturedSchema.extend({ type: z.literal('property_featured') }),
]);

export const PropertyPricePointSchema = z.object({ price: PriceSchema, at: Timestamp });

/**
 * `joined.state` of `property:<id>` (also `GET /api/properties/:id`). A property the
 * platform never registered has `status`, `price` and `currency` null and `version` 0.
 */
export const PropertyStateSchema = z.object({
  id: PropertyIdSchema,
  status: PropertyStatusSchema.nullable(),
  price: PriceSchema.nullable(),
  currency: CurrencySchema.nullable(),
  lastChange: PropertyChangeSchema.nullable(),
  /** Recent prices, oldest first (bounded). */
  priceHistory: z.array(PropertyPricePointSchema),
  /** Recent photos added through `new_photos_added`, oldest first (bounded). */
  photos: z.array(PropertyPhotoSchema),
  openHouse: PropertyOpenHouseSchema.nullable(),
  /** Featured now (`featuredUntil` not yet passed). */
  featured: z.boolean(),
  featuredUntil: Timestamp.nullable(),
  version: Version,
});

// ── commands ──────────────────────────────────────────────────────────────────

export const PropertyWatchDataSchema = z.object({ propertyId: PropertyIdSchema });
export const PropertyWatchResultSchema = z.object({ watched: z.array(PropertyIdSchema) });

// ── REST (platform backend) ───────────────────────────────────────────────────

/** Body of `PUT /api/properties/:id`: registers (or overwrites) a property's current state, publishing nothing. */
export const PropertyRegisterBodySchema = z.object({
  status: PropertyStatusSchema,
  price: PriceSchema,
  currency: CurrencySchema.optional(),
});

/** Body of `POST /api/properties/:id/events`: one update, chosen by `type`. */
export const PropertyEventBodySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status_changed'), to: PropertyStatusSchema }),
  z.object({ type: z.literal('price_updated'), newPrice: PriceSchema }),
  z.object({ type: z.literal('new_photos_added'), photos: z.array(PropertyPhotoSchema).min(1).max(50) }),
  PropertyOpenHouseSchema.extend({ type: z.literal('open_house_scheduled') }),
  z.object({ type: z.literal('property_featured'), until: Timestamp.optional() }),
]);

export type PropertyStatus = z.infer<typeof PropertyStatusSchema>;
export type PropertyPhoto = z.infer<typeof PropertyPhotoSchema>;
export type PropertyOpenHouse = z.infer<typeof PropertyOpenHouseSchema>;
export type PropertyPricePoint = z.infer<typeof PropertyPricePointSchema>;
export type PropertyChange = z.infer<typeof PropertyChangeSchema>;
export type PropertyChangeType = PropertyChange['type'];
export type PropertyState = z.infer<typeof PropertyStateSchema>;
export type PropertyEventBody = z.infer<typeof PropertyEventBodySchema>;
export type PropertyRegisterBody = z.infer<typeof PropertyRegisterBodySchema>;

/** Events of `property:<id>` rooms (and of watchers' feeds), by name. */
export type PropertyEvents = {
  'property:status_changed': z.infer<typeof PropertyStatusChangedSchema>;
  'property:price_updated': z.infer<typeof PropertyPriceUpdatedSchema>;
  'property:new_photos_added': z.infer<typeof PropertyNewPhotosAddedSchema>;
  'property:open_house_scheduled': z.infer<typeof PropertyOpenHouseScheduledSchema>;
  'property:property_featured': z.infer<typeof PropertyFeaturedSchema>;
  'property:watchlist_changed': z.infer<typeof PropertyWatchlistChangedSchema>;
};

/** Commands of the property feature. */
export type PropertyCommands = {
  'property:watch': { data: z.infer<typeof PropertyWatchDataSchema>; result: z.infer<typeof PropertyWatchResultSchema> };
  'property:unwatch': { data: z.infer<typeof PropertyWatchDataSchema>; result: z.infer<typeof PropertyWatchResultSchema> };
};
