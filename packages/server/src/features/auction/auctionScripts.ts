// The auction's Lua scripts for RedisAuctionStore: each store method that changes state is one
// script, so it runs atomically on the Redis shared by every node. PLACE_BID ports `decideBid`
// from rules.ts line for line (rate limit → status → amount → minimum → anti-sniping); the
// contract tests (packages/server/test/auctionStores.test.ts) run the same cases against the
// memory store and this one, so a change to the rules must be made in both places. Who is in
// an auction room is not here: it is an ExpiringMembers (redis/expiringMembers.ts), shared
// with the presence store's viewers.
//
// Numbers: Redis' Lua prints numbers with 14 significant digits (`tostring`, `..`), which
// would mangle timestamps (13 digits + ms arithmetic) and large prices, so every number that
// goes back into Redis or into JSON is formatted with `int()` (`%d`, exact up to 2^53).
// Strings that go into JSON (user and auction ids) arrive already JSON-encoded from JS.
import { APPEND_EVENT_FUNCTION, CLAIM_HELD_FUNCTION, FENCED_REPLY, RECORD_EFFECT_FUNCTION } from '../../redis/redisScripts';

const HELPERS = `
local function int(n) return string.format('%d', n) end
local function num_or_null(v) if v then return v else return 'null' end end`;

/**
 * KEYS: state, open set. ARGV: id, startingPrice, increment, startsAt, endsAt, extendWithinMs,
 * extendByMs, createdAt. Returns 1 when created, 0 when the id is taken.
 */
export const CREATE_AUCTION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'startingPrice', ARGV[2], 'increment', ARGV[3], 'startsAt', ARGV[4],
  'endsAt', ARGV[5], 'extendWithinMs', ARGV[6], 'extendByMs', ARGV[7], 'createdAt', ARGV[8],
  'started', '0', 'ended', '0', 'bidCount', '0')
redis.call('SADD', KEYS[2], ARGV[1])
return 1`;

/** KEYS: state, bids. ARGV: how many recent bids. Returns {HGETALL of state, recent bid JSONs} or 0. */
export const GET_AUCTION = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local recent = {}
local n = tonumber(ARGV[1])
if n > 0 then recent = redis.call('LRANGE', KEYS[2], -n, -1) end
return {redis.call('HGETALL', KEYS[1]), recent}`;

/**
 * Appends `entry` to the audit list `key` and drops the oldest entries beyond `limit`
 * (LTRIM in the same script); returns how many were dropped.
 */
const AUDIT_FUNCTION = `
local function audit(key, limit, entry)
  local over = redis.call('RPUSH', key, entry) - limit
  if over > 0 then redis.call('LTRIM', key, over, -1) return over end
  return 0
end`;

/**
 * The bidder's sliding window (`checkBidRate` in rules.ts), kept in the attempts hash as
 * comma-separated times. `rate_check` returns the retry delay when over the limit (nothing
 * stored), else nil after counting this attempt.
 */
const RATE_FUNCTION = `
local function rate_check(attempts_key, user, now, max_bids, window)
  local times = {}
  local raw = redis.call('HGET', attempts_key, user)
  if raw then
    for t in string.gmatch(raw, '[^,]+') do
      local at = tonumber(t)
      if at > now - window then table.insert(times, at) end
    end
  end
  local over = #times >= max_bids
  local retry = over and math.max(1, times[#times - max_bids + 1] + window - now) or nil
  if not over then table.insert(times, now) end
  if #times == 0 then
    redis.call('HDEL', attempts_key, user)
  else
    local parts = {}
    for i, at in ipairs(times) do parts[i] = int(at) end
    redis.call('HSET', attempts_key, user, table.concat(parts, ','))
  end
  return retry
end`;

/**
 * The key and argument layout shared by PLACE_BID and SET_AUTO_BID (both may accept bids):
 * KEYS: 1 state, 2 bids, 3 bidders, 4 highest, 5 attempts, 6 audit, 7 autobids, 8 epoch,
 * 9 room seq, 10 room log[, 11 command]. ARGV: 1 userId, 2 userId JSON, 3 amount or maximum
 * (JSON number), 4 now, 5 maxBids, 6 windowMs, 7 auctionId, 8 auctionId JSON, 9 audit limit,
 * 10 announce (1/0), 11 candidate epoch, 12 room history, 13 room channel, 14 history TTL
 * ms[, 15 claim token, 16 lease deadline, 17 dedupe window].
 *
 * `accept(user, user_json, amount, auto)` records one accepted bid (manual or proxy): the
 * bid list, the leader, the bidder's highest, anti-sniping (`extendedEnd` in rules.ts), the
 * audit entry and — with announce — `auction:new_bid` (and `auction:time_extended`) appended
 * to the room. Returns {bid JSON, prevUser|'', prevNumber|'', prevAmount|'', prevBidId|'',
 * extendedTo|'', previousEndsAt, minNextBid, trimmed, user}.
 *
 * `resolve_auto()` ports `resolveAutoBids` (autoBidRules.ts) line for line: at most one
 * proxy bid through `accept`, then the passed auto-bids marked inactive. The auto-bids hash
 * holds user → "max,order,active". Returns the proxy bid's `accept` reply (or an empty
 * table), the exhausted {user, max, user, max…} and the entries trimmed.
 */
