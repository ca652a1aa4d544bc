import type { PropertyChange, PropertyState } from '@sinyal/protocol/schema';

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
   * property is not stored yet). Resolves to whether it was written. `change` is the update
   * this write makes (`next.version`), given by the feature for an update it announces and
   * absent for a registration: a store that {@link appendsRoomEvents} appends its event to
   * the property's room in the same atomic step, only when the write succeeds. Other stores
   * ignore it.
   */
  compareAndSet(propertyId: string, expectedVersion: number, next: PropertyState, change?: PropertyChange): Promise<boolean>;
  /** Adds the property to the user's watch list unless it already holds `maxPerUser` ids. */
  watch(userId: string, propertyId: string, maxPerUser: number): Promise<WatchOutcome>;
  /** Removes it; resolves to whether it was there. */
  unwatch(userId: string, propertyId: string): Promise<boolean>;
  /** The user's watched property ids, in the order they were added. */
  watchlist(userId: string): Promise<string[]>;
  /** Users watching the property. */
  watchers(propertyId: string): Promise<string[]>;
  /**
   * Implemented by a store that appends the property room's events itself, atomically with
   * the write that causes them: the update's `property:<type>` event (payload = the change
   * without `type`) in {@link compareAndSet} when it is given a `change` and the write wins
   * (`RedisPropertyStore`: the room's order is then the version order across every node, so
   * a client's `propertyStore`, which applies only newer versions, never skips one). The
   * feature calls it once, when created, with the property room's history length, and from
   * then on publishes only the watchers' feed copies (and calls `onUpdate`). A store without
   * it leaves the room's event to the feature, which publishes it after the write (its order
   * then follows the version order on one node only).
   */
  appendsRoomEvents?(roomHistory: number): void;
}
