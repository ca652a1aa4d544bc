import type { Redis } from 'ioredis';
import type { Notification, NotificationPreferences, SavedSearch } from '@sinyal/protocol/schema';
import type { RedisStore } from '../../redis/redisStore';
import { Script } from '../../redis/redisScripts';
import { windowIndex, type RateWindow } from './rateWindows';
import { scheduledMember } from './scheduledMember';
import type { DeliveryLane, HeldLane, InboxCursor, NotificationStore, ScheduledMatch, ScheduledNotification, ScheduleResult } from './store';

// Notifications, searches and preferences are stored as the JSON JavaScript wrote; the scripts
// move those strings around but never decode and re-encode them (Lua's cjson would print
// numbers with 14 significant digits). Timestamps go in as decimal strings.

/**
 * KEYS: inbox zset (id scored by createdAt: Redis orders equal scores by id, so ZREVRANGE is
 * newest first, `createdAt` then `id` descending), items hash (id → JSON), unread set, readAt
 * hash (id → readAt set by markRead). ARGV: maxInbox, then per item: id, createdAt, JSON,
 * unread ('1'/'0'). Ids already in the inbox are skipped; the oldest beyond maxInbox drop out.
 */
const SAVE_DELIVERED = `
for i = 2, #ARGV, 4 do
  local id = ARGV[i]
  if not redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], ARGV[i + 1], id)
    redis.call('HSET', KEYS[2], id, ARGV[i + 2])
    if ARGV[i + 3] == '1' then redis.call('SADD', KEYS[3], id) end
  end
end
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if extra > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, extra - 1)) do
    redis.call('HDEL', KEYS[2], id)
    redis.call('SREM', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1)
end
return 0`;

/**
 * KEYS: inbox zset, items hash, readAt hash. ARGV: limit, hasCursor ('1'/'0'), cursor
 * createdAt, cursor id. Returns {hasMore, json1, readAt1 or nil, json2, …}: the page of
 * items strictly older than the cursor (ids compared bytewise, as Redis orders them).
 */
const LIST = `
local function less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local total = redis.call('ZCARD', KEYS[1])
local start = 0
if ARGV[2] == '1' then
  start = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[3], '+inf')
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[3], ARGV[3])) do
    if not less(id, ARGV[4]) then start = start + 1 end
  end
end
local limit = tonumber(ARGV[1])
local out = {0}
if start >= total then return out end
if start + limit < total then out[1] = 1 end
if limit <= 0 then return out end
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], start, start + limit - 1)) do
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
  out[#out + 1] = redis.call('HGET', KEYS[3], id)
end
return out`;

/** KEYS: inbox zset, unread set, readAt hash. ARGV: readAt, ids. Returns the ids that were unread, in inbox order. */
const MARK_READ = `
local changed = {}
for i = 2, #ARGV do
  if redis.call('SREM', KEYS[2], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[1])
    changed[#changed + 1] = {redis.call('ZREVRANK', KEYS[1], ARGV[i]), ARGV[i]}
  end
end
table.sort(changed, function(a, b) return a[1] < b[1] end)
local ids = {}
for i, entry in ipairs(changed) do ids[i] = entry[2] end
return ids`;

/** KEYS: unread set, readAt hash. ARGV: readAt. Returns how many were unread. */
const MARK_ALL_READ = `
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do redis.call('HSET', KEYS[2], id, ARGV[1]) end
redis.call('DEL', KEYS[1])
return #ids`;

/**
 * KEYS: due zset (member `<lane>:<userId>` scored by due time), held hash (member → the lane's
 * items, one JSON per line). ARGV: member, dueAt, JSON lines. Returns the lane's due time.
 */
const HOLD = `
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then
  if ARGV[3] ~= '' then
    if held ~= '' then held = held .. '\\n' .. ARGV[3] else held = ARGV[3] end
    redis.call('HSET', KEYS[2], ARGV[1], held)
  end
  local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
  if due and tonumber(due) <= tonumber(ARGV[2]) then return due end
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return ARGV[2]`;