const ACCEPT_FUNCTIONS = `
local function accept(user, user_json, amount, auto)
  local s = redis.call('HMGET', KEYS[1], 'increment', 'endsAt', 'extendWithinMs', 'extendByMs', 'bidCount', 'leaderUser', 'leaderNumber', 'leaderAmount', 'leaderBidId')
  local increment, ends_at = tonumber(s[1]), tonumber(s[2])
  local extend_within, extend_by = tonumber(s[3]), tonumber(s[4])
  local now = tonumber(ARGV[4])
  local bidder_number = redis.call('HGET', KEYS[3], user)
  if not bidder_number then
    bidder_number = int(redis.call('HLEN', KEYS[3]) + 1)
    redis.call('HSET', KEYS[3], user, bidder_number)
  end
  local seq = int(tonumber(s[5]) + 1)
  local amount_text = int(amount)
  local bid_id = ARGV[7] .. '.' .. seq
  local bid_id_json = string.sub(ARGV[8], 1, -2) .. '.' .. seq .. '"'
  local auto_field = ''
  if auto then auto_field = ',"auto":true' end
  local bid_fields = '"bidId":' .. bid_id_json .. ',"auctionId":' .. ARGV[8] .. ',"seq":' .. seq .. ',"amount":' .. amount_text ..
    ',"bidderNumber":' .. bidder_number .. ',"at":' .. ARGV[4] .. auto_field
  local bid_json = '{' .. bid_fields .. '}'
  redis.call('RPUSH', KEYS[2], bid_json)
  redis.call('HSET', KEYS[1], 'bidCount', seq, 'leaderUser', user, 'leaderNumber', bidder_number, 'leaderAmount', amount_text, 'leaderBidId', bid_id)
  local highest = redis.call('HGET', KEYS[4], user)
  if not highest or tonumber(highest) < amount then redis.call('HSET', KEYS[4], user, amount_text) end

  -- Anti-sniping (extendedEnd in rules.ts).
  local extended_to = nil
  if extend_within > 0 and ends_at - now <= extend_within and now + extend_by > ends_at then
    extended_to = int(now + extend_by)
    redis.call('HSET', KEYS[1], 'endsAt', extended_to)
  end
  local trimmed = audit(KEYS[6], tonumber(ARGV[9]), '{"at":' .. ARGV[4] .. ',"userId":' .. user_json .. ',"bidderNumber":' .. bidder_number ..
    ',"amount":' .. amount_text .. ',"result":"accepted","bidId":' .. bid_id_json .. auto_field .. '}')
  local min_next = int(amount + increment)

  if ARGV[10] == '1' then
    append_event(KEYS[8], KEYS[9], KEYS[10], ARGV[11], ARGV[12],
      '{"name":"auction:new_bid","data":{' .. bid_fields .. ',"minNextBid":' .. min_next .. '},"at":' .. ARGV[4] .. '}', ARGV[13], ARGV[14])
    if extended_to then
      append_event(KEYS[8], KEYS[9], KEYS[10], ARGV[11], ARGV[12],
        '{"name":"auction:time_extended","data":{"auctionId":' .. ARGV[8] .. ',"endsAt":' .. extended_to .. ',"previousEndsAt":' .. s[2] ..
        ',"reason":"late_bid","bidId":' .. bid_id_json .. '},"at":' .. ARGV[4] .. '}', ARGV[13], ARGV[14])
    end
  end
  return {bid_json, s[6] or '', s[7] or '', s[8] or '', s[9] or '', extended_to or '', s[2], min_next, trimmed, user}
end

local function resolve_auto()
  local st = redis.call('HMGET', KEYS[1], 'startingPrice', 'increment', 'leaderUser', 'leaderAmount')
  local starting_price, increment = tonumber(st[1]), tonumber(st[2])
  local leader_user = st[3]
  local leader_amount = st[4] and tonumber(st[4])
  local minimum = starting_price
  if leader_amount then minimum = leader_amount + increment end
  local flat = redis.call('HGETALL', KEYS[7])
  local active = {}
  for i = 1, #flat, 2 do
    local max, order, on = string.match(flat[i + 1], '^(%d+),(%d+),(%d)$')
    if on == '1' then table.insert(active, {user = flat[i], max = tonumber(max), order = tonumber(order)}) end
  end
  local contenders = {}
  if leader_user then
    local reach, order = leader_amount, -1
    for _, e in ipairs(active) do
      if e.user == leader_user then
        if e.max > reach then reach = e.max end
        if e.max >= leader_amount then order = e.order end
      end
    end
    table.insert(contenders, {user = leader_user, reach = reach, order = order})
  end
  local challengers = 0
  for _, e in ipairs(active) do
    if e.user ~= leader_user and e.max >= minimum then
      table.insert(contenders, {user = e.user, reach = e.max, order = e.order})
      challengers = challengers + 1
    end
  end
  local proxy = {}
  local trimmed = 0
  if challengers > 0 then
    table.sort(contenders, function(a, b)
      if a.reach ~= b.reach then return a.reach > b.reach end
      return a.order < b.order
    end)
    local winner, runner_up = contenders[1], contenders[2]
    local price = minimum
    if runner_up then price = math.min(winner.reach, runner_up.reach + increment) end
    if not (leader_user and leader_user == winner.user and leader_amount >= price) then
      proxy = accept(winner.user, cjson.encode(winner.user), price, true)
      trimmed = proxy[9]
    end
  end
  local after = redis.call('HMGET', KEYS[1], 'leaderUser', 'leaderAmount')
  local next_minimum = starting_price
  if after[2] then next_minimum = tonumber(after[2]) + increment end
  table.sort(active, function(a, b) return a.order < b.order end)
  local exhausted = {}
  for _, e in ipairs(active) do
    if e.user ~= after[1] and e.max < next_minimum then
      redis.call('HSET', KEYS[7], e.user, int(e.max) .. ',' .. int(e.order) .. ',0')
      table.insert(exhausted, e.user)
      table.insert(exhausted, int(e.max))
    end
  end
  return proxy, exhausted, trimmed
end`;

