import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Reads the epoch, creating it from ARGV[1] (a fresh random id) when missing (new or flushed Redis). */
const ENSURE_EPOCH = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end`;

/**
 * Lua functions on Redis's clock, for expiry times every node agrees on whatever its own clock
 * says: `redis_now_ms()` (TIME in ms), `fmt_ms(n)` (an integer as text with `%.0f`: Lua's
 * 14-digit number printing would round 13-digit times) and `extend_ttl(key, ms)` (raises the
 * key's TTL to `ms`, never lowers it). A script that reads TIME and then writes needs effects
 * replication, turned on here for the Redis versions (before 5) where it is not the default.
 * Used by the expiring memberships (redis/memberRefresher.ts, redis/expiringMembers.ts, the
 * presence store's sessions).
 */
export const REDIS_CLOCK_FUNCTIONS = `
if redis.replicate_commands then redis.replicate_commands() end
local function redis_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function fmt_ms(n) return string.format('%.0f', n) end
local function extend_ttl(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end`;

/**
 * Lua function `append_event(epochKey, seqKey, logKey, candidateEpoch, maxHistory, eventJson,
 * channel, historyTtlMs)` → `epoch, seq`: reads or creates the epoch, takes the room's next seq,
 * XADDs the event (`<seq>-0`, field `e`, MAXLEN) and PUBLISHes `D<epoch>\\n<seq>\\n<event JSON>`
 * on the room's channel. Every script that adds an event to a room goes through it (the core's
 * publish below, the auction's bid decision in features/auction/auctionScripts.ts), so a room
 * has one numbering and one delivery order whoever appends.
 */
export const APPEND_EVENT_FUNCTION = `
local function append_event(epoch_key, seq_key, log_key, candidate_epoch, max_history, json, channel, ttl)
  local epoch = redis.call('GET', epoch_key)
  if not epoch then
    epoch = candidate_epoch
    redis.call('SET', epoch_key, epoch)
  end
  local seq = redis.call('INCR', seq_key)
  redis.call('XADD', log_key, 'MAXLEN', max_history, seq .. '-0', 'e', json)
  if tonumber(ttl) > 0 then redis.call('PEXPIRE', log_key, ttl) end
  redis.call('PUBLISH', channel, 'D' .. epoch .. '\\n' .. seq .. '\\n' .. json)
  return epoch, seq
end`;

/**
 * Lua function `record_effect(commandKey, token, leaseDeadline, windowMs, resultJson)`: while
 * the claim on a command is still our plain claim (`P<token>`), records that the command has
 * had its durable effect (`E<token>\\n<deadline>\\n<result JSON>`): if this node dies before
 * saving the outcome, a retry on another node is answered with that result instead of running
 * the command twice. Only the first effect is recorded (a command that appends several events,
 * e.g. a bid and the outbid notice, is answered with its first, main one).
 */
export const RECORD_EFFECT_FUNCTION = `
local function record_effect(command_key, token, deadline, window, result)
  local claim = redis.call('GET', command_key)
  if claim == 'P' .. token then
    redis.call('SET', command_key, 'E' .. token .. '\\n' .. deadline .. '\\n' .. result, 'PX', window)
  end
end`;

/**
 * Lua function `claim_held(commandKey, token)`: whether the claim on a command is still
 * ours — our plain claim `P<token>`, our effect record `E<token>\n…`, or no claim at all
 * (our lease ran out and nobody took it over). A script acting for a command checks it
 * first and refuses (`FENCED`) when another node has taken the command over (this node
 * was presumed dead: see CLAIM_TAKEOVER), so the command never runs twice.
 */
export const CLAIM_HELD_FUNCTION = `
local function claim_held(command_key, token)
  local claim = redis.call('GET', command_key)
  if not claim then return true end
  if claim == 'P' .. token then return true end
  return string.sub(claim, 1, #token + 2) == 'E' .. token .. '\\n'
end`;

/** Error reply of a script refused by {@link CLAIM_HELD_FUNCTION}. */
export const FENCED_REPLY = 'FENCED';

/**
 * append + publish in one atomic step, so every node receives a room's events in seq order.
 * KEYS: epoch, seq, log[, command]. ARGV: candidate epoch, maxHistory, event JSON, channel,
 * history TTL ms (0 = none)[, claim token, lease deadline ms, dedupe window ms].
 * Returns {epoch, seq}. With a command key, records the append as the command's effect
 * (`{"epoch","seq"}`, see RECORD_EFFECT_FUNCTION) — and first refuses with a `FENCED`
 * error when another node took the command over (CLAIM_HELD_FUNCTION).
 */
export const APPEND_PUBLISH = `${APPEND_EVENT_FUNCTION}
${RECORD_EFFECT_FUNCTION}
${CLAIM_HELD_FUNCTION}
if KEYS[4] and not claim_held(KEYS[4], ARGV[6]) then return redis.error_reply('${FENCED_REPLY} command taken over by another node') end
local epoch, seq = append_event(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if KEYS[4] then
  record_effect(KEYS[4], ARGV[6], ARGV[7], ARGV[8], '{"epoch":"' .. epoch .. '","seq":' .. seq .. '}')
end
return {epoch, seq}`;

/** KEYS: epoch, seq. ARGV: candidate epoch. Returns {epoch, seq}. */
export const HEAD = `${ENSURE_EPOCH}
return {epoch, tonumber(redis.call('GET', KEYS[2]) or '0')}`;

/** KEYS: epoch. ARGV: candidate epoch. Returns the epoch. */
export const EPOCH = `${ENSURE_EPOCH}
return epoch`;

/** How many expired entries one READ_AFTER drops at most (bounds the script's run time). */
export const READ_AFTER_TRIM_LIMIT = 100;

/**
 * KEYS: epoch, seq, log. ARGV: candidate epoch, afterSeq[, now ms, max age ms (0 = none)].
 * Returns {epoch, entries} (XRANGE entries with seq > afterSeq) or {epoch, 0} when some are
 * no longer retained — or, with a max age, when the first of them is older than that
 * (`now - at > maxAge`): all or nothing, never a partial replay. With a max age it first
 * drops (XDEL, at most READ_AFTER_TRIM_LIMIT) entries past the window from the front of the
 * stream: no resume may replay them any more. An entry's time is the event's `at`, the last
 * field encodeEvent writes (parsed from the end of the JSON; decoded in full only when the
 * shape differs); an entry without one counts as fresh.
 */
export const READ_AFTER = `${ENSURE_EPOCH}
local function event_at(entry)
  local json = entry[2][2]
  if not json then return nil end
  local at = string.match(json, ',"at":(%-?[%d%.eE%+%-]+)}$')
  if at then return tonumber(at) end
  local ok, event = pcall(cjson.decode, json)
  if ok and type(event) == 'table' and type(event.at) == 'number' then return event.at end
  return nil
end
local function expired(entry, oldest)
  local at = event_at(entry)
  return at ~= nil and at < oldest
end
local head = tonumber(redis.call('GET', KEYS[2]) or '0')
local after = tonumber(ARGV[2])
if after >= head then return {epoch, {}} end
if after < 0 then after = 0 end
local max_age = tonumber(ARGV[4] or '0')
local oldest = tonumber(ARGV[3] or '0') - max_age
if max_age > 0 then
  local front = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', ${READ_AFTER_TRIM_LIMIT})
  local gone = {}
  for _, entry in ipairs(front) do
    if not expired(entry, oldest) then break end
    gone[#gone + 1] = entry[1]
  end
  if #gone > 0 then redis.call('XDEL', KEYS[3], unpack(gone)) end
end
local first = (after + 1) .. '-0'
local entries = redis.call('XRANGE', KEYS[3], first, '+')
if #entries == 0 or entries[1][1] ~= first then return {epoch, 0} end
if max_age > 0 and expired(entries[1], oldest) then return {epoch, 0} end
return {epoch, entries}`;

/** KEYS: command key. ARGV: claim marker, lease ms. Returns {1} when claimed, else {0, current value}. */
export const CLAIM_COMMAND = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
return {0, redis.call('GET', KEYS[1])}`;

/**
 * KEYS: command key, the holding node's liveness key. ARGV: the claim value seen, our new
 * claim marker, lease ms. Takes over a plain claim (`P…`) whose node is gone (its liveness
 * key expired: the node died mid-command before any effect), atomically: only if the claim
 * is still the one seen and the node is still gone. Returns 1 when taken over.
 */
export const CLAIM_TAKEOVER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * KEYS: command key. ARGV: claim token. Deletes the key only while it holds our plain claim
 * (`P<token>`): a claim that recorded an append (`E…`) stays, so a retry is answered from it
 * rather than appending twice.
 */
export const RELEASE_COMMAND = `
if redis.call('GET', KEYS[1]) == 'P' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** KEYS: command key. Deletes it only while it holds a remembered outcome (`R…`), never a claim. */
export const FORGET_RESULT = `
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, 1) == 'R' then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A Lua script run with EVALSHA, falling back to EVAL when Redis does not know it yet (restarted Redis). */
export class Script {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
