import type { NotificationInput } from '@sinyal/protocol/schema';
import type { PropertyChange } from '@sinyal/protocol/schema';
import type { PriceFormatter } from './options';

const prices = (oldPrice: number, newPrice: number, currency: string, format: PriceFormatter | undefined) =>
  format ? `${format(oldPrice, currency)} → ${format(newPrice, currency)}` : `${currency} ${oldPrice.toLocaleString('en-US')} → ${newPrice.toLocaleString('en-US')}`;

const STATUS_LABEL = { available: 'available again', under_offer: 'under offer', sold: 'sold', rented: 'rented' } as const;

/**
 * The `property_alert` notification for a change to a watched property, or `null` for
 * changes not worth a notification (a property being featured). Wire the two features
 * with it (they do not import each other):
 *
 * @example
 * ```ts
 * const notifications = notificationFeature();
 * const properties = propertyFeature({
 *   onUpdate: async (change, watchers) => {
 *     const alert = propertyAlertFor(change);
 *     if (alert) await notifications.notifyMany(watchers, alert);
 *   },
 * });
 * ```
 *
 * Priorities follow the product spec: a status change is urgent (`instant`), a price
 * drop or an open house is `batched`, a price rise or new photos go to the `digest`.
 * `formatPrice` writes the prices of a price change (default: "IDR 5,500,000,000 → 5,200,000,000").
 */
export function propertyAlertFor(change: PropertyChange, options: { formatPrice?: PriceFormatter } = {}): NotificationInput | null {
  const data = { propertyId: change.propertyId, change: change.type };
  switch (change.type) {
    case 'status_changed':
      return {
        category: 'property_alert',
        type: 'status_change',
        title: `A property on your wishlist is now ${STATUS_LABEL[change.to]}`,
        body: `Status changed from ${change.from.replace('_', ' ')} to ${change.to.replace('_', ' ')}.`,
        priority: 'instant',
        data: { ...data, from: change.from, to: change.to },
      };
    case 'price_updated':
      return {
        category: 'property_alert',
        type: change.isPriceDrop ? 'price_drop' : 'price_increase',
        title: change.isPriceDrop ? 'Price drop on your wishlist!' : 'Price change on your wishlist',
        body: `${prices(change.oldPrice, change.newPrice, change.currency, options.formatPrice)} (${change.percentage > 0 ? '+' : ''}${change.percentage}%)`,
        priority: change.isPriceDrop ? 'batched' : 'digest',
        data: { ...data, oldPrice: change.oldPrice, newPrice: change.newPrice, percentage: change.percentage },
      };
    case 'new_photos_added':
      return {
        category: 'property_alert',
        type: 'new_photos',
        title: 'New photos of a property on your wishlist',
        body: `${change.count} new photo${change.count === 1 ? '' : 's'}.`,
        priority: 'digest',
        data: { ...data, count: change.count },
      };
    case 'open_house_scheduled':
      return {
        category: 'property_alert',
        type: 'open_house_announced',
        title: 'Open house scheduled',
        body: change.note ?? 'A property on your wishlist is hosting an open house.',
        priority: 'batched',
        data: { ...data, startsAt: change.startsAt, endsAt: change.endsAt },
      };
    case 'property_featured':
      return null;
  }
}
