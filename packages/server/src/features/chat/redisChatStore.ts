import type { ChatConversation, ChatHistoryPage, ChatList, ChatMarker, ChatMessage, ChatSummary } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import { APPEND_EVENT_FUNCTION, CLAIM_HELD_FUNCTION, FENCED_REPLY, RECORD_EFFECT_FUNCTION, Script } from '../../redis/redisScripts';
import { fencedAsUnavailable, type RedisStore } from '../../redis/redisStore';
import { RoomEventsRedisStore } from '../../redis/roomEventsRedisStore';
import { conversationRoom } from './context';
import type { ChatMarkerKind, ChatMarkers, ChatStore, NewChatMessage } from './store';

// Keys (see docs/chat.md, "Several nodes (Redis)"). A conversation's keys share the hash tag
// `{<conversationId>}`, a user's keys `{<userId>}`:
//   <p>chat:conv:{c}             hash   json = conversation JSON, rev = integer
//   <p>chat:conv:{c}:msgs        list   message JSON without `seq` (index = seq − 1)
//   <p>chat:conv:{c}:ids         hash   message id → seq
//   <p>chat:conv:{c}:cids        hash   `<senderId length>:<senderId>:<clientMessageId>` → seq
//   <p>chat:conv:{c}:read        hash   user id → marker JSON {"messageId","seq","at"}
//   <p>chat:conv:{c}:delivered   hash   user id → marker JSON
//   <p>chat:conv:{c}:sent:<u>    zset   seqs of the messages user u sent (member = score = seq),
//                                       so a recount of unread is (count − seq) − ZCOUNT, not a scan
//   <p>chat:user:{u}:convs       zset   conversation id, score = −(last activity) (ties: id ascending)
//   <p>chat:user:{u}:unread      hash   conversation id → the user's unread count
// With appendsRoomEvents, APPEND and ADVANCE also append to the conversation room's stream in the
// RedisStore's own keys (`<p>epoch`, `<p>room:{chat:<c>}:seq`, `…:log`, channel `<p>room:{chat:<c>}`).
// Timestamps never pass through Lua numbers: they arrive as JS-formatted strings (JSON text or a
// ZADD score) and are stored as such, so cjson's 14 significant digits never touch them; the
// events' JSON is spliced from those strings, never re-encoded.

/**
 * KEYS: conv, zset of each participant (unique). ARGV: conversation JSON, −createdAt, id.
 * Returns 1 when created, 0 when the id is taken.
 */
const CREATE = `
if redis.call('HSETNX', KEYS[1], 'json', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'rev', 0)
for i = 2, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3]) end
return 1`;

/**
 * KEYS: 1 conv, 2 msgs, 3 ids, 4 cids, 5 read, 6 sender's unread, 7 sender's sent, 8 epoch,
 * 9 room seq, 10 room log, then per participant (in stored order): its zset, its unread hash,
 * then optionally the command key. ARGV: 1 the conversation JSON the caller read, 2 client key
 * ('' = none), 3 message JSON (without `seq`), 4 message id, 5 sender id, 6 message id as
 * JSON, 7 −createdAt, 8 conversation id, 9 createdAt as JSON, 10 announce (1/0), 11 candidate
 * epoch, 12 room history, 13 room channel, 14 history TTL ms, 15 the event's `at` as JSON,
 * 16 claim token, 17 lease deadline, 18 dedupe window (16–18 '' without a command key), then
 * the participants (same order as the key pairs).
 * Returns nil (unknown conversation), {-1} (the conversation changed since it was read: read
 * it again), {0, seq, message JSON} (a retry: nothing changes, nothing is appended) or {1, seq};
 * an error reply `FENCED…` when, inside a command, another node took the command over.
 * With announce, `chat:message` (the stored message with its seq spliced in as text, exactly
 * what `encodeEvent` would write) is appended to the conversation's room in the same step,
 * and recorded as the command's effect, so a retry of the command on another node after this
 * one died is answered with the message.
 */
