import { MemberRefresher } from './memberRefresher';
import { REDIS_CLOCK_FUNCTIONS, Script } from './redisScripts';
import type { RedisStore } from './redisStore';

/**
 * The sessions counted in one group (a property's viewers, an auction room): KEYS[1] sorted
 * set of members `<byte length of userId>:<userId><sessionId>` scored by expiry time, KEYS[2]
 * hash userId → that user's live sessions, KEYS[3] (optional) a key the group needs: while
 * it does not exist every script answers 0 and changes nothing. `purge` drops expired members
 * and fixes the hash, so HLEN is the number of distinct users.
 */
const LUA_MEMBERS = `${REDIS_CLOCK_FUNCTIONS}
local function absent()
  return KEYS[3] ~= nil and redis.call('EXISTS', KEYS[3]) == 0
end
local function user_of(member)
  local colon = string.find(member, ':', 1, true)
  local n = tonumber(string.sub(member, 1, colon - 1))
  return string.sub(member, colon + 1, colon + n)
end
local function purge(now)
  local cutoff = fmt_ms(now)
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  for _, member in ipairs(expired) do
    local user = user_of(member)
    if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then redis.call('HDEL', KEYS[2], user) end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff) end
end`;

/** ARGV: member, userId, ttlMs. Both keys expire 2 × ttlMs after the last add or refresh. Returns the distinct users after adding. */
const ADD = `${LUA_MEMBERS}
if absent() then return 0 end
local now = redis_now_ms()
purge(now)
local ttl = tonumber(ARGV[3])
if redis.call('ZADD', KEYS[1], fmt_ms(now + ttl), ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], ARGV[2], 1) end
extend_ttl(KEYS[1], 2 * ttl)
extend_ttl(KEYS[2], 2 * ttl)
return redis.call('HLEN', KEYS[2])`;

/** ARGV: member, userId. Returns the distinct users after removing. */
const REMOVE = `${LUA_MEMBERS}
if absent() then return 0 end
purge(redis_now_ms())
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
return redis.call('HLEN', KEYS[2])`;

/** ARGV: '1' and a userId counted even if absent, or '0'. Returns the distinct users. */
const COUNT = `${LUA_MEMBERS}
if absent() then return 0 end
purge(redis_now_ms())
local n = redis.call('HLEN', KEYS[2])
if ARGV[1] == '1' and redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then n = n + 1 end
return n`;

/** ARGV: userId. Returns 1 when a live session of the user is in the group. */
const HAS = `${LUA_MEMBERS}
if absent() then return 0 end
purge(redis_now_ms())
return redis.call('HEXISTS', KEYS[2], ARGV[1])`;

const addScript = new Script(ADD);
const removeScript = new Script(REMOVE);
const countScript = new Script(COUNT);
const hasScript = new Script(HAS);

/** The Redis keys of one group of an {@link ExpiringMembers}. */
export interface ExpiringMembersKeys {
  /** Sorted set: members scored by expiry time. */
  members: string;
  /** Hash: userId → live sessions. */
  users: string;
  /** A key the group belongs to (e.g. the auction's hash): while it is missing, nothing is stored and every count is 0. */
  requires?: string;
}

/** Options of {@link ExpiringMembers}. */
export interface ExpiringMembersOptions {
  /** How long a session outlives the last refresh of its node (see {@link MemberRefresher}). */
  ttlMs: number;
  /** The keys of a group; the keys of one group must share a Cluster hash tag. */
  keys(group: string): ExpiringMembersKeys;
}

/**
 * Groups of sessions that expire unless their node refreshes them, counted by distinct user —
 * "N people view this property" (`RedisPresenceStore`), "N bidders are in this auction room"
 * (`RedisAuctionStore`). Each method is one Lua script that first purges the expired
 * sessions, so every node counts the same live ones: a session added twice or removed when
 * absent changes nothing, and each method answers with the count right after its own change.
 *
 * Expiry times come from Redis's clock; this node's sessions are refreshed every `ttlMs / 3`
 * and re-added if Redis lost them ({@link MemberRefresher}); a dead node's sessions stop
 * counting within `ttlMs`. A group's keys expire `2 × ttlMs` after its last add or refresh,
 * so a group nobody reads again does not stay in Redis. See docs/scaling.md, "Expiring
 * membership".
 *
 * @example
 * ```ts
 * const viewers = new ExpiringMembers(redis, { ttlMs: 30_000, keys: (id) => ({ members: `${p}viewers:{${id}}`, users: `${p}viewers:{${id}}:users` }) });
 * await viewers.add('rumah-1', 'alice', sessionId); // → 1
 * ```
 */
export class ExpiringMembers {
  /** The `ttlMs` option. */
  readonly ttlMs: number;
  readonly #redis: RedisStore;
  readonly #keys: (group: string) => ExpiringMembersKeys;
  readonly #refresher: MemberRefresher<string>;

  constructor(redis: RedisStore, options: ExpiringMembersOptions) {
    this.ttlMs = options.ttlMs;
    this.#redis = redis;
    this.#keys = options.keys;
    this.#refresher = new MemberRefresher<string>(redis, {
      ttlMs: options.ttlMs,
      keys: (group) => {
        const keys = options.keys(group);
        return [keys.members, keys.users];
      },
      keyTtlMs: 2 * Math.ceil(options.ttlMs),
      readd: (group, member, userId) => this.#add(group, member, userId),
    });
  }

  /** `sessionId` of `userId` is in `group`; resolves to the distinct users in it afterwards. */
  add(group: string, userId: string, sessionId: string): Promise<number> {
    const member = expiringMember(userId, sessionId);
    return this.#refresher.add(group, member, userId, () => this.#add(group, member, userId));
  }

  /** The session left `group`; resolves to the distinct users still in it. */
  remove(group: string, userId: string, sessionId: string): Promise<number> {
    const member = expiringMember(userId, sessionId);
    return this.#refresher.remove(group, member, async () => Number(await removeScript.run(await this.#client(), this.#keyList(group), [member, userId])));
  }

  /** Distinct users with a live session in `group`, counting `includingUserId` (if given) as one of them. */
  async count(group: string, includingUserId?: string): Promise<number> {
    const args = includingUserId === undefined ? ['0'] : ['1', includingUserId];
    return Number(await countScript.run(await this.#client(), this.#keyList(group), args));
  }

  /** Whether a live session of `userId` is in `group`. */
  async has(group: string, userId: string): Promise<boolean> {
    return Number(await hasScript.run(await this.#client(), this.#keyList(group), [userId])) === 1;
  }

  /** Stops refreshing this node's sessions (they expire within `ttlMs` unless removed); removals still work. */
  close(): void {
    this.#refresher.close();
  }

  async #add(group: string, member: string, userId: string): Promise<number> {
    return Number(await addScript.run(await this.#client(), this.#keyList(group), [member, userId, Math.ceil(this.ttlMs)]));
  }

  #keyList(group: string): string[] {
    const { members, users, requires } = this.#keys(group);
    return requires === undefined ? [members, users] : [members, users, requires];
  }

  #client() {
    return this.#redis.connection.get();
  }
}

/** A member of an {@link ExpiringMembers} group: the user id, length-prefixed so any id works, then the session id. */
export function expiringMember(userId: string, sessionId: string): string {
  return `${Buffer.byteLength(userId)}:${userId}${sessionId}`;
}
