import type { Redis } from 'ioredis';
import { ExpiringMembers } from '../../redis/expiringMembers';
import type { RedisStore } from '../../redis/redisStore';
import { Script } from '../../redis/redisScripts';
import type { AddPushSubscriptionResult, PushStore, StoredPushSubscription } from './pushStore';

/**
 * KEYS: owner hash (endpoint → userId), records hash (endpoint → JSON), the user's zset
 * (endpoints scored by createdAt: a record's JSON leaves it out), the zset of the endpoint's current owner (or the user's
 * own again). ARGV: endpoint, userId, JSON, createdAt, maxPerUser, maxTotal, the owner the
 * caller read ('' for none). Returns {'retry'} when the owner changed since it was read,
 * {'full'}, or {'ok', dropped endpoints…}.
 */
const ADD = `
local owner = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if owner ~= ARGV[7] then return {'retry'} end
if owner == '' and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then return {'full'} end
if owner ~= '' and owner ~= ARGV[2] then redis.call('ZREM', KEYS[4], ARGV[1]) end
local score = ARGV[4]
if owner == ARGV[2] then score = redis.call('ZSCORE', KEYS[3], ARGV[1]) or score end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], score, ARGV[1])
local out = {'ok'}
local extra = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
if extra > 0 then
  for _, endpoint in ipairs(redis.call('ZRANGE', KEYS[3], 0, extra - 1)) do
    redis.call('HDEL', KEYS[1], endpoint)
    redis.call('HDEL', KEYS[2], endpoint)
    out[#out + 1] = endpoint
  end
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, extra - 1)
end
return out`;

/** KEYS: owner hash, records hash, the user's zset. ARGV: endpoint, userId. Returns 1 when removed. */
const REMOVE = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`;

/** KEYS: records hash, the user's zset. Returns {JSON, createdAt, …}: the user's records, oldest first. */
const LIST = `
local out = {}
local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  local json = redis.call('HGET', KEYS[1], entries[i])
  if json then
    out[#out + 1] = json
    out[#out + 1] = entries[i + 1]
  end
end
return out`;

const addScript = new Script(ADD);
const removeScript = new Script(REMOVE);
const listScript = new Script(LIST);

/** Options of {@link RedisPushStore}. */
export interface RedisPushStoreOptions {
  /** How long a connection outlives the last refresh of its node (a dead node's users count as away after it). @default 30_000 */
  ttlMs?: number;
}

/**
 * A {@link PushStore} in Redis, shared by every node:
 * - subscriptions: one hash endpoint → user, one hash endpoint → record and a sorted set per
 *   user (by registration time), all under one hash tag so each change is one script;
 * - open connections: an {@link ExpiringMembers} group per user, refreshed by the node that
 *   holds them, so a node that dies stops counting its users as connected within `ttlMs`.
 *
 * @example
 * ```ts
 * const redis = new RedisStore({ url: process.env.REDIS_URL });
 * notificationFeature({ store: new RedisNotificationStore(redis), push: { vapid, store: new RedisPushStore(redis) } });
 * ```
 */
export class RedisPushStore implements PushStore {
  private readonly prefix: string;
  private readonly live: ExpiringMembers;

  constructor(
    private readonly redis: RedisStore,
    options: RedisPushStoreOptions = {},
  ) {
    this.prefix = `${redis.keys.prefix}notification:{push}:`;
    const base = `${redis.keys.prefix}notification:live:`;
    this.live = new ExpiringMembers(redis, {
      ttlMs: options.ttlMs ?? 30_000,
      keys: (userId) => ({ members: `${base}{${userId}}`, users: `${base}{${userId}}:users` }),
    });
  }

  private client(): Promise<Redis> {
    return this.redis.connection.get();
  }

  private ownerKey(): string {
    return `${this.prefix}owner`;
  }

  private recordsKey(): string {
    return `${this.prefix}records`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}user:${userId}`;
  }

  async addPushSubscription(userId: string, subscription: StoredPushSubscription, bounds: { maxPerUser: number; maxTotal: number }): Promise<AddPushSubscriptionResult> {
    const client = await this.client();
    for (let attempt = 0; ; attempt++) {
      const owner = (await client.hget(this.ownerKey(), subscription.endpoint)) ?? '';
      const keys = [this.ownerKey(), this.recordsKey(), this.userKey(userId), this.userKey(owner === '' ? userId : owner)];
      const { createdAt, ...record } = subscription;
      const args = [subscription.endpoint, userId, JSON.stringify(record), createdAt, Math.max(1, Math.floor(bounds.maxPerUser)), Math.max(0, Math.floor(bounds.maxTotal)), owner];
      const [status, ...dropped] = (await addScript.run(client, keys, args)) as string[];
      if (status === 'full') return 'full';
      if (status === 'ok') return { dropped };
      // Another registration of the same endpoint moved it in between: read its owner again.
      if (attempt >= 5) throw new Error('RedisPushStore: the endpoint kept changing owner');
    }
  }

  async removePushSubscription(userId: string, endpoint: string): Promise<boolean> {
    return Number(await removeScript.run(await this.client(), [this.ownerKey(), this.recordsKey(), this.userKey(userId)], [endpoint, userId])) === 1;
  }

  async pushSubscriptions(userId: string): Promise<StoredPushSubscription[]> {
    const reply = (await listScript.run(await this.client(), [this.recordsKey(), this.userKey(userId)], [])) as string[];
    const out: StoredPushSubscription[] = [];
    for (let i = 0; i < reply.length; i += 2) out.push({ ...(JSON.parse(reply[i]!) as Omit<StoredPushSubscription, 'createdAt'>), createdAt: Number(reply[i + 1]) });
    return out;
  }

  async pushSubscriptionCount(): Promise<number> {
    return (await this.client()).hlen(this.ownerKey());
  }

  async connectSession(userId: string, sessionId: string): Promise<void> {
    await this.live.add(userId, userId, sessionId);
  }

  async disconnectSession(userId: string, sessionId: string): Promise<void> {
    await this.live.remove(userId, userId, sessionId);
  }

  isConnected(userId: string): Promise<boolean> {
    return this.live.has(userId, userId);
  }

  close(): void {
    this.live.close();
  }
}