const APPEND = `${APPEND_EVENT_FUNCTION}
${RECORD_EFFECT_FUNCTION}
${CLAIM_HELD_FUNCTION}
local participants = #ARGV - 18
local fence_key = KEYS[11 + 2 * participants]
if ARGV[10] == '1' and fence_key and not claim_held(fence_key, ARGV[16]) then return redis.error_reply('${FENCED_REPLY} command taken over by another node') end
local stored = redis.call('HGET', KEYS[1], 'json')
if not stored then return false end
if stored ~= ARGV[1] then return {-1} end
if ARGV[2] ~= '' then
  local existing = redis.call('HGET', KEYS[4], ARGV[2])
  if existing then return {0, tonumber(existing), redis.call('LINDEX', KEYS[2], tonumber(existing) - 1)} end
end
local seq = redis.call('RPUSH', KEYS[2], ARGV[3])
local seq_text = string.format('%d', seq)
redis.call('HSET', KEYS[3], ARGV[4], seq)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[4], ARGV[2], seq) end
redis.call('ZADD', KEYS[7], seq, seq)
local sender, conversationId = ARGV[5], ARGV[8]
for i = 0, participants - 1 do
  redis.call('ZADD', KEYS[11 + 2 * i], ARGV[7], conversationId)
  if ARGV[19 + i] ~= sender then redis.call('HINCRBY', KEYS[12 + 2 * i], conversationId, 1) end
end
redis.call('HSET', KEYS[5], sender, '{"messageId":' .. ARGV[6] .. ',"seq":' .. seq_text .. ',"at":' .. ARGV[9] .. '}')
redis.call('HSET', KEYS[6], conversationId, 0)
redis.call('HINCRBY', KEYS[1], 'rev', 1)
if ARGV[10] == '1' then
  local message = string.sub(ARGV[3], 1, -2) .. ',"seq":' .. seq_text .. '}'
  append_event(KEYS[8], KEYS[9], KEYS[10], ARGV[11], ARGV[12], '{"name":"chat:message","data":' .. message .. ',"at":' .. ARGV[15] .. '}', ARGV[13], ARGV[14])
  local command_key = KEYS[11 + 2 * participants]
  if command_key then record_effect(command_key, ARGV[16], ARGV[17], ARGV[18], message) end
end
return {1, seq}`;

/**
 * KEYS: conv, msgs, ids. ARGV: limit, '1' when a before-id follows, the before-id.
 * Returns nil (unknown conversation or message) or {hasOlder 0|1, index of the first, entries}.
 * Same arithmetic as the memory store's `slice(max(0, end − limit), end)`.
 */
const READ = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local stop
if ARGV[2] == '1' then
  local seq = redis.call('HGET', KEYS[3], ARGV[3])
  if not seq then return false end
  stop = tonumber(seq) - 1
else
  stop = redis.call('LLEN', KEYS[2])