/**
 * The head of PLACE_BID and SET_AUTO_BID (`decideBid` in rules.ts, for a bid or a maximum):
 * the fence, the auction, the bidder's sliding window (every attempt counts; one over it is
 * neither counted nor audited), the auction active, the amount a positive safe integer at
 * least the minimum next bid. A refusal is audited (with `auditSuffix` after the reason) and
 * returned; what follows runs only for an accepted amount, with `user`, `amount`, `now`,
 * `minimum` and `s` (the state fields) in scope.
 */
const decideAttempt = (auditSuffix: string) => `${HELPERS}
${APPEND_EVENT_FUNCTION}
${RECORD_EFFECT_FUNCTION}
${CLAIM_HELD_FUNCTION}
${AUDIT_FUNCTION}
${RATE_FUNCTION}
${ACCEPT_FUNCTIONS}
if KEYS[11] and not claim_held(KEYS[11], ARGV[15]) then return redis.error_reply('${FENCED_REPLY} command taken over by another node') end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
local s = redis.call('HMGET', KEYS[1], 'startingPrice', 'increment', 'startsAt', 'endsAt', 'ended', 'leaderAmount')
local starting_price, increment = tonumber(s[1]), tonumber(s[2])
local starts_at, ends_at = tonumber(s[3]), tonumber(s[4])
local ended = s[5] == '1'
local leader_amount = s[6] and tonumber(s[6])
local user, amount, now = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
local minimum = starting_price
if leader_amount then minimum = leader_amount + increment end

-- 1. The bidder's sliding window: every attempt counts; one over it is neither counted nor audited.
local retry = rate_check(KEYS[5], user, now, tonumber(ARGV[5]), tonumber(ARGV[6]))
if retry then return {'rejected', 'rate_limited', int(minimum), int(retry), s[3], s[4], 0} end

local function rejected(reason)
  local bidder_number = redis.call('HGET', KEYS[3], user)
  local trimmed = audit(KEYS[6], tonumber(ARGV[9]), '{"at":' .. ARGV[4] .. ',"userId":' .. ARGV[2] .. ',"bidderNumber":' .. num_or_null(bidder_number) ..
    ',"amount":' .. ARGV[3] .. ',"result":"rejected","reason":"' .. reason .. '"${auditSuffix}}')
  return {'rejected', reason, int(minimum), '', s[3], s[4], trimmed}
end

-- 2. The auction must be active.
if ended or now >= ends_at then return rejected('ended') end
if now < starts_at then return rejected('not_started') end

-- 3. The amount: a positive safe integer, at least the minimum next bid.
if not amount or amount ~= math.floor(amount) or amount <= 0 or amount > 9007199254740991 then return rejected('invalid') end
if amount < minimum then return rejected('too_low') end
`;

