import type { PropertyState } from '@sinyal/protocol/schema';

/** What {@link PropertyStore.watch} did. */
export type WatchOutcome = 'added' | 'already_watching' | 'full';

/**
 * Where the property feature keeps its state: each property's current state and each
 * user's watch list. Async so a networked store (Redis) can implement it.
 *
 * Concurrency: several callers (and several server nodes) may update one property at
 * once. Updates are optimistic: read with {@link get}, compute the next state, write it
 * with {@link compareAndSet}, which only succeeds if nobody wrote in between (a Redis
 * version can do this with a Lua script comparing `version`). Watch-list operations
 * are single atomic set operations (SADD/SREM/SMEMBERS on two sets per pair).
 */
export interface PropertyStore {
  /** The property's state, or `undefined` if the platform never registered it. */
  get(propertyId: string): Promise<PropertyState | undefined>;
  /**
   * Writes `next` only if the stored version is still `expectedVersion` (`0`: the
   * property is not stored yet). Resolves to whether it was written.
   */
  compareAndSet(propertyId: string, expectedVersion: number, next: PropertyState): Promise<boolean>;
  /** Adds the property to the user's watch list unless it already holds `maxPerUser` ids. */
  watch(userId: string, propertyId: string, maxPerUser: number): Promise<WatchOutcome>;
  /** Removes it; resolves to whether it was there. */
  unwatch(userId: string, propertyId: string): Promise<boolean>;
  /** The user's watched property ids, in the order they were added. */
  watchlist(userId: string): Promise<string[]>;
  /** Users watching the property. */
  watchers(propertyId: string): Promise<string[]>;
}