end
local start = stop - tonumber(ARGV[1])
if start < 0 then start = 0 end
local first = math.floor(start)
local entries = {}
if first < stop then entries = redis.call('LRANGE', KEYS[2], first, stop - 1) end
return {start > 0 and 1 or 0, first, entries}`;

/**
 * KEYS: 1 conv, 2 msgs, 3 ids, 4 markers of the kind, 5 the user's unread hash, 6 the user's
 * sent seqs, 7 epoch, 8 room seq, 9 room log[, 10 command]. ARGV: 1 message id, 2 user id,
 * 3 '1' for read, 4 at as JSON, 5 message id as JSON, 6 conversation id, 7 announce (1/0),
 * 8 candidate epoch, 9 room history, 10 room channel, 11 history TTL ms, 12 the receipt
 * event's start (`{"name":"chat:read","data":{"conversationId":…,"userId":…,`), 13 the
 * event's `at` as JSON[, 14 claim token, 15 lease deadline, 16 dedupe window].
 * Returns nil (unknown message), {0, current marker JSON} or {1, new marker JSON} (or a
 * `FENCED…` error reply when another node took the command over). For `read`,
 * recounts the user's unread — the messages after the marker minus the user's own among them —
 * and bumps `rev`. With announce, a marker that moved is appended to the room as the receipt
 * (`chat:read` / `chat:delivered`) in the same step and recorded as the command's effect.
 */
const ADVANCE = `${APPEND_EVENT_FUNCTION}
${RECORD_EFFECT_FUNCTION}
${CLAIM_HELD_FUNCTION}
if KEYS[10] and not claim_held(KEYS[10], ARGV[14]) then return redis.error_reply('${FENCED_REPLY} command taken over by another node') end
local seq = redis.call('HGET', KEYS[3], ARGV[1])
if not seq then return false end
local current = redis.call('HGET', KEYS[4], ARGV[2])
if current and cjson.decode(current).seq >= tonumber(seq) then return {0, current} end
local marker = '{"messageId":' .. ARGV[5] .. ',"seq":' .. seq .. ',"at":' .. ARGV[4] .. '}'
redis.call('HSET', KEYS[4], ARGV[2], marker)
if ARGV[3] == '1' then
  local after = redis.call('LLEN', KEYS[2]) - tonumber(seq)
  local own = redis.call('ZCOUNT', KEYS[6], '(' .. seq, '+inf')
  redis.call('HSET', KEYS[5], ARGV[6], after - own)
  redis.call('HINCRBY', KEYS[1], 'rev', 1)
end
if ARGV[7] == '1' then
  append_event(KEYS[7], KEYS[8], KEYS[9], ARGV[8], ARGV[9], ARGV[12] .. string.sub(marker, 2) .. ',"at":' .. ARGV[13] .. '}', ARGV[10], ARGV[11])
  if KEYS[10] then record_effect(KEYS[10], ARGV[14], ARGV[15], ARGV[16], marker) end
end
return {1, marker}`;

/** KEYS: read, delivered. Returns both hashes as flat field/value arrays, read together. */
const MARKERS = `return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2])}`;

/**
 * KEYS: conv, msgs, the user's unread hash. ARGV: conversation id.
 * Returns nil or {conversation JSON, rev, message count, last message JSON or nil, unread}.
 */
const SUMMARY = `
local json = redis.call('HGET', KEYS[1], 'json')
if not json then return false end
local count = redis.call('LLEN', KEYS[2])
local last = false
if count > 0 then last = redis.call('LINDEX', KEYS[2], -1) end
return {json, tonumber(redis.call('HGET', KEYS[1], 'rev') or '0'), count, last, tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')}`;

/**
 * KEYS: the user's zset, the user's unread hash. ARGV: key prefix, limit.
 * Returns {total unread over every conversation, then per listed conversation: conversation
 * JSON, rev, message count, last message JSON or nil, unread}. The listed conversations' keys
 * are derived from the zset's members (they cannot be known before the script runs), so this
 * script needs a single Redis (not Cluster), like the rest of RedisStore.
 */
const LIST = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local total = 0
local unread = {}
for i, id in ipairs(ids) do
  unread[i] = tonumber(redis.call('HGET', KEYS[2], id) or '0')
  total = total + unread[i]
end
local limit = tonumber(ARGV[2])
local wanted
if limit >= 0 then wanted = math.floor(limit) else wanted = #ids + math.ceil(limit) end
if wanted > #ids then wanted = #ids end
local out = {total}
local listed = 0
for i = 1, #ids do
  if listed >= wanted then break end
  local base = ARGV[1] .. 'chat:conv:{' .. ids[i] .. '}'
  local json = redis.call('HGET', base, 'json')
  if json then
    local count = redis.call('LLEN', base .. ':msgs')
    local last = false
    if count > 0 then last = redis.call('LINDEX', base .. ':msgs', -1) end
    out[#out + 1] = json
    out[#out + 1] = tonumber(redis.call('HGET', base, 'rev') or '0')
    out[#out + 1] = count
    out[#out + 1] = last
    out[#out + 1] = unread[i]
    listed = listed + 1
  end
end
return out`;

const createScript = new Script(CREATE);
const appendScript = new Script(APPEND);
const readScript = new Script(READ);
const advanceScript = new Script(ADVANCE);
const markersScript = new Script(MARKERS);
const summaryScript = new Script(SUMMARY);
const listScript = new Script(LIST);

/** The stored form of a message is its JSON without `seq` (the seq is its place in the list). */
const decodeMessage = (json: string, seq: number): ChatMessage => ({ ...(JSON.parse(json) as Omit<ChatMessage, 'seq'>), seq });
const clientKey = (senderId: string, clientMessageId: string) => `${senderId.length}:${senderId}:${clientMessageId}`;
/** ZADD score of a last activity: newest first with ZRANGE, ties by id ascending (as the memory store sorts). */
const activityScore = (at: number) => String(-at);

type SummaryFields = [json: string, rev: number, count: number, last: string | null, unread: number];

function toSummary([json, rev, count, last, unread]: SummaryFields): ChatSummary {
  const conversation = JSON.parse(json) as ChatConversation;
  const lastMessage = last === null ? null : decodeMessage(last, count);
  return { ...conversation, lastMessage, unread, updatedAt: lastMessage?.createdAt ?? conversation.createdAt, rev };
}

function pairsToMarkers(flat: string[]): Record<string, ChatMarker> {
  const markers: Record<string, ChatMarker> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    Object.defineProperty(markers, flat[i]!, { value: JSON.parse(flat[i + 1]!) as ChatMarker, enumerable: true, writable: true, configurable: true });
  }
  return markers;
}

/**
 * A {@link ChatStore} in Redis, for several server nodes sharing one Redis (see docs/chat.md).
 * Every method is one Lua script (or one command), so what {@link ChatStore} says is atomic is
 * atomic across nodes; it behaves exactly like {@link MemoryChatStore} (same seqs, dedupe,
 * unread counts, markers, order of the list). Like the memory store it keeps everything
 * (messages, dedupe ids, markers) until the keys are deleted: nothing expires.
 * Uses the {@link RedisStore}'s connection; when Redis is unreachable every method rejects
 * with `SinyalServerError('unavailable')`.
 *
 * It also **appends the conversation room's events itself** ({@link appendsRoomEvents}):
 * `chat:message` in the script that stores the message, `chat:read` / `chat:delivered` in the
 * one that moves the marker — through the same Redis stream and channel as the server's own
 * publishes (the core's `append_event`), so the room's `seq` order is the order of the
 * messages on every node. The server must therefore use the same `RedisStore` (checked when
 * the chat feature starts).
 *
 * @example
 * ```ts
 * const redis = new RedisStore({ url: process.env.REDIS_URL });
 * const chat = chatFeature({ store: new RedisChatStore(redis) });
 * const server = await createServer({ auth, store: redis, features: [chat] });
 * ```
 */
export class RedisChatStore extends RoomEventsRedisStore implements ChatStore {
  readonly #prefix: string;

  constructor(redis: RedisStore) {
    super(redis);
    this.#prefix = redis.keys.prefix;
  }

  /**
   * What the scripts need to append to the conversation's room: `keys` (epoch, seq, log;
   * always passed, so the key positions are fixed), `flag` ('1' when this store appends),
   * `target` (candidate epoch, history, channel, TTL), the event's `at`, and the command's
   * effect record (only when appending, inside a command).
   */
  #announce(conversationId: string): { keys: string[]; flag: string; target: string[]; at: string; effect: { key: string; args: string[] } | undefined } {
    const room = this.roomTarget(conversationRoom(conversationId));
    const on = room.on;
    const effect = on ? this.redis.commandEffectTarget() : undefined;
    return {
      keys: [...room.keys],
      flag: on ? '1' : '0',
      target: room.args.map(String),
      at: JSON.stringify(Date.now()),
      effect: effect && { key: effect.key, args: effect.args.map(String) },
    };
  }

  #conv(id: string): string {
    return `${this.#prefix}chat:conv:{${id}}`;
  }

  #userConvs(userId: string): string {
    return `${this.#prefix}chat:user:{${userId}}:convs`;
  }

  #userUnread(userId: string): string {
    return `${this.#prefix}chat:user:{${userId}}:unread`;
  }

  async createConversation(conversation: ChatConversation): Promise<boolean> {
    const stored: ChatConversation = { ...conversation, participants: [...conversation.participants] };
    const users = [...new Set(stored.participants)];
    const keys = [this.#conv(stored.id), ...users.map((userId) => this.#userConvs(userId))];
    const created = await createScript.run(await this.client(), keys, [JSON.stringify(stored), activityScore(stored.createdAt), stored.id]);
    return created === 1;
  }

  async getConversation(id: string): Promise<ChatConversation | undefined> {
    const json = await (await this.client()).hget(this.#conv(id), 'json');
    return json === null ? undefined : (JSON.parse(json) as ChatConversation);
  }

  async appendMessage(draft: NewChatMessage): Promise<{ message: ChatMessage; created: boolean } | undefined> {
    const client = await this.client();
    const conv = this.#conv(draft.conversationId);
    // Participants never change, but the script checks the conversation is still the one read
    // (its keys are derived from them); the loop only repeats if the data was flushed and recreated.
    for (let attempt = 0; attempt < 3; attempt++) {
      const json = await client.hget(conv, 'json');
      if (json === null) return undefined;
      const { participants } = JSON.parse(json) as ChatConversation;
      const announce = this.#announce(draft.conversationId);
      const keys = [conv, `${conv}:msgs`, `${conv}:ids`, `${conv}:cids`, `${conv}:read`, this.#userUnread(draft.senderId), `${conv}:sent:${draft.senderId}`, ...announce.keys];
      for (const userId of participants) keys.push(this.#userConvs(userId), this.#userUnread(userId));
      if (announce.effect) keys.push(announce.effect.key);
      const args = [
        json,
        draft.clientMessageId === null ? '' : clientKey(draft.senderId, draft.clientMessageId),
        JSON.stringify(draft),
        draft.id,
        draft.senderId,
        JSON.stringify(draft.id),
        activityScore(draft.createdAt),
        draft.conversationId,
        JSON.stringify(draft.createdAt),
        announce.flag,
        ...announce.target,
        announce.at,
        ...(announce.effect?.args ?? ['', '', '']),
        ...participants,
      ];
      const result = (await appendScript.run(client, keys, args).catch((error: unknown) => Promise.reject(fencedAsUnavailable(error)))) as null | [-1] | [0, number, string] | [1, number];
      if (result === null) return undefined;
      if (result[0] === -1) continue;
      if (result[0] === 0) return { message: decodeMessage(result[2], result[1]), created: false };
      return { message: { ...draft, seq: result[1] }, created: true };
    }
    throw new SinyalServerError('unavailable', `conversation ${draft.conversationId} changed while a message was appended, retry`);
  }

  async readMessages(conversationId: string, limit: number, beforeMessageId?: string): Promise<ChatHistoryPage | undefined> {
    const conv = this.#conv(conversationId);
    const result = (await readScript.run(
      await this.client(),
      [conv, `${conv}:msgs`, `${conv}:ids`],
      [String(limit), beforeMessageId === undefined ? '0' : '1', beforeMessageId ?? ''],
    )) as null | [number, number, string[]];
    if (result === null) return undefined;
    const [hasOlder, first, entries] = result;
    return { messages: entries.map((json, index) => decodeMessage(json, first + index + 1)), hasOlder: hasOlder === 1 };
  }

  async advanceMarker(conversationId: string, userId: string, kind: ChatMarkerKind, messageId: string, at: number): Promise<{ marker: ChatMarker; advanced: boolean } | undefined> {
    const conv = this.#conv(conversationId);
    const announce = this.#announce(conversationId);
    const keys = [conv, `${conv}:msgs`, `${conv}:ids`, `${conv}:${kind}`, this.#userUnread(userId), `${conv}:sent:${userId}`, ...announce.keys];
    const eventStart = `{"name":${JSON.stringify(kind === 'read' ? 'chat:read' : 'chat:delivered')},"data":{"conversationId":${JSON.stringify(conversationId)},"userId":${JSON.stringify(userId)},`;
    const args = [messageId, userId, kind === 'read' ? '1' : '0', JSON.stringify(at), JSON.stringify(messageId), conversationId, announce.flag, ...announce.target, eventStart, announce.at];
    if (announce.effect) {
      keys.push(announce.effect.key);
      args.push(...announce.effect.args);
    }
    const result = (await advanceScript.run(await this.client(), keys, args).catch((error: unknown) => Promise.reject(fencedAsUnavailable(error)))) as null | [0 | 1, string];
    if (result === null) return undefined;
    return { marker: JSON.parse(result[1]) as ChatMarker, advanced: result[0] === 1 };
  }

  async markers(conversationId: string): Promise<ChatMarkers> {
    const conv = this.#conv(conversationId);
    const [read, delivered] = (await markersScript.run(await this.client(), [`${conv}:read`, `${conv}:delivered`], [])) as [string[], string[]];
    return { read: pairsToMarkers(read), delivered: pairsToMarkers(delivered) };
  }

  async summary(conversationId: string, userId: string): Promise<ChatSummary | undefined> {
    const conv = this.#conv(conversationId);
    const fields = (await summaryScript.run(await this.client(), [conv, `${conv}:msgs`, this.#userUnread(userId)], [conversationId])) as SummaryFields | null;
    return fields === null ? undefined : toSummary(fields);
  }

  async list(userId: string, limit: number): Promise<ChatList> {
    const [totalUnread, ...flat] = (await listScript.run(await this.client(), [this.#userConvs(userId), this.#userUnread(userId)], [this.#prefix, String(limit)])) as [
      number,
      ...Array<string | number | null>,
    ];
    const conversations: ChatSummary[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) conversations.push(toSummary(flat.slice(i, i + 5) as SummaryFields));
    return { conversations, totalUnread };
  }
}