/**
 * One bid attempt, decided and recorded atomically (`decideAttempt`), then answered by the
 * auto-bids in the same step (`resolve_auto`). KEYS/ARGV: the layout above (ARGV 3 is the
 * amount). Returns {'unknown'} · {'rejected', reason, minNextBid, retryAfterMs|'', startsAt,
 * endsAt, trimmed} · {'accepted', accept reply, proxy accept reply or {}, exhausted, trimmed}.
 * With announce, the room's events are appended in the same step, so the room's order is the
 * order of the decisions, on every node. Inside a command, it first refuses with a `FENCED…`
 * error reply when another node took the command over (this node was presumed dead), so a
 * bid is never decided twice.
 */
export const PLACE_BID = `${decideAttempt('')}
-- Accepted, then answered by the auto-bids.
local manual = accept(user, ARGV[2], amount, false)
local proxy, exhausted, proxy_trimmed = resolve_auto()
if ARGV[10] == '1' and KEYS[11] then record_effect(KEYS[11], ARGV[15], ARGV[16], ARGV[17], '{"accepted":true,"bid":' .. manual[1] .. '}') end
return {'accepted', manual, proxy, exhausted, manual[9] + proxy_trimmed}`;

/**
 * Sets (or replaces) a bidder's auto-bid and resolves the auto-bids, atomically: the checks of
 * a bid (`decideAttempt`: for the maximum, as `autoBidMaxProblem` says), then the maximum
 * stored with the next order number and `resolve_auto`. KEYS/ARGV: the layout above (ARGV 3 is
 * the maximum). Returns {'unknown'} · {'rejected', reason, minNextBid, retryAfterMs|'',
 * startsAt, endsAt, trimmed} · {'accepted', max, active (1/0), proxy accept reply or {},
 * exhausted, trimmed}.
 */
export const SET_AUTO_BID = `${decideAttempt(',"action":"auto_bid_set"')}
local max = amount
local bidder_number = num_or_null(redis.call('HGET', KEYS[3], user))
local order = redis.call('HINCRBY', KEYS[1], 'autoBidOrder', 1)
redis.call('HSET', KEYS[7], user, int(max) .. ',' .. int(order) .. ',1')
local trimmed = audit(KEYS[6], tonumber(ARGV[9]), '{"at":' .. ARGV[4] .. ',"userId":' .. ARGV[2] .. ',"bidderNumber":' .. bidder_number ..
  ',"amount":' .. int(max) .. ',"result":"accepted","action":"auto_bid_set"}')
local proxy, exhausted, proxy_trimmed = resolve_auto()
local active = string.sub(redis.call('HGET', KEYS[7], user), -1)
if ARGV[10] == '1' and KEYS[11] then
  local own_bid = 'null'
  if proxy[1] and redis.call('HGET', KEYS[1], 'leaderUser') == user then own_bid = proxy[1] end
  local active_json = 'false'
  if active == '1' then active_json = 'true' end
  record_effect(KEYS[11], ARGV[15], ARGV[16], ARGV[17], '{"autoBid":{"max":' .. int(max) .. ',"active":' .. active_json .. '},"bid":' .. own_bid .. '}')
end
return {'accepted', int(max), active, proxy, exhausted, trimmed + proxy_trimmed}`;

/**
 * KEYS: state, autobids, bidders, audit. ARGV: userId, userId JSON, now, audit limit.
 * Removes the bidder's auto-bid. Returns {'unknown'} · {'none'} · {'cancelled', trimmed}.
 */
export const CANCEL_AUTO_BID = `${HELPERS}
${AUDIT_FUNCTION}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return {'none'} end
local trimmed = audit(KEYS[4], tonumber(ARGV[4]), '{"at":' .. ARGV[3] .. ',"userId":' .. ARGV[2] .. ',"bidderNumber":' .. num_or_null(redis.call('HGET', KEYS[3], ARGV[1])) ..
  ',"amount":null,"result":"accepted","action":"auto_bid_cancel"}')
return {'cancelled', trimmed}`;

