import type { Feature } from '../feature';
import { auctionFeature, type AuctionFeature, type AuctionFeatureOptions } from './auction';
import { chatFeature, type ChatFeature, type ChatFeatureOptions } from './chat';
import { notificationFeature, propertyAlertFor, type NotificationFeature, type NotificationFeatureOptions } from './notification';
import { presenceFeature, type PresenceOptions } from './presence';
import { propertyFeature, type PropertyFeature, type PropertyFeatureOptions } from './property';

/** Options of each feature, by name; see each feature's own options for the defaults. */
export interface PlatformFeaturesOptions {
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
 * its watchers (unless you pass your own `property.onUpdate`).
 *
 * @example
 * ```ts
 * const platform = platformFeatures();
 * const server = await createServer({ auth, publishSecret, features: platform.features });
 * await platform.chat.createConversation({ id: 'c-1', participants: ['buyer-1', 'agent-1'] });
 * await platform.property.updatePrice('p-42', 4_750_000_000);
 * ```
 */
export function platformFeatures(options: PlatformFeaturesOptions = {}): PlatformFeatures {
  const notification = notificationFeature(options.notification);
  const property = propertyFeature({
    onUpdate: async (change, watchers) => {
      const alert = propertyAlertFor(change);
      if (alert && watchers.length > 0) await notification.notifyMany(watchers, alert);
    },
    ...options.property,
  });
  const chat = chatFeature(options.chat);
  const auction = auctionFeature(options.auction);
  const presence = presenceFeature(options.presence);
  return { features: [chat, auction, presence, property, notification], chat, auction, presence, property, notification };
}
