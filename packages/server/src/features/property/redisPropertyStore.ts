import type { PropertyChange, PropertyState } from '@sinyal/protocol/schema';
import { encodeEvent } from '../../redis/eventCodec';
import { APPEND_EVENT_FUNCTION, Script } from '../../redis/redisScripts';
import type { RedisStore } from '../../redis/redisStore';
import { RoomEventsRedisStore } from '../../redis/roomEventsRedisStore';
import { eventOf, propertyRoom } from './propertyUpdates';
import type { PropertyStore, WatchOutcome } from './store';

// Keys (see docs/property.md, "Several nodes (Redis)"):
//   <p>property:{id}                 hash  v = version (as JS formats it), s = state JSON
//   <p>property:{id}:watchers        set   user ids watching the property
//   <p>property:user:{u}:watchlist   zset  property ids, score = order of adding (1, 2, …)
// The state JSON is written as the caller encoded it and never decoded in Lua, so prices and
// timestamps keep every digit (cjson would print 14 significant digits); so is the event JSON
// that compareAndSet appends, with appendsRoomEvents, to the property room's stream in the
// RedisStore's own keys (`<p>epoch`, `<p>room:{property:<id>}:seq`, `…:log`, and its channel).

/**
 * KEYS: state, epoch, room seq, room log. ARGV: expected version, next version, next state
 * JSON, announce (1/0), candidate epoch, room history, room channel, history TTL ms, event
 * JSON (as `encodeEvent` wrote it in JS). Returns 1 when written. With announce, the event is
 * appended to the property's room in the same step: the room's order is the version order.
 */
const COMPARE_AND_SET = `${APPEND_EVENT_FUNCTION}
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
if ARGV[4] == '1' then append_event(KEYS[2], KEYS[3], KEYS[4], ARGV[5], ARGV[6], ARGV[9], ARGV[7], ARGV[8]) end
return 1`;

/**
 * KEYS: the user's watch list, the property's watchers. ARGV: property id, user id, max per user.
 * Returns the {@link WatchOutcome}. A new id gets the highest score + 1, so the list keeps the
 * order of adding (a re-watched id goes to the end, as in the memory store).
 */
const WATCH = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'already_watching' end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local score = 1
if top[2] then score = tonumber(top[2]) + 1 end
redis.call('ZADD', KEYS[1], score, ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 'added'`;

/** KEYS: the user's watch list, the property's watchers. ARGV: property id, user id. Returns 1 when it was watched. */
const UNWATCH = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[2])
return 1`;

const compareAndSetScript = new Script(COMPARE_AND_SET);
const watchScript = new Script(WATCH);
const unwatchScript = new Script(UNWATCH);

/**
 * A {@link PropertyStore} in Redis, for several server nodes sharing one Redis (see
 * docs/property.md). `compareAndSet` is one Lua script comparing the stored version, so
 * exactly one of several concurrent writers of a version wins, across nodes; `watch` and
 * `unwatch` update the user's list and the property's watchers in one script, so the
 * `maxPerUser` bound holds under concurrency. Nothing expires (as in the memory store).
 * When Redis is unreachable every method rejects with `SinyalServerError('unavailable')`.
 *
 * It also **appends the property room's events itself** ({@link appendsRoomEvents}): the
 * script that writes an update's version appends its `property:<type>` event through the
 * same Redis stream and channel as the server's own publishes (the core's `append_event`), so
 * the room's `seq` order is the version order on every node. The server must therefore use
 * the same `RedisStore` (checked when the property feature starts).
 *
 * @example
 * ```ts
 * const redis = new RedisStore({ url: process.env.REDIS_URL });
 * const properties = propertyFeature({ store: new RedisPropertyStore(redis) });
 * const server = await createServer({ auth, store: redis, features: [properties] });
 * ```
 */
export class RedisPropertyStore extends RoomEventsRedisStore implements PropertyStore {
  readonly #prefix: string;

  constructor(redis: RedisStore) {
    super(redis);
    this.#prefix = redis.keys.prefix;
  }

  #state(propertyId: string): string {
    return `${this.#prefix}property:{${propertyId}}`;
  }

  #watchers(propertyId: string): string {
    return `${this.#prefix}property:{${propertyId}}:watchers`;
  }

  #watchlist(userId: string): string {
    return `${this.#prefix}property:user:{${userId}}:watchlist`;
  }

  async get(propertyId: string): Promise<PropertyState | undefined> {
    const json = await (await this.client()).hget(this.#state(propertyId), 's');
    return json === null ? undefined : (JSON.parse(json) as PropertyState);
  }

  async compareAndSet(propertyId: string, expectedVersion: number, next: PropertyState, change?: PropertyChange): Promise<boolean> {
    const room = this.roomTarget(propertyRoom(propertyId));
    const announce = change !== undefined && room.on;
    let event = '';
    if (announce) {
      const { event: name, payload } = eventOf(change);
      event = encodeEvent({ name, data: payload, at: Date.now() });
    }
    const written = await compareAndSetScript.run(
      await this.client(),
      [this.#state(propertyId), ...room.keys],
      [String(expectedVersion), String(next.version), JSON.stringify(next), announce ? '1' : '0', ...room.args, event],
    );
    return written === 1;
  }

  async watch(userId: string, propertyId: string, maxPerUser: number): Promise<WatchOutcome> {
    const keys = [this.#watchlist(userId), this.#watchers(propertyId)];
    return (await watchScript.run(await this.client(), keys, [propertyId, userId, String(maxPerUser)])) as WatchOutcome;
  }

  async unwatch(userId: string, propertyId: string): Promise<boolean> {
    const keys = [this.#watchlist(userId), this.#watchers(propertyId)];
    return (await unwatchScript.run(await this.client(), keys, [propertyId, userId])) === 1;
  }

  async watchlist(userId: string): Promise<string[]> {
    return (await this.client()).zrange(this.#watchlist(userId), 0, -1);
  }

  /** Users watching the property (in no particular order: a Redis set). */
  async watchers(propertyId: string): Promise<string[]> {
    return (await this.client()).smembers(this.#watchers(propertyId));
  }
}
