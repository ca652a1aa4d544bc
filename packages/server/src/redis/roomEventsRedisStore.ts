import type { Redis } from 'ioredis';
import type { SinyalServer } from '../api/server';
import type { RedisStore } from './redisStore';

/** Where a feature store's script appends a room's events (see {@link RoomEventsRedisStore.roomTarget}). */
export interface RoomTarget {
  /** Whether the store appends (the feature called `appendsRoomEvents`); the keys are passed either way, so a script's key positions are fixed. */
  on: boolean;
  /** The room's epoch, seq and log keys (`append_event`'s first three arguments). */
  keys: [string, string, string];
  /** Candidate epoch, history length, channel, history TTL ms (`append_event`'s other arguments, without the event). */
  args: [string, number, string, number];
}

/**
 * Base of the feature stores that append their rooms' events **in the same Lua script as
 * the change that causes them** (`RedisAuctionStore`, `RedisChatStore`,
 * `RedisPropertyStore`): the script calls `append_event` (redis/redisScripts.ts), which
 * takes the room's next seq, adds the event to the room's stream and publishes it — so the
 * room's order is the order of the changes on every node, and no node can die between
 * storing a change and announcing it. The feature calls {@link appendsRoomEvents} once with
 * the room kind's history length; from then on it leaves those events to the store and
 * publishes only what goes elsewhere (users' feeds). Because the scripts write the rooms of
 * the `RedisStore` they were given, the server must use that same store
 * ({@link requireServerOnSameRedis}).
 */
export abstract class RoomEventsRedisStore {
  #roomHistory: number | undefined;

  constructor(
    /** The RedisStore whose connection, prefix and room streams this store uses. */
    readonly redis: RedisStore,
  ) {}

  /** Called by the feature with its rooms' history length: from then on this store appends the rooms' events. */
  appendsRoomEvents(roomHistory: number): void {
    this.#roomHistory = roomHistory;
  }

  /** The room `room` as the scripts need it; `on` is false until {@link appendsRoomEvents} was called. */
  protected roomTarget(room: string): RoomTarget {
    const target = this.redis.appendTarget(room, this.#roomHistory ?? 0);
    return { on: this.#roomHistory !== undefined, keys: target.keys, args: target.args };
  }

  /** The command connection, or a typed `unavailable` rejection while Redis is unreachable. */
  protected client(): Promise<Redis> {
    return this.redis.connection.get();
  }
}

/**
 * Throws when `store` appends room events to a RedisStore other than the server's: its
 * events would go to streams no client of this server reads. Called by the features' `start`.
 */
export function requireServerOnSameRedis(feature: string, store: unknown, server: SinyalServer): void {
  if (store instanceof RoomEventsRedisStore && store.redis !== server.store) {
    throw new TypeError(
      `${feature}: a ${store.constructor.name} appends to the ${feature} rooms itself, so the server must use the same RedisStore (createServer({ store }))`,
    );
  }
}