/**
 * KEYS: state, bidders, audit, attempts. ARGV: at, userId, userId JSON, amount JSON or 'null',
 * reason, maxBids, windowMs, audit limit. An attempt refused before the decision (malformed):
 * counted against the bidder's window and appended to the audit trail of a known auction —
 * or, over the window, neither. Returns {'unknown'} · {'rate_limited', retryAfterMs} ·
 * {'recorded', trimmed}.
 */
export const RECORD_REJECTED = `${HELPERS}
${AUDIT_FUNCTION}
${RATE_FUNCTION}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
local retry = rate_check(KEYS[4], ARGV[2], tonumber(ARGV[1]), tonumber(ARGV[6]), tonumber(ARGV[7]))
if retry then return {'rate_limited', int(retry)} end
local number = redis.call('HGET', KEYS[2], ARGV[2])
local trimmed = audit(KEYS[3], tonumber(ARGV[8]), '{"at":' .. ARGV[1] .. ',"userId":' .. ARGV[3] .. ',"bidderNumber":' .. num_or_null(number) ..
  ',"amount":' .. ARGV[4] .. ',"result":"rejected","reason":"' .. ARGV[5] .. '"}')
return {'recorded', trimmed}`;

/**
 * Closes the auction if due, exactly once across every node.
 * KEYS: state, attempts, open set, epoch, room seq, room log, autobids (every auto-bid turns
 * inactive). ARGV: now, auctionId,
 * auctionId JSON, announce (1/0), candidate epoch, room history, room channel, history TTL ms.
 * Returns {'unknown'} · {'already_ended'} · {'not_due', endsAt} ·
 * {'ended', bidCount, leaderUser|'', leaderNumber|'', leaderAmount|'', leaderBidId|''}.
 * With announce, `auction:auction_ended` is appended to the room in the same step: after
 * every accepted bid's `auction:new_bid`, since no bid is accepted once this has run.
 */
export const END_AUCTION = `${HELPERS}
${APPEND_EVENT_FUNCTION}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'unknown'} end
local s = redis.call('HMGET', KEYS[1], 'ended', 'endsAt', 'bidCount', 'leaderUser', 'leaderNumber', 'leaderAmount', 'leaderBidId')
if s[1] == '1' then return {'already_ended'} end
if tonumber(ARGV[1]) < tonumber(s[2]) then return {'not_due', s[2]} end
redis.call('HSET', KEYS[1], 'ended', '1', 'endedAt', ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
local autobids = redis.call('HGETALL', KEYS[7])
for i = 1, #autobids, 2 do redis.call('HSET', KEYS[7], autobids[i], string.sub(autobids[i + 1], 1, -2) .. '0') end
if ARGV[4] == '1' then
  append_event(KEYS[4], KEYS[5], KEYS[6], ARGV[5], ARGV[6],
    '{"name":"auction:auction_ended","data":{"auctionId":' .. ARGV[3] .. ',"winner":' .. num_or_null(s[5]) .. ',"finalPrice":' .. num_or_null(s[6]) ..
    ',"bidCount":' .. s[3] .. ',"endedAt":' .. ARGV[1] .. '},"at":' .. ARGV[1] .. '}', ARGV[7], ARGV[8])
end
return {'ended', s[3], s[4] or '', s[5] or '', s[6] or '', s[7] or ''}`;

/**
 * Marks the start as announced, once. KEYS: state, epoch, room seq, room log. ARGV: announce
 * (1/0), auctionId JSON, at, candidate epoch, room history, room channel, history TTL ms.
 * Returns 1 for the one caller that flipped it (with announce, `auction:started` is appended
 * to the room in the same step), else 0.
 */
export const MARK_STARTED = `${APPEND_EVENT_FUNCTION}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local s = redis.call('HMGET', KEYS[1], 'started', 'startsAt', 'endsAt')
if s[1] == '1' then return 0 end
redis.call('HSET', KEYS[1], 'started', '1')
if ARGV[1] == '1' then
  append_event(KEYS[2], KEYS[3], KEYS[4], ARGV[4], ARGV[5],
    '{"name":"auction:started","data":{"auctionId":' .. ARGV[2] .. ',"startsAt":' .. s[2] .. ',"endsAt":' .. s[3] .. '},"at":' .. ARGV[3] .. '}', ARGV[6], ARGV[7])
end
return 1`;

/** KEYS: state, bidders. ARGV: userId, assign (1/0). Returns the number, or false. */
export const BIDDER_NUMBER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local number = redis.call('HGET', KEYS[2], ARGV[1])
if not number and ARGV[2] == '1' then
  number = redis.call('HLEN', KEYS[2]) + 1
  redis.call('HSET', KEYS[2], ARGV[1], number)
end
return number`;
