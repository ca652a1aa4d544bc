import type { Redis } from 'ioredis';
import type { RedisStore } from '../../redis/redisStore';
import { Script } from '../../redis/redisScripts';
import { KeyedQueue } from '../../store/keyedQueue';
import type { ChosenAgentStatus } from '@sinyal/protocol/schema';
import type { ActivityKind, PresenceStore, UserPresenceRecord } from './store';

/** Options of {@link RedisPresenceStore}. */
export interface RedisPresenceStoreOptions {
  /**
   * How long a session's viewer and online membership outlives its node: the node refreshes
   * what it added every `ttlMs / 3`, so a node that dies without cleaning up (kill -9, lost
   * host) stops counting within `ttlMs`. The presence feature also re-reads the counts its
   * members watch this often, so the drop is announced.
   * @default 30000
   */
  ttlMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Activity counters outlive their window by this much (a write late in a window keeps it to its end). */
const ACTIVITY_MARGIN_MS = 60 * 60 * 1000;
/** Members per refresh script call. */
const REFRESH_CHUNK = 500;
const DEFAULT_AGENT = JSON.stringify({ status: 'online', availableAt: null });

// Shared Lua helpers. Times come from Redis (TIME), so nodes' clocks never disagree about
// expiry; they are written with %.0f, never through Lua's 14-digit number printing.
const LUA_COMMON = `
if redis.replicate_commands then redis.replicate_commands() end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt(n) return string.format('%.0f', n) end
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end`;

/**
 * Viewers of one property: KEYS[1] zset of members '<byte length of userId>:<userId><sessionId>'
 * scored by expiry, KEYS[2] hash userId → that user's live sessions. Purging expired members
 * fixes the hash, so HLEN is the number of unique users viewing.
 */
const LUA_VIEWERS = `${LUA_COMMON}
local function userOf(member)
  local colon = string.find(member, ':', 1, true)
  local n = tonumber(string.sub(member, 1, colon - 1))
  return string.sub(member, colon + 1, colon + n)
end
local function purge(now)
  local cutoff = fmt(now)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  for _, member in ipairs(expired) do
    local user = userOf(member)
    if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then redis.call('HDEL', KEYS[2], user) end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff) end
end
local function drop(member, user)
  if redis.call('ZREM', KEYS[1], member) == 1 and redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then
    redis.call('HDEL', KEYS[2], user)
  end
end`;

/** ARGV: member, userId, ttlMs. Returns the unique viewers after adding. */
const ADD_VIEWER = `${LUA_VIEWERS}
local now = nowMs()
purge(now)
local ttl = tonumber(ARGV[3])
if redis.call('ZADD', KEYS[1], fmt(now + ttl), ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], ARGV[2], 1) end
extend(KEYS[1], 2 * ttl)
extend(KEYS[2], 2 * ttl)
return redis.call('HLEN', KEYS[2])`;

/** ARGV: member, userId. Returns the unique viewers after removing. */
const REMOVE_VIEWER = `${LUA_VIEWERS}
purge(nowMs())
drop(ARGV[1], ARGV[2])
return redis.call('HLEN', KEYS[2])`;

/** Returns the unique viewers. */
const VIEWER_COUNT = `${LUA_VIEWERS}
purge(nowMs())
return redis.call('HLEN', KEYS[2])`;

/** ARGV: userId. Returns 1 when a live session of the user views the property. */
const IS_VIEWING = `${LUA_VIEWERS}
purge(nowMs())
return redis.call('HEXISTS', KEYS[2], ARGV[1])`;

/**
 * KEYS[1]: a zset of members scored by expiry (viewers or a user's sessions), KEYS[2]: a
 * key sharing its TTL, or none. ARGV: ttlMs, key TTL ms (0 = none), members. Pushes the
 * expiry of the members still there (expired or not: an expired member not purged yet is
 * still counted everywhere, so reviving it keeps the counts right); returns the missing ones.
 */
const REFRESH = `${LUA_COMMON}
local expiry = fmt(nowMs() + tonumber(ARGV[1]))
local keyTtl = tonumber(ARGV[2])
local missing = {}
local refreshed = false
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], expiry, ARGV[i])
    refreshed = true
  else
    missing[#missing + 1] = ARGV[i]
  end
end
if refreshed and keyTtl > 0 then
  for _, key in ipairs(KEYS) do extend(key, keyTtl) end
end
return missing`;

/**
 * A user: KEYS[1] hash (lastSeen, agent JSON), KEYS[2] zset of session ids scored by expiry.
 * When the last session expires, lastSeen becomes its expiry time.
 */
const LUA_USER = `${LUA_COMMON}
local function purge(now)
  local cutoff = fmt(now)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'WITHSCORES')
  if #expired == 0 then return false end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
  return expired[#expired]
end
local function expire(now)
  local last = purge(now)
  if last and redis.call('ZCARD', KEYS[2]) == 0 then redis.call('HSET', KEYS[1], 'lastSeen', last) end
end
local function record()
  return {redis.call('ZCARD', KEYS[2]), redis.call('HGET', KEYS[1], 'lastSeen'), redis.call('HGET', KEYS[1], 'agent')}
end`;

/** ARGV: sessionId, at, asAgent ('1'/'0'), default agent JSON, ttlMs. Returns the record. */
const CONNECT_SESSION = `${LUA_USER}
local now = nowMs()
expire(now)
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('HSET', KEYS[1], 'lastSeen', ARGV[2]) end
redis.call('ZADD', KEYS[2], fmt(now + tonumber(ARGV[5])), ARGV[1])
if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[1], 'agent') == 0 then redis.call('HSET', KEYS[1], 'agent', ARGV[4]) end
return record()`;

/** ARGV: sessionId, at. Returns the record. */
const DISCONNECT_SESSION = `${LUA_USER}
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
local last = purge(nowMs())
if redis.call('ZCARD', KEYS[2]) == 0 then
  if removed == 1 then redis.call('HSET', KEYS[1], 'lastSeen', ARGV[2])
  elseif last then redis.call('HSET', KEYS[1], 'lastSeen', last) end
end
return record()`;

/** Returns the record. */
const GET_USER = `${LUA_USER}
expire(nowMs())
return record()`;

/** ARGV: agent JSON. Returns the record. */
const SET_AGENT_STATUS = `${LUA_USER}
expire(nowMs())
redis.call('HSET', KEYS[1], 'agent', ARGV[1])
return record()`;

/**
 * KEYS[1]: hash {w: window, i: its index, c: count}, KEYS[2]: set of actors counted in it.
 * ARGV: window, index, hasActor ('1'/'0'), actor, ttlMs. A newer window replaces the held
 * one; an older one is refused. Returns 1 when this call counted.
 */
const RECORD_ACTIVITY = `
local held = redis.call('HGET', KEYS[1], 'w')
if held ~= ARGV[1] then
  if held then
    local heldIndex = tonumber(redis.call('HGET', KEYS[1], 'i'))
    local index = tonumber(ARGV[2])
    if heldIndex and index and index < heldIndex then return 0 end
  end
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], 'w', ARGV[1], 'i', ARGV[2], 'c', 0)
end
if ARGV[3] == '1' then
  if redis.call('SADD', KEYS[2], ARGV[4]) == 0 then return 0 end
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
redis.call('HINCRBY', KEYS[1], 'c', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

const addViewerScript = new Script(ADD_VIEWER);
const removeViewerScript = new Script(REMOVE_VIEWER);
const viewerCountScript = new Script(VIEWER_COUNT);
const isViewingScript = new Script(IS_VIEWING);
const refreshScript = new Script(REFRESH);
const connectScript = new Script(CONNECT_SESSION);
const disconnectScript = new Script(DISCONNECT_SESSION);
const getUserScript = new Script(GET_USER);
const setAgentScript = new Script(SET_AGENT_STATUS);
const recordActivityScript = new Script(RECORD_ACTIVITY);

type RecordReply = [number, string | null, string | null];

function toRecord([sessions, lastSeen, agent]: RecordReply): UserPresenceRecord {
  return {
    sessions: Number(sessions),
    lastSeen: lastSeen === null ? null : Number(lastSeen),
    agent: agent === null ? null : (JSON.parse(agent) as UserPresenceRecord['agent']),
  };
}

/** A viewers zset member: the user id (length-prefixed, so any id works) then the session id. */
function viewerMember(userId: string, sessionId: string): string {
  return `${Buffer.byteLength(userId)}:${userId}${sessionId}`;
}

/** The number after the last `:` of a window key, as `isOlder` of the memory store reads it. */
function windowIndex(window: string): string {
  return String(Number(window.slice(window.lastIndexOf(':') + 1)));
}

/** How long a window's counter must live: one window (`d:` a day, `w:` a week) plus a margin. */
function activityTtlMs(window: string): number {
  const length = window.startsWith('d:') ? DAY_MS : 7 * DAY_MS;
  return length + ACTIVITY_MARGIN_MS;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A {@link PresenceStore} in Redis, so the presence feature counts viewers, online users and
 * social proof across every node sharing one Redis (see docs/presence.md, "Several nodes").
 * Every method is one Lua script (atomic, EVALSHA with EVAL fallback) on the node's
 * {@link RedisStore} connection; a Redis outage rejects with `SinyalServerError('unavailable')`.
 *
 * Viewer and session membership are sorted sets scored by expiry time (Redis's clock). The
 * store remembers what it added and pushes those expiries every `ttlMs / 3` (re-adding any that
 * went missing: Redis flushed or restarted, or this node stalled past `ttlMs`), so a node that
 * dies without cleaning up stops counting within `ttlMs`: every script purges expired members
 * first. A user whose last session expired is offline with `lastSeen` = that expiry.
 * Activity counters expire one window (plus an hour) after their last write.
 *
 * @example
 * ```ts
 * const redis = new RedisStore({ url: process.env.REDIS_URL });
 * const server = await createServer({ auth, store: redis, features: [presenceFeature({ store: new RedisPresenceStore(redis) })] });
 * // the feature closes the presence store when the server closes; then: await redis.close();
 * ```
 */
export class RedisPresenceStore implements PresenceStore {
  /** The `ttlMs` option: how long a dead node's memberships outlive it (the feature recounts this often). */
  readonly membershipTtlMs: number;
  private readonly refreshMs: number;
  private readonly prefix: string;
  /** Orders this node's writes per (entity, session), so a re-add never overtakes a removal. */
  private readonly queue = new KeyedQueue();
  /** What this node added and still refreshes: propertyId → member → userId. */
  private readonly viewers = new Map<string, Map<string, string>>();
  /** userId → sessionId → asAgent. */
  private readonly sessions = new Map<string, Map<string, boolean>>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;

  constructor(
    private readonly redis: RedisStore,
    options: RedisPresenceStoreOptions = {},
  ) {
    const ttlMs = options.ttlMs ?? 30_000;
    if (!(Number.isInteger(ttlMs) && ttlMs >= 30)) throw new TypeError('RedisPresenceStore: ttlMs must be an integer of at least 30');
    this.membershipTtlMs = ttlMs;
    this.refreshMs = Math.floor(ttlMs / 3);
    this.prefix = `${redis.keys.prefix}presence:`;
  }

  private viewerKeys(propertyId: string): [string, string] {
    const zset = `${this.prefix}viewers:{${propertyId}}`;
    return [zset, `${zset}:users`];
  }

  private userKeys(userId: string): [string, string] {
    const hash = `${this.prefix}user:{${userId}}`;
    return [hash, `${hash}:sessions`];
  }

  private activityKeys(kind: ActivityKind, propertyId: string): [string, string] {
    const hash = `${this.prefix}activity:{${propertyId}}:${kind}`;
    return [hash, `${hash}:actors`];
  }

  private client(): Promise<Redis> {
    return this.redis.connection.get();
  }

  async addViewer(propertyId: string, userId: string, sessionId: string): Promise<number> {
    const member = viewerMember(userId, sessionId);
    let members = this.viewers.get(propertyId);
    if (!members) this.viewers.set(propertyId, (members = new Map()));
    members.set(member, userId);
    this.startRefreshing();
    return this.queue.run(`v\n${propertyId}\n${member}`, () => this.runAddViewer(propertyId, userId, member));
  }

  private async runAddViewer(propertyId: string, userId: string, member: string): Promise<number> {
    return Number(await addViewerScript.run(await this.client(), this.viewerKeys(propertyId), [member, userId, this.membershipTtlMs]));
  }

  async removeViewer(propertyId: string, userId: string, sessionId: string): Promise<number> {
    const member = viewerMember(userId, sessionId);
    const members = this.viewers.get(propertyId);
    if (members?.delete(member) && members.size === 0) this.viewers.delete(propertyId);
    return this.queue.run(`v\n${propertyId}\n${member}`, async () =>
      Number(await removeViewerScript.run(await this.client(), this.viewerKeys(propertyId), [member, userId])),
    );
  }

  async viewerCount(propertyId: string): Promise<number> {
    return Number(await viewerCountScript.run(await this.client(), this.viewerKeys(propertyId), []));
  }

  async isViewing(propertyId: string, userId: string): Promise<boolean> {
    return Number(await isViewingScript.run(await this.client(), this.viewerKeys(propertyId), [userId])) === 1;
  }

  async connectSession(userId: string, sessionId: string, at: number, asAgent: boolean): Promise<UserPresenceRecord> {
    let sessions = this.sessions.get(userId);
    if (!sessions) this.sessions.set(userId, (sessions = new Map()));
    sessions.set(sessionId, asAgent);
    this.startRefreshing();
    return this.queue.run(`s\n${userId}\n${sessionId}`, () => this.runConnect(userId, sessionId, at, asAgent));
  }

  private async runConnect(userId: string, sessionId: string, at: number, asAgent: boolean): Promise<UserPresenceRecord> {
    const args = [sessionId, String(at), asAgent ? '1' : '0', DEFAULT_AGENT, this.membershipTtlMs];
    return toRecord((await connectScript.run(await this.client(), this.userKeys(userId), args)) as RecordReply);
  }

  async disconnectSession(userId: string, sessionId: string, at: number): Promise<UserPresenceRecord> {
    const sessions = this.sessions.get(userId);
    if (sessions?.delete(sessionId) && sessions.size === 0) this.sessions.delete(userId);
    return this.queue.run(`s\n${userId}\n${sessionId}`, async () =>
      toRecord((await disconnectScript.run(await this.client(), this.userKeys(userId), [sessionId, String(at)])) as RecordReply),
    );
  }

  async getUser(userId: string): Promise<UserPresenceRecord> {
    return toRecord((await getUserScript.run(await this.client(), this.userKeys(userId), [])) as RecordReply);
  }

  async setAgentStatus(userId: string, status: ChosenAgentStatus, availableAt: number | null): Promise<UserPresenceRecord> {
    const agent = JSON.stringify({ status, availableAt });
    return toRecord((await setAgentScript.run(await this.client(), this.userKeys(userId), [agent])) as RecordReply);
  }

  async recordActivity(kind: ActivityKind, propertyId: string, window: string, actor: string | undefined): Promise<boolean> {
    const args = [window, windowIndex(window), actor === undefined ? '0' : '1', actor ?? '', activityTtlMs(window)];
    return Number(await recordActivityScript.run(await this.client(), this.activityKeys(kind, propertyId), args)) === 1;
  }

  async activityCount(kind: ActivityKind, propertyId: string, window: string): Promise<number> {
    const [held, count] = await (await this.client()).hmget(this.activityKeys(kind, propertyId)[0], 'w', 'c');
    return held === window ? Number(count ?? 0) : 0;
  }

  /**
   * Stops refreshing this node's memberships and forgets them: unless removed, they expire
   * within `ttlMs`. The store stays usable (removals still work; a later add refreshes again).
   * The presence feature calls it when its server stops; the {@link RedisStore} stays open.
   */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.viewers.clear();
    this.sessions.clear();
  }

  private startRefreshing(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  /** Pushes the expiry of everything this node added; re-adds what went missing. Failures wait for the next round. */
  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const client = await this.client();
      const ttl = this.membershipTtlMs;
      const runs: Array<Promise<unknown>> = [];
      for (const [propertyId, members] of this.viewers) {
        for (const chunk of chunks([...members.keys()], REFRESH_CHUNK)) {
          runs.push(
            refreshScript.run(client, this.viewerKeys(propertyId), [ttl, 2 * ttl, ...chunk]).then((missing) => {
              for (const member of missing as string[]) this.readdViewer(propertyId, member);
            }),
          );
        }
      }
      for (const [userId, sessions] of this.sessions) {
        for (const chunk of chunks([...sessions.keys()], REFRESH_CHUNK)) {
          runs.push(
            refreshScript.run(client, [this.userKeys(userId)[1]], [ttl, 0, ...chunk]).then((missing) => {
              for (const sessionId of missing as string[]) this.readdSession(userId, sessionId);
            }),
          );
        }
      }
      await Promise.allSettled(runs);
    } catch {
      // Redis unreachable: the next round tries again (and re-adds whatever expired meanwhile).
    } finally {
      this.refreshing = false;
    }
  }

  /** Re-adds a viewer this node still has, behind any add/remove of it already under way. */
  private readdViewer(propertyId: string, member: string): void {
    void this.queue
      .run(`v\n${propertyId}\n${member}`, async () => {
        const userId = this.viewers.get(propertyId)?.get(member);
        if (userId !== undefined) await this.runAddViewer(propertyId, userId, member);
      })
      .catch(() => {});
  }

  private readdSession(userId: string, sessionId: string): void {
    void this.queue
      .run(`s\n${userId}\n${sessionId}`, async () => {
        const asAgent = this.sessions.get(userId)?.get(sessionId);
        if (asAgent !== undefined) await this.runConnect(userId, sessionId, Date.now(), asAgent);
      })
      .catch(() => {});
  }
}
