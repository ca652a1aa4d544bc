import type { Redis } from 'ioredis';
import { ExpiringMembers } from '../../redis/expiringMembers';
import { MemberRefresher } from '../../redis/memberRefresher';
import type { RedisStore } from '../../redis/redisStore';
import { REDIS_CLOCK_FUNCTIONS, Script } from '../../redis/redisScripts';
import type { ChosenAgentStatus } from '@sinyal/protocol/schema';
import type { ActivityKind, PresenceStore, SessionIdleChange, UserPresenceRecord } from './store';

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
const DEFAULT_AGENT = JSON.stringify({ status: 'online', availableAt: null });

/**
 * A user: KEYS[1] hash (lastSeen, agent JSON), KEYS[2] zset of session ids scored by expiry,
 * KEYS[3] set of the session ids flagged idle. When the last session expires, lastSeen becomes
 * its expiry time; an expired session's idle flag goes with it, and only flags of sessions in
 * KEYS[2] are counted.
 */
const LUA_USER = `${REDIS_CLOCK_FUNCTIONS}
local function purge(now)
  local cutoff = fmt_ms(now)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'WITHSCORES')
  if #expired == 0 then return false end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
  for i = 1, #expired, 2 do redis.call('SREM', KEYS[3], expired[i]) end
  return expired[#expired]
end
local function expire(now)
  local last = purge(now)
  if last and redis.call('ZCARD', KEYS[2]) == 0 then redis.call('HSET', KEYS[1], 'lastSeen', last) end
end
local function idle_sessions()
  local count = 0
  for _, session in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    if redis.call('ZSCORE', KEYS[2], session) then count = count + 1 end
  end
  return count
end
local function record()
  return {redis.call('ZCARD', KEYS[2]), redis.call('HGET', KEYS[1], 'lastSeen'), redis.call('HGET', KEYS[1], 'agent'), idle_sessions()}
end`;

/** ARGV: sessionId, at, asAgent ('1'/'0'), default agent JSON, ttlMs, idle ('1'/'0': a re-add keeps the flag). Returns the record. */
const CONNECT_SESSION = `${LUA_USER}
local now = redis_now_ms()
expire(now)
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('HSET', KEYS[1], 'lastSeen', ARGV[2]) end
redis.call('ZADD', KEYS[2], fmt_ms(now + tonumber(ARGV[5])), ARGV[1])
if ARGV[6] == '1' then redis.call('SADD', KEYS[3], ARGV[1]) else redis.call('SREM', KEYS[3], ARGV[1]) end
if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[1], 'agent') == 0 then redis.call('HSET', KEYS[1], 'agent', ARGV[4]) end
return record()`;

/** ARGV: sessionId, at. Returns the record. */
const DISCONNECT_SESSION = `${LUA_USER}
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
local last = purge(redis_now_ms())
if redis.call('ZCARD', KEYS[2]) == 0 then
  if removed == 1 then redis.call('HSET', KEYS[1], 'lastSeen', ARGV[2])
  elseif last then redis.call('HSET', KEYS[1], 'lastSeen', last) end
end
return record()`;

/** ARGV: sessionId, idle ('1'/'0'). Flags a connected session only. Returns the record and 1 when the flag changed. */
const SET_SESSION_IDLE = `${LUA_USER}
expire(redis_now_ms())
local changed = 0
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  if ARGV[2] == '1' then changed = redis.call('SADD', KEYS[3], ARGV[1]) else changed = redis.call('SREM', KEYS[3], ARGV[1]) end
end
local reply = record()
reply[5] = changed
return reply`;

/** Returns the record. */
const GET_USER = `${LUA_USER}
expire(redis_now_ms())
return record()`;

