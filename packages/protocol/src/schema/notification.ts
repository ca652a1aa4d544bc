import { z } from 'zod';

/**
 * Notifications: what a user's feed (`user:<id>`) receives, the commands to read them
 * and set quiet hours, and the bodies of the REST endpoints (list, notify, saved searches,
 * new listings).
 */

/** Categories from the product spec: property alerts (incl. new listings), messages, appointments, transactions. */
export const NotificationCategorySchema = z.enum(['property_alert', 'message', 'appointment', 'transaction']);
/**
 * `instant`: delivered at once (also during quiet hours and over the rate limit);
 * `batched`: held for the batching window and delivered together;
 * `digest`: accumulated and delivered at the digest interval.
 */
export const NotificationPrioritySchema = z.enum(['instant', 'batched', 'digest']);

const Timestamp = z.number().int().nonnegative();
const MAX_DATA_BYTES = 4096;

/** What a notification says; the server adds `id`, `createdAt` and later `readAt`. */
export const NotificationInputSchema = z.object({
  category: NotificationCategorySchema,
  /** What happened, e.g. `new_listing`, `price_drop`, `viewing_reminder`. */
  type: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'type must be snake_case, at most 64 characters'),
  title: z.string().trim().min(1).max(200),
  body: z.string().max(2000),
  /** Free JSON for the app (links, ids), at most 4 KiB. */
  data: z
    .record(z.string(), z.unknown())
    .refine((value) => JSON.stringify(value).length <= MAX_DATA_BYTES, `data must serialise to at most ${MAX_DATA_BYTES} bytes`)
    .optional(),
  /** @default 'instant' */
  priority: NotificationPrioritySchema.default('instant'),
});

export const NotificationSchema = z.object({
  id: z.string().min(1).max(64),
  category: NotificationCategorySchema,
  type: z.string(),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  priority: NotificationPrioritySchema,
  createdAt: Timestamp,
  readAt: Timestamp.optional(),
});

/** `HH:MM`, 24-hour clock. */
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time must be HH:MM (24-hour)');

/** Per-user delivery preferences. */
export const NotificationPreferencesSchema = z.object({
  /** Non-instant notifications wait while the user's local time is in `[start, end)` (may wrap midnight); null = no quiet hours. */
  quietHours: z.object({ start: ClockTime, end: ClockTime }).nullable(),
  /** The user's offset from UTC in minutes (WIB = 420). */
  utcOffsetMinutes: z.number().int().min(-720).max(840),
  /**
   * The categories pushed (Web Push) to the user's devices while they are away, among those
   * the server pushes; absent: all of those. `[]`: none (the inbox still has everything).
   */
  pushCategories: z.array(NotificationCategorySchema).max(4).optional(),
});

// ── events (in the user's feed) ───────────────────────────────────────────────

export const NotificationBatchSchema = z.object({
  items: z.array(NotificationSchema).min(1),
  /** `batched`: the batching window closed; `digest`: the digest interval; `deferred`: held by quiet hours or the rate limit. */
  reason: z.enum(['batched', 'digest', 'deferred']),
});
export const NotificationUnreadSchema = z.object({ count: z.number().int().nonnegative() });
/** Items marked read (on any device): either `ids`, or `all` delivered so far. */
export const NotificationReadSchema = z.object({
  ids: z.array(z.string()).optional(),
  all: z.literal(true).optional(),
  readAt: Timestamp,
});

// ── commands ──────────────────────────────────────────────────────────────────

export const NotificationMarkReadDataSchema = z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(200) });
/** Answer of the read commands: the unread count after the change. */
export const NotificationUnreadResultSchema = z.object({ unreadCount: z.number().int().nonnegative() });
export const NotificationSetPreferencesDataSchema = NotificationPreferencesSchema.partial();

// ── REST ──────────────────────────────────────────────────────────────────────

/** `GET /api/notifications?limit=&before=` answer, newest first. Pass `nextBefore` as `before` for the next page. */
export const NotificationPageSchema = z.object({
  items: z.array(NotificationSchema),
  unreadCount: z.number().int().nonnegative(),
  nextBefore: z.string().nullable(),
});

/**
 * Names a scheduled notification among its user's (`viewing:123:h-1d`): 1–200 printable
 * ASCII characters, no spaces. Scheduling a key again replaces it; cancel by key or prefix.
 */
export const ScheduleKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'key must be 1-200 printable ASCII characters without spaces');

/** When to deliver a notification: at server time `at` (ms since the epoch), named `key`. */
export const NotificationScheduleSchema = z
  .object({
    at: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    key: ScheduleKeySchema.optional(),
  })
  .strict();

