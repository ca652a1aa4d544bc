import type { PropertyState } from '@sinyal/protocol/schema';
import type { Redis } from 'ioredis';
import { Script } from '../../redis/redisScripts';
import type { RedisStore } from '../../redis/redisStore';
import type { PropertyStore, WatchOutcome } from './store';

// Keys (see docs/property.md, "Several nodes (Redis)"):
//   <p>property:{id}                 hash  v = version (as JS formats it), s = state JSON
//   <p>property:{id}:watchers        set   user ids watching the property
//   <p>property:user:{u}:watchlist   zset  property ids, score = order of adding (1, 2, …)
// The state JSON is written as the caller encoded it and never decoded in Lua, so prices and
// timestamps keep every digit (cjson would print 14 significant digits).

/** KEYS: state. ARGV: expected version, next version, next state JSON. Returns 1 when written. */
const COMPARE_AND_SET = `
if tonumber(redis.call('HGET', KEYS[1], 'v') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
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
 * @example
 * ```ts
 * const redis = new RedisStore({ url: process.env.REDIS_URL });
 * const properties = propertyFeature({ store: new RedisPropertyStore(redis) });
 * const server = await createServer({ auth, store: redis, features: [properties] });
 * ```
 */
export class RedisPropertyStore implements PropertyStore {
  readonly #redis: RedisStore;
  readonly #prefix: string;

  constructor(redis: RedisStore) {
    this.#redis = redis;
    this.#prefix = redis.keys.prefix;
  }

  #client(): Promise<Redis> {
    return this.#redis.connection.get();
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
    const json = await (await this.#client()).hget(this.#state(propertyId), 's');
    return json === null ? undefined : (JSON.parse(json) as PropertyState);
  }

  async compareAndSet(propertyId: string, expectedVersion: number, next: PropertyState): Promise<boolean> {
    const written = await compareAndSetScript.run(await this.#client(), [this.#state(propertyId)], [String(expectedVersion), String(next.version), JSON.stringify(next)]);
    return written === 1;
  }

  async watch(userId: string, propertyId: string, maxPerUser: number): Promise<WatchOutcome> {
    const keys = [this.#watchlist(userId), this.#watchers(propertyId)];
    return (await watchScript.run(await this.#client(), keys, [propertyId, userId, String(maxPerUser)])) as WatchOutcome;
  }

  async unwatch(userId: string, propertyId: string): Promise<boolean> {
    const keys = [this.#watchlist(userId), this.#watchers(propertyId)];
    return (await unwatchScript.run(await this.#client(), keys, [propertyId, userId])) === 1;
  }

  async watchlist(userId: string): Promise<string[]> {
    return (await this.#client()).zrange(this.#watchlist(userId), 0, -1);
  }

  /** Users watching the property (in no particular order: a Redis set). */
  async watchers(propertyId: string): Promise<string[]> {
    return (await this.#client()).smembers(this.#watchers(propertyId));
  }
}
