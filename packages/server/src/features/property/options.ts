import type { PropertyChange } from '@sinyal/protocol/schema';
import type { ActionRateLimit } from '../../api/limits';
import type { PropertyStore } from './store';
import type { StatusTransitions } from './transitions';

/**
 * Called after every property update was published into its room and copied into each
 * watcher's feed: the place to turn it into a notification (see docs/property.md) or an
 * email. Errors are caught and passed to `onError`; they never undo the update.
 */
export type PropertyUpdateHook = (change: PropertyChange, watchers: readonly string[]) => void | Promise<void>;

/** Options of {@link propertyFeature}. */
export interface PropertyFeatureOptions {
  /**
   * Where property states and watch lists live.
   * @default new MemoryPropertyStore()
   */
  store?: PropertyStore;
  /**
   * Events kept per `property:<id>` room for resume after a reconnect.
   * @default 100
   */
  history?: number;
  /**
   * Allowed status moves.
   * @default DEFAULT_TRANSITIONS (available → under_offer | rented; under_offer → available | sold | rented; rented → available)
   */
  transitions?: StatusTransitions;
  /**
   * Currency of properties registered without one.
   * @default 'IDR'
   */
  defaultCurrency?: string;
  /**
   * Most properties one user may watch.
   * @default 200
   */
  maxWatchedPerUser?: number;
  /**
   * Prices kept in a property's `priceHistory`, and photos kept in its `photos`.
   * @default { priceHistory: 20, photos: 50 }
   */
  keep?: { priceHistory?: number; photos?: number };
  /**
   * Copy every update of a property into the feed (`user:<id>`) of each user watching it.
   * @default true
   */
  deliverToWatchers?: boolean;
  /** See {@link PropertyUpdateHook}. @default undefined */
  onUpdate?: PropertyUpdateHook;
  /**
   * Receives errors of the `onUpdate` hook and of single watcher deliveries.
   * @default console.error
   */
  onError?: (error: unknown, context: { propertyId: string; stage: 'watcher' | 'onUpdate' }) => void;
  /**
   * Server time, injectable for tests.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Default per-action rate limits of the watch commands (per user; `ServerOptions.rateLimits`
 * overrides them): each change is written into the user's durable feed
 * (`property:watchlist_changed`), so toggling a heart in a loop would fill its history.
 */
export const DEFAULT_PROPERTY_RATE_LIMITS: Readonly<Record<string, ActionRateLimit>> = Object.freeze({
  'property:watch': { perSecond: 2, burst: 10 },
  'property:unwatch': { perSecond: 2, burst: 10 },
});

/** Defaults of {@link PropertyFeatureOptions}. */
export const DEFAULT_PROPERTY_OPTIONS = {
  history: 100,
  defaultCurrency: 'IDR',
  maxWatchedPerUser: 200,
  keep: { priceHistory: 20, photos: 50 },
  deliverToWatchers: true,
} as const;