/** KEYS: due zset, held hash. ARGV: now. Removes and returns every due lane: {member, dueAt, JSON lines, …}. */
const TAKE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES')
local out = {}
for i = 1, #due, 2 do
  out[#out + 1] = due[i]
  out[#out + 1] = due[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], due[i]) or ''
  redis.call('HDEL', KEYS[2], due[i])
end
if #due > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) end
return out`;

// Scheduled notifications: a due zset (member scored by `at`), a hash (member → the
// ScheduledNotification's JSON) and a lexicographic index (every member with score 0), where
// one user's keys — or those of them starting with a prefix — are one ZRANGEBYLEX range.
// Members are scheduledMember(userId, key); keys are printable ASCII, so '\255' ends a range.

/**
 * KEYS: due zset, items hash, key index. ARGV: member, at, JSON, maxPerUser, the user's member
 * prefix, onlyIfAbsent ('1'/'0'). Returns 'added', 'replaced', 'kept' or 'full'.
 */
const SCHEDULE = `
local exists = redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1
if exists and ARGV[6] == '1' then return 'kept' end
if not exists and redis.call('ZLEXCOUNT', KEYS[3], '[' .. ARGV[5], '[' .. ARGV[5] .. '\\255') >= tonumber(ARGV[4]) then return 'full' end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
if exists then return 'replaced' end
return 'added'`;

/**
 * KEYS: due zset, items hash, key index. ARGV: the user's member prefix, '1' for a prefix match
 * ('0': one key), the key or key prefix. Removes the matches; returns their keys, bytewise sorted.
 */
const CANCEL_SCHEDULED = `
local first = ARGV[1] .. ARGV[3]
local members
if ARGV[2] == '1' then
  members = redis.call('ZRANGEBYLEX', KEYS[3], '[' .. first, '[' .. first .. '\\255')
elseif redis.call('HEXISTS', KEYS[2], first) == 1 then
  members = {first}
else
  members = {}
end
local keys = {}
for i, member in ipairs(members) do
  redis.call('ZREM', KEYS[1], member)
  redis.call('HDEL', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
  keys[i] = string.sub(member, #ARGV[1] + 1)
end
return keys`;

/** KEYS: items hash, key index. ARGV: the user's member prefix. Returns the JSON of each of the user's scheduled notifications. */
const SCHEDULED_FOR = `
local out = {}
for _, member in ipairs(redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ARGV[1], '[' .. ARGV[1] .. '\\255')) do
  local json = redis.call('HGET', KEYS[1], member)
  if json then out[#out + 1] = json end
end
return out`;

/**
 * KEYS: due zset, items hash, key index. ARGV: now, limit. Removes and returns (JSON) up to
 * limit scheduled notifications due at now, soonest first (then by member, as ZRANGEBYSCORE orders).
 */
const TAKE_DUE_SCHEDULED = `
local out = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))) do
  local json = redis.call('HGET', KEYS[2], member)
  if json then out[#out + 1] = json end
  redis.call('ZREM', KEYS[1], member)
  redis.call('HDEL', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
end
return out`;

/**
 * KEYS: one counter per window (the window the call falls in). ARGV: wanted, force ('1'/'0'),
 * then per window: max, TTL ms. Grants what every window allows (all with force), counts it.
 */
const CONSUME_QUOTA = `
local granted = tonumber(ARGV[1])
if ARGV[2] ~= '1' then
  for i, key in ipairs(KEYS) do
    local left = tonumber(ARGV[1 + 2 * i]) - tonumber(redis.call('GET', key) or '0')
    if left < granted then granted = left end
  end
  if granted < 0 then granted = 0 end
end
granted = math.floor(granted)
if granted > 0 then
  for i, key in ipairs(KEYS) do
    redis.call('INCRBY', key, granted)
    redis.call('PEXPIRE', key, ARGV[2 + 2 * i])
  end
end
return granted`;

/**
 * KEYS: the user's searches hash (id → JSON), their order list, the city index zset.
 * ARGV: maxPerUser, id, JSON, index member, createdAt. Returns 1 when saved.
 */
const ADD_SEARCH = `
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
return 1`;

/** KEYS: searches hash, order list, city index zset. ARGV: id, index member. Returns 1 when it existed. */
const REMOVE_SEARCH = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('LREM', KEYS[2], 1, ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1`;

/** KEYS: searches hash, order list. Returns the JSON of each search, in the order saved. */
const SAVED_SEARCHES = `
local out = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local json = redis.call('HGET', KEYS[1], id)
  if json then out[#out + 1] = json end
end
return out`;

const saveDeliveredScript = new Script(SAVE_DELIVERED);
const listScript = new Script(LIST);
const markReadScript = new Script(MARK_READ);
const markAllReadScript = new Script(MARK_ALL_READ);
const holdScript = new Script(HOLD);
const takeDueScript = new Script(TAKE_DUE);
const consumeQuotaScript = new Script(CONSUME_QUOTA);
const scheduleScript = new Script(SCHEDULE);
const cancelScheduledScript = new Script(CANCEL_SCHEDULED);
const scheduledForScript = new Script(SCHEDULED_FOR);
const takeDueScheduledScript = new Script(TAKE_DUE_SCHEDULED);
const addSearchScript = new Script(ADD_SEARCH);
const removeSearchScript = new Script(REMOVE_SEARCH);
const savedSearchesScript = new Script(SAVED_SEARCHES);

/** A quota counter outlives its window by this much at least (nodes' clocks differ a little). */
const QUOTA_MARGIN_MS = 60_000;

/** A city index member: the user id (length-prefixed, so any id works) then the search id. */
function indexMember(userId: string, searchId: string): string {
  return `${Buffer.byteLength(userId)}:${userId}${searchId}`;
}

function parseIndexMember(member: string): { userId: string; searchId: string } {
  const colon = member.indexOf(':');
  const bytes = Buffer.from(member.slice(colon + 1));
  const length = Number(member.slice(0, colon));
  return { userId: bytes.subarray(0, length).toString(), searchId: bytes.subarray(length).toString() };
}

const byCreatedAt = (a: Notification, b: Notification) => a.createdAt - b.createdAt;

/**
 * A {@link NotificationStore} in Redis, so several nodes can run the notification feature
 * on one Redis (see docs/notification.md, "Several nodes"). Every method is one atomic step
 * (a Lua script, EVALSHA with EVAL fallback, or a single command) on the node's
 * {@link RedisStore} connection; a Redis outage rejects with `SinyalServerError('unavailable')`.
 *
 * - Inbox: a sorted set per user (id scored by `createdAt`), the JSON in a hash, an unread set
 *   and the `readAt` of read marks; trimmed to `maxInbox` in the same script that adds.
 * - Held lanes: one hash of lanes and one sorted set of their due times, so {@link RedisNotificationStore.takeDue} takes
 *   each due lane exactly once however many nodes tick at once.
 * - Scheduled notifications: one hash, one sorted set of due times and one key index for every
 *   user, so {@link RedisNotificationStore.takeDueScheduled} fires each exactly once however many
 *   nodes tick at once, and they survive a node's restart.
 * - Rate limits: a counter per (user, window) with a TTL to the window's end, checked and counted in one script.
 * - Preferences as JSON; saved searches per user with an index by lower-cased city.
 *
 * @example
 * ```ts
 * const redis = new RedisStore({ url: process.env.REDIS_URL });
 * const notifications = notificationFeature({ store: new RedisNotificationStore(redis) });
 * const server = await createServer({ auth, store: redis, features: [notifications] });
 * ```
 */
export class RedisNotificationStore implements NotificationStore {
  private readonly prefix: string;

  constructor(private readonly redis: RedisStore) {
    this.prefix = `${redis.keys.prefix}notification:`;
  }

  private client(): Promise<Redis> {
    return this.redis.connection.get();
  }

  /** Inbox zset, items hash, unread set, readAt hash. */
  private inboxKeys(userId: string): [string, string, string, string] {
    const inbox = `${this.prefix}inbox:{${userId}}`;
    return [inbox, `${inbox}:items`, `${inbox}:unread`, `${inbox}:read`];
  }

  /** Due zset, held hash: every user's lanes, in one slot so {@link RedisNotificationStore.takeDue} is one script. */
  private heldKeys(): [string, string] {
    return [`${this.prefix}{held}:due`, `${this.prefix}{held}:lanes`];
  }

  /** Due zset, items hash, key index: every user's scheduled notifications, in one slot so {@link RedisNotificationStore.takeDueScheduled} is one script. */
  private scheduledKeys(): [string, string, string] {
    const base = `${this.prefix}{scheduled}`;
    return [`${base}:due`, `${base}:items`, `${base}:keys`];
  }

  private searchKeys(userId: string): [string, string] {
    const searches = `${this.prefix}searches:{${userId}}`;
    return [searches, `${searches}:order`];
  }

  /** The index of saved searches for `city` (lower-cased), or of those without a city. */
  private cityIndexKey(city: string | undefined): string {
    return city === undefined ? `${this.prefix}search-index:any` : `${this.prefix}search-index:city:${city.toLowerCase()}`;
  }

  async saveDelivered(userId: string, items: readonly Notification[], maxInbox: number): Promise<void> {
    const args: Array<string | number> = [Math.max(0, Math.floor(maxInbox))];
    for (const item of items) args.push(item.id, String(item.createdAt), JSON.stringify(item), item.readAt === undefined ? '1' : '0');
    await saveDeliveredScript.run(await this.client(), this.inboxKeys(userId), args);
  }

  async list(userId: string, page: { limit: number; before?: InboxCursor }): Promise<{ items: Notification[]; hasMore: boolean }> {
    const [inbox, items, , read] = this.inboxKeys(userId);
    const { before } = page;
    const args = [Math.max(0, Math.floor(page.limit)), before ? '1' : '0', before ? String(before.createdAt) : '0', before?.id ?? ''];
    const [hasMore, ...rows] = (await listScript.run(await this.client(), [inbox, items, read], args)) as [number, ...Array<string | null>];
    const page_: Notification[] = [];
    for (let i = 0; i < rows.length; i += 2) {
      const json = rows[i];
      if (!json) continue;
      const item = JSON.parse(json) as Notification;
      const readAt = rows[i + 1];
      if (readAt !== null && readAt !== undefined) item.readAt = Number(readAt);
      page_.push(item);
    }
    return { items: page_, hasMore: hasMore === 1 };
  }

  async unreadCount(userId: string): Promise<number> {
    return (await this.client()).scard(this.inboxKeys(userId)[2]);
  }

  async markRead(userId: string, ids: readonly string[], readAt: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const [inbox, , unread, read] = this.inboxKeys(userId);
    return (await markReadScript.run(await this.client(), [inbox, unread, read], [String(readAt), ...ids])) as string[];
  }

  async markAllRead(userId: string, readAt: number): Promise<number> {
    const [, , unread, read] = this.inboxKeys(userId);
    return Number(await markAllReadScript.run(await this.client(), [unread, read], [String(readAt)]));
  }

  async hold(userId: string, lane: DeliveryLane, items: readonly Notification[], dueAt: number): Promise<number> {
    const lines = items.map((item) => JSON.stringify(item)).join('\n');
    return Number(await holdScript.run(await this.client(), this.heldKeys(), [`${lane}:${userId}`, String(dueAt), lines]));
  }

  async takeDue(now: number): Promise<HeldLane[]> {
    const reply = (await takeDueScript.run(await this.client(), this.heldKeys(), [String(now)])) as string[];
    const due: HeldLane[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      const member = reply[i]!;
      const colon = member.indexOf(':');
      const lines = reply[i + 2]!;
      const items = lines === '' ? [] : lines.split('\n').map((line) => JSON.parse(line) as Notification);
      due.push({ userId: member.slice(colon + 1), lane: member.slice(0, colon) as DeliveryLane, dueAt: Number(reply[i + 1]), items: items.sort(byCreatedAt) });
    }
    return due;
  }

  async schedule(entry: ScheduledNotification, options: { maxPerUser: number; onlyIfAbsent?: boolean }): Promise<ScheduleResult> {
    const json = JSON.stringify({ userId: entry.userId, key: entry.key, at: entry.at, notification: entry.notification });
    const args = [scheduledMember(entry.userId, entry.key), String(entry.at), json, String(options.maxPerUser), scheduledMember(entry.userId, ''), options.onlyIfAbsent ? '1' : '0'];
    return (await scheduleScript.run(await this.client(), this.scheduledKeys(), args)) as ScheduleResult;
  }

  async cancelScheduled(userId: string, match: ScheduledMatch): Promise<string[]> {
    const args = 'key' in match ? [scheduledMember(userId, ''), '0', match.key] : [scheduledMember(userId, ''), '1', match.prefix];
    return (await cancelScheduledScript.run(await this.client(), this.scheduledKeys(), args)) as string[];
  }

  async scheduledFor(userId: string): Promise<ScheduledNotification[]> {
    const [, items, index] = this.scheduledKeys();
    const rows = (await scheduledForScript.run(await this.client(), [items, index], [scheduledMember(userId, '')])) as string[];
    return rows.map((json) => JSON.parse(json) as ScheduledNotification).sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async takeDueScheduled(now: number, limit: number): Promise<ScheduledNotification[]> {
    const count = Math.max(0, Math.floor(limit));
    if (count === 0) return [];
    const rows = (await takeDueScheduledScript.run(await this.client(), this.scheduledKeys(), [String(now), String(count)])) as string[];
    return rows.map((json) => JSON.parse(json) as ScheduledNotification);
  }

  async scheduledCount(): Promise<number> {
    return (await this.client()).zcard(this.scheduledKeys()[0]);
  }

  async consumeQuota(userId: string, wanted: number, windows: readonly RateWindow[], now: number, force: boolean): Promise<number> {
    const keys: string[] = [];
    const args: Array<string | number> = [wanted, force ? '1' : '0'];
    for (const window of windows) {
      const index = windowIndex(window, now);
      keys.push(`${this.prefix}quota:{${userId}}:${window.windowMs}:${index}`);
      const end = (index + 1) * window.windowMs;
      args.push(window.max, Math.max(1, Math.ceil(end - now + Math.max(window.windowMs, QUOTA_MARGIN_MS))));
    }
    return Number(await consumeQuotaScript.run(await this.client(), keys, args));
  }

  async getPreferences(userId: string): Promise<NotificationPreferences | undefined> {
    const json = await (await this.client()).get(`${this.prefix}prefs:{${userId}}`);
    return json === null ? undefined : (JSON.parse(json) as NotificationPreferences);
  }

  async setPreferences(userId: string, preferences: NotificationPreferences): Promise<void> {
    await (await this.client()).set(`${this.prefix}prefs:{${userId}}`, JSON.stringify(preferences));
  }

  async addSavedSearch(userId: string, search: SavedSearch, maxPerUser: number): Promise<boolean> {
    const keys = [...this.searchKeys(userId), this.cityIndexKey(search.criteria.city)];
    const args = [maxPerUser, search.id, JSON.stringify(search), indexMember(userId, search.id), String(search.createdAt)];
    return Number(await addSearchScript.run(await this.client(), keys, args)) === 1;
  }

  async removeSavedSearch(userId: string, searchId: string): Promise<boolean> {
    const client = await this.client();
    const [searches] = this.searchKeys(userId);
    const json = await client.hget(searches, searchId);
    if (json === null) return false;
    // Searches never change once saved, so the index key read from the JSON stays right.
    const { criteria } = JSON.parse(json) as SavedSearch;
    const keys = [...this.searchKeys(userId), this.cityIndexKey(criteria.city)];
    return Number(await removeSearchScript.run(client, keys, [searchId, indexMember(userId, searchId)])) === 1;
  }

  async savedSearches(userId: string): Promise<SavedSearch[]> {
    const rows = (await savedSearchesScript.run(await this.client(), this.searchKeys(userId), [])) as string[];
    return rows.map((json) => JSON.parse(json) as SavedSearch);
  }

  async savedSearchCandidates(city: string): Promise<Array<{ userId: string; search: SavedSearch }>> {
    const client = await this.client();
    const [forCity, anyCity] = await Promise.all([
      client.zrange(this.cityIndexKey(city), 0, -1, 'WITHSCORES'),
      client.zrange(this.cityIndexKey(undefined), 0, -1, 'WITHSCORES'),
    ]);
    const entries: Array<{ userId: string; searchId: string; createdAt: number }> = [];
    for (const flat of [forCity, anyCity]) {
      for (let i = 0; i < flat.length; i += 2) entries.push({ ...parseIndexMember(flat[i]!), createdAt: Number(flat[i + 1]) });
    }
    entries.sort((a, b) => a.createdAt - b.createdAt);
    if (entries.length === 0) return [];
    // A search removed since the index was read is skipped.
    const jsons = await Promise.all(entries.map(({ userId, searchId }) => client.hget(this.searchKeys(userId)[0], searchId)));
    const candidates: Array<{ userId: string; search: SavedSearch }> = [];
    entries.forEach(({ userId }, i) => {
      const json = jsons[i];
      if (json) candidates.push({ userId, search: JSON.parse(json) as SavedSearch });
    });
    return candidates;
  }
}
