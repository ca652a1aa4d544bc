import type { Feature } from '../api/feature';
import type { RedisStore } from '../redis/redisStore';
import { auctionFeature, type AuctionFeature, type AuctionFeatureOptions } from './auction';
import { RedisAuctionStore } from './auction/redisAuctionStore';
import { chatFeature, type ChatFeature, type ChatFeatureOptions } from './chat';
import { RedisChatStore } from './chat/redisChatStore';
import { notificationFeature, propertyAlertFor, type NotificationFeature, type NotificationFeatureOptions } from './notification';
import { RedisNotificationStore } from './notification/redisNotificationStore';
import { RedisPushStore } from './notification/redisPushStore';
import { presenceFeature, type PresenceOptions } from './presence';
import { RedisPresenceStore } from './presence/redisPresenceStore';
import { propertyFeature, type PropertyFeature, type PropertyFeatureOptions } from './property';
import { RedisPropertyStore } from './property/redisPropertyStore';

/** Options of each feature, by name; see each feature's own options for the defaults. */
export interface PlatformFeaturesOptions {
  /**
   * Keep every feature's state in this Redis (the `RedisStore` also given to
   * `createServer({ store })`), so the features work across several nodes: each feature
   * without its own `store` option gets its Redis store (`RedisChatStore`,
   * `RedisAuctionStore`, `RedisPresenceStore`, `RedisPropertyStore`,
   * `RedisNotificationStore`, and `RedisPushStore` with `notification.push`), all on this store's connection and key prefix. See
   * docs/scaling.md.
   * @default undefined (in-memory stores: one node)
   */
  redis?: RedisStore;
  chat?: Partial<ChatFeatureOptions>;
  auction?: AuctionFeatureOptions;
  presence?: PresenceOptions;
  property?: PropertyFeatureOptions;
  notification?: NotificationFeatureOptions;
}

/** The five features, ready to mount, and each one's server-side API. */
export interface PlatformFeatures {
  /** Pass to `createServer({ features })`. */
  features: Feature[];
  chat: ChatFeature;
  auction: AuctionFeature;
  presence: Feature;
  property: PropertyFeature;
  notification: NotificationFeature;
}

/**
 * All five product features — chat & inbox, live auction, presence & social proof,
 * property updates, notifications — wired together the way a property platform wants
 * them: a change to a watched property also becomes a `property_alert` notification for
 * its watchers (unless you pass your own `property.onUpdate`), its prices written with
 * `notification.formatPrice` when you give one.
 *
 * @example
 * ```ts
 * const platform = platformFeatures();
 * const server = await createServer({ auth, publishSecret, features: platform.features });
 * // several nodes: const redis = new RedisStore({ url }); platformFeatures({ redis }); createServer({ store: redis, … })
 * await platform.chat.createConversation({ id: 'c-1', participants: ['buyer-1', 'agent-1'] });
 * await platform.property.updatePrice('p-42', 4_750_000_000);
 * ```
 */
export function platformFeatures(options: PlatformFeaturesOptions = {}): PlatformFeatures {
  const redis = options.redis;
  const formatPrice = options.notification?.formatPrice;
  const alertOptions = formatPrice ? { formatPrice } : {};
  const push = options.notification?.push;
  const notification = notificationFeature({
    ...(redis ? { store: new RedisNotificationStore(redis) } : {}),
    ...options.notification,
    // Web Push subscriptions and open connections shared by every node, unless given.
    ...(redis && push && !push.store ? { push: { ...push, store: new RedisPushStore(redis) } } : {}),
  });
  const property = propertyFeature({
    ...(redis ? { store: new RedisPropertyStore(redis) } : {}),
    onUpdate: async (change, watchers) => {
      const alert = propertyAlertFor(change, alertOptions);
      if (alert && watchers.length > 0) await notification.notifyMany(watchers, alert);
    },
    ...options.property,
  });
  const chat = chatFeature({ ...(redis ? { store: new RedisChatStore(redis) } : {}), ...options.chat });
  const auction = auctionFeature({ ...(redis ? { store: new RedisAuctionStore(redis) } : {}), ...options.auction });
  const presence = presenceFeature({
    ...(redis ? { store: new RedisPresenceStore(redis) } : {}),
    // Wishlist and viewing counters only for registered properties.
    propertyExists: (propertyId) => property.exists(propertyId),
    ...options.presence,
  });
  return { features: [chat, auction, presence, property, notification], chat, auction, presence, property, notification };
}
