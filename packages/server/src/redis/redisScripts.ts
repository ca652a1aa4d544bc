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
 * append + publish in one atomic step, so every node receives a room's events in seq order.
 * KEYS: epoch, seq, log[, command]. ARGV: candidate epoch, maxHistory, event JSON, channel,
 * history TTL ms (0 = none)[, claim token, lease deadline ms, dedupe window ms].
 * Publishes `D<epoch>\\n<seq>\\n<event JSON>`; returns {epoch, seq}. With a command key whose
 * claim is still ours, also records the append in it (`E<token>\\n<deadline>\\n<{epoch,seq}>`):
 * if this node dies before saving the outcome, a retry is answered from that record.
 */
export const APPEND_PUBLISH = `${ENSURE_EPOCH}
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[2], seq .. '-0', 'e', ARGV[3])
if tonumber(ARGV[5]) > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[5]) end
redis.call('PUBLISH', ARGV[4], 'D' .. epoch .. '\\n' .. seq .. '\\n' .. ARGV[3])
if KEYS[4] then
  local claim = redis.call('GET', KEYS[4])
  local kind = claim and string.sub(claim, 1, 1)
  if (kind == 'P' or kind == 'E') and string.sub(claim, 2, 1 + #ARGV[6]) == ARGV[6] then
    redis.call('SET', KEYS[4], 'E' .. ARGV[6] .. '\\n' .. ARGV[7] .. '\\n{"epoch":"' .. epoch .. '","seq":' .. seq .. '}', 'PX', ARGV[8])
  end
end
return {epoch, seq}`;

/** KEYS: epoch, seq. ARGV: candidate epoch. Returns {epoch, seq}. */
export const HEAD = `${ENSURE_EPOCH}
return {epoch, tonumber(redis.call('GET', KEYS[2]) or '0')}`;

/** KEYS: epoch. ARGV: candidate epoch. Returns the epoch. */
export const EPOCH = `${ENSURE_EPOCH}
return epoch`;

/**
 * KEYS: epoch, seq, log. ARGV: candidate epoch, afterSeq.
 * Returns {epoch, entries} (XRANGE entries with seq > afterSeq) or {epoch, 0} when some are no longer retained.
 */
export const READ_AFTER = `${ENSURE_EPOCH}
local head = tonumber(redis.call('GET', KEYS[2]) or '0')
local after = tonumber(ARGV[2])
if after >= head then return {epoch, {}} end
if after < 0 then after = 0 end
local first = (after + 1) .. '-0'
local entries = redis.call('XRANGE', KEYS[3], first, '+')
if #entries == 0 or entries[1][1] ~= first then return {epoch, 0} end
return {epoch, entries}`;

/** KEYS: command key. ARGV: claim marker, lease ms. Returns {1} when claimed, else {0, current value}. */
export const CLAIM_COMMAND = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
return {0, redis.call('GET', KEYS[1])}`;

/**
 * KEYS: command key. ARGV: claim token. Deletes the key only while it holds our plain claim
 * (`P<token>`): a claim that recorded an append (`E…`) stays, so a retry is answered from it
 * rather than appending twice.
 */
export const RELEASE_COMMAND = `
if redis.call('GET', KEYS[1]) == 'P' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
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