/**
 * Body of `POST /api/notifications` (publisher). With `at` (and optionally `key`) the
 * notification is scheduled: delivered at server time `at`, at once when `at` is not in the future.
 */
export const NotifyBodySchema = NotificationInputSchema.extend({
  userId: z.string().min(1).max(128),
  at: NotificationScheduleSchema.shape.at.optional(),
  key: ScheduleKeySchema.optional(),
});

/** What a saved search matches; every given field must match. */
export const SavedSearchCriteriaSchema = z
  .object({
    city: z.string().trim().min(1).max(100).optional(),
    maxPrice: z.number().finite().positive().optional(),
    minBedrooms: z.number().int().nonnegative().max(100).optional(),
    type: z.string().trim().min(1).max(50).optional(),
  })
  .strict();

/** Body of `POST /api/saved-searches` (user). */
export const SavedSearchBodySchema = z.object({ criteria: SavedSearchCriteriaSchema, name: z.string().max(100).optional() });

export const SavedSearchSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  criteria: SavedSearchCriteriaSchema,
  createdAt: Timestamp,
});

/** Body of `POST /api/listings` (publisher): a new listing, matched against every saved search. */
export const ListingBodySchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_.@-]{1,128}$/),
  title: z.string().trim().min(1).max(200),
  city: z.string().trim().min(1).max(100),
  price: z.number().finite().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  bedrooms: z.number().int().nonnegative().max(100),
  type: z.string().trim().min(1).max(50),
  url: z.url({ protocol: /^https?$/ }).max(2048).optional(),
});

/**
 * A browser's Web Push subscription (`PushSubscription.toJSON()`), as a user registers it
 * with `POST /api/notifications/push-subscriptions`: the push service `endpoint` (https) and
 * the keys the payload is encrypted for (RFC 8291: `p256dh` a P-256 public key, `auth` a
 * 16-byte secret, both base64url).
 */
export const PushSubscriptionBodySchema = z.object({
  endpoint: z.string().min(1).max(2048),
  expirationTime: z.number().int().nonnegative().nullable().optional(),
  keys: z.object({
    p256dh: z.string().regex(/^[A-Za-z0-9_-]{86,88}={0,2}$/, 'keys.p256dh must be a base64url P-256 public key (65 bytes)'),
    auth: z.string().regex(/^[A-Za-z0-9_-]{22,24}={0,2}$/, 'keys.auth must be a base64url 16-byte secret'),
  }),
});

/** One of the user's push subscriptions, as `GET /api/notifications/push-subscriptions` lists it. */
export const PushSubscriptionInfoSchema = z.object({ endpoint: z.string(), createdAt: Timestamp });

export type NotificationCategory = z.infer<typeof NotificationCategorySchema>;
export type NotificationPriority = z.infer<typeof NotificationPrioritySchema>;
/** What to notify; `priority` may be omitted (`instant`). */
export type NotificationInput = z.input<typeof NotificationInputSchema>;
export type Notification = z.infer<typeof NotificationSchema>;
export type NotificationPreferences = z.infer<typeof NotificationPreferencesSchema>;
export type NotificationPage = z.infer<typeof NotificationPageSchema>;
export type SavedSearchCriteria = z.infer<typeof SavedSearchCriteriaSchema>;
export type SavedSearch = z.infer<typeof SavedSearchSchema>;
export type Listing = z.infer<typeof ListingBodySchema>;
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBodySchema>;
export type PushSubscriptionInfo = z.infer<typeof PushSubscriptionInfoSchema>;
/** When to deliver a scheduled notification (`notify(userId, input, { at, key })`). */
export type NotificationSchedule = z.infer<typeof NotificationScheduleSchema>;

/** Events the notification feature publishes into a user's feed, by name. */
export type NotificationEvents = {
  'notification:new': Notification;
  'notification:batch': z.infer<typeof NotificationBatchSchema>;
  'notification:unread': z.infer<typeof NotificationUnreadSchema>;
  'notification:read': z.infer<typeof NotificationReadSchema>;
};

/** Commands of the notification feature. */
export type NotificationCommands = {
  'notification:mark_read': { data: z.infer<typeof NotificationMarkReadDataSchema>; result: z.infer<typeof NotificationUnreadResultSchema> };
  'notification:mark_all_read': { data: Record<string, never>; result: z.infer<typeof NotificationUnreadResultSchema> };
  'notification:set_preferences': { data: z.input<typeof NotificationSetPreferencesDataSchema>; result: NotificationPreferences };
  'notification:get_preferences': { data: Record<string, never>; result: NotificationPreferences };
};