/** ARGV: agent JSON. Returns the record. */
const SET_AGENT_STATUS = `${LUA_USER}
expire(redis_now_ms())
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

const connectScript = new Script(CONNECT_SESSION);
const disconnectScript = new Script(DISCONNECT_SESSION);
const setSessionIdleScript = new Script(SET_SESSION_IDLE);
const getUserScript = new Script(GET_USER);
const setAgentScript = new Script(SET_AGENT_STATUS);
const recordActivityScript = new Script(RECORD_ACTIVITY);

type RecordReply = [number, string | null, string | null, number];

/** What this node remembers of each of its sessions, to add it again as it was (see `MemberRefresher`). */
interface HeldSession {
  asAgent: boolean;
  idle: boolean;
}

function toRecord([sessions, lastSeen, agent, idleSessions]: RecordReply): UserPresenceRecord {
  return {
    sessions: Number(sessions),
    idleSessions: Number(idleSessions),
    lastSeen: lastSeen === null ? null : Number(lastSeen),
    agent: agent === null ? null : (JSON.parse(agent) as UserPresenceRecord['agent']),
  };
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
 * first. Viewers are an {@link ExpiringMembers} (the same structure as the users in an auction
 * room); a user's sessions are kept alive by a {@link MemberRefresher}, and a user whose last
 * session expired is offline with `lastSeen` = that expiry. A session's idle flag lives in a
 * set beside the sessions and goes when its session is removed or expires; a re-added session
 * gets its flag back.
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
  private readonly prefix: string;
  /** Viewers per property: distinct users, this node's sessions kept alive. */
  private readonly viewers: ExpiringMembers;
  /** This node's sessions per user (member: session id, data: agent and idle flags), kept alive and re-added as they were. */
  private readonly sessions: MemberRefresher<HeldSession>;

  constructor(
    private readonly redis: RedisStore,
    options: RedisPresenceStoreOptions = {},
  ) {
    const ttlMs = options.ttlMs ?? 30_000;
    if (!(Number.isInteger(ttlMs) && ttlMs >= 30)) throw new TypeError('RedisPresenceStore: ttlMs must be an integer of at least 30');
    this.membershipTtlMs = ttlMs;
    this.prefix = `${redis.keys.prefix}presence:`;
    this.viewers = new ExpiringMembers(redis, {
      ttlMs,
      keys: (propertyId) => {
        const members = `${this.prefix}viewers:{${propertyId}}`;
        return { members, users: `${members}:users` };
      },
    });
    this.sessions = new MemberRefresher<HeldSession>(redis, {
      ttlMs,
      keys: (userId) => [this.userKeys(userId)[1]],
      keyTtlMs: 0,
      readd: (userId, sessionId, held) => this.runConnect(userId, sessionId, Date.now(), held),
    });
  }

  /** The user's hash, session zset and idle set (one hash tag: one cluster slot). */
  private userKeys(userId: string): [string, string, string] {
    const hash = `${this.prefix}user:{${userId}}`;
    return [hash, `${hash}:sessions`, `${hash}:idle`];
  }

  private activityKeys(kind: ActivityKind, propertyId: string): [string, string] {
    const hash = `${this.prefix}activity:{${propertyId}}:${kind}`;
    return [hash, `${hash}:actors`];
  }

  private client(): Promise<Redis> {
    return this.redis.connection.get();
  }

  addViewer(propertyId: string, userId: string, sessionId: string): Promise<number> {
    return this.viewers.add(propertyId, userId, sessionId);
  }

  removeViewer(propertyId: string, userId: string, sessionId: string): Promise<number> {
    return this.viewers.remove(propertyId, userId, sessionId);
  }

  viewerCount(propertyId: string): Promise<number> {
    return this.viewers.count(propertyId);
  }

  isViewing(propertyId: string, userId: string): Promise<boolean> {
    return this.viewers.has(propertyId, userId);
  }

  connectSession(userId: string, sessionId: string, at: number, asAgent: boolean): Promise<UserPresenceRecord> {
    const held = { asAgent, idle: false };
    return this.sessions.add(userId, sessionId, held, () => this.runConnect(userId, sessionId, at, held));
  }

  private async runConnect(userId: string, sessionId: string, at: number, { asAgent, idle }: HeldSession): Promise<UserPresenceRecord> {
    const args = [sessionId, String(at), asAgent ? '1' : '0', DEFAULT_AGENT, this.membershipTtlMs, idle ? '1' : '0'];
    return toRecord((await connectScript.run(await this.client(), this.userKeys(userId), args)) as RecordReply);
  }

  setSessionIdle(userId: string, sessionId: string, idle: boolean): Promise<SessionIdleChange> {
    // This node's copy follows, so a re-add after Redis lost the session restores the flag too.
    return this.sessions.update(userId, sessionId, (held) => ({ ...held, idle }), async () => {
      const reply = (await setSessionIdleScript.run(await this.client(), this.userKeys(userId), [sessionId, idle ? '1' : '0'])) as [...RecordReply, number];
      return { changed: Number(reply[4]) === 1, record: toRecord(reply.slice(0, 4) as RecordReply) };
    });
  }

  disconnectSession(userId: string, sessionId: string, at: number): Promise<UserPresenceRecord> {
    return this.sessions.remove(userId, sessionId, async () =>
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
    this.viewers.close();
    this.sessions.close();
  }
}
