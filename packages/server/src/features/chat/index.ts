import type { ChatConversation, ChatCreateConversation } from '@sinyal/protocol/schema';
import type { Registry } from 'prom-client';
import type { Feature } from '../../api/feature';
import type { SinyalServer } from '../../api/server';
import { chatCommands } from './commands';
import { conversationRoom, type ChatContext } from './context';
import { createConversation } from './conversations';
import { MemoryChatStore } from './memoryChatStore';
import { DEFAULT_CHAT_OPTIONS, DEFAULT_CHAT_RATE_LIMITS, type ChatFeatureOptions } from './options';
import { chatRoomKind } from './room';
import { chatRoutes } from './routes';
import type { ChatStore, ChatStoreStats } from './store';
import { TypingTracker } from './typingTracker';
import { requireServerOnSameRedis } from '../../redis/roomEventsRedisStore';
import { gauge } from '../../ops/metrics';

export { MemoryChatStore, type MemoryChatStoreOptions } from './memoryChatStore';
export { RedisChatStore } from './redisChatStore';
export { DEFAULT_CHAT_OPTIONS, DEFAULT_CHAT_RATE_LIMITS, type ChatFeatureOptions } from './options';
export type { ChatStore, ChatStoreStats, ChatMarkers, ChatMarkerKind, NewChatMessage } from './store';

/** The chat feature, plus what the platform's backend calls directly. */
export interface ChatFeature extends Feature {
  /** The store the feature reads and writes. */
  readonly store: ChatStore;
  /**
   * Creates a conversation (the platform decides who talks to whom) and puts it in each
   * participant's inbox. Same as `POST /api/conversations` with the publisher secret.
   * Throws `SinyalServerError` `bad_request` (invalid input) or `conflict` (id taken).
   */
  createConversation(input: ChatCreateConversation): Promise<ChatConversation>;
}

/**
 * Chat & inbox: conversations with participants, messages with attachment metadata, history
 * pages, delivery and read receipts, typing with a server-side expiry, and each user's inbox
 * (ordered by last activity, with unread counts) updated live through their own feed.
 * See docs/chat.md for the events, commands and endpoints.
 *
 * @example
 * ```ts
 * const chat = chatFeature({ maxTextLength: 4000 });
 * const server = await createServer({ auth, publishSecret, features: [chat] });
 * await chat.createConversation({ id: 'listing-42-buyer-7', participants: ['buyer-7', 'agent-3'], title: 'Rumah Kemang' });
 * ```
 */
export function chatFeature(options: Partial<ChatFeatureOptions> = {}): ChatFeature {
  const resolved: ChatFeatureOptions = { ...DEFAULT_CHAT_OPTIONS, store: new MemoryChatStore(), ...withoutUndefined(options) };
  for (const key of ['maxTextLength', 'maxAttachments', 'pageSize', 'maxPageSize', 'listLimit', 'typingExpiryMs', 'maxParticipants'] as const) {
    if (!(Number.isInteger(resolved[key]) && resolved[key] > 0)) throw new TypeError(`chatFeature: ${key} must be a positive integer`);
  }
  if (!(Number.isInteger(resolved.roomHistory) && resolved.roomHistory > 0)) throw new TypeError('chatFeature: roomHistory must be a positive integer (chat rooms are durable)');

  resolved.store.appendsRoomEvents?.(resolved.roomHistory);

  let server: SinyalServer | undefined;
  const ctx: ChatContext = {
    options: resolved,
    storeAppendsRoomEvents: resolved.store.appendsRoomEvents !== undefined,
    server: () => server,
    typing: new TypingTracker(
      resolved.typingExpiryMs,
      async (conversationId, userId, typing) => {
        if (!server) return;
        await server.publish(conversationRoom(conversationId), 'chat:typing', { conversationId, userId, typing }, { volatile: true, exceptUser: userId });
      },
      (error, context) => resolved.onError(error, context),
    ),
  };

  return {
    name: 'chat',
    store: resolved.store,
    rooms: { chat: chatRoomKind(ctx) },
    commands: chatCommands(ctx),
    rateLimits: DEFAULT_CHAT_RATE_LIMITS,
    routes: chatRoutes(ctx),
    createConversation: (input) => createConversation(ctx, input),
    start(running) {
      requireServerOnSameRedis('chatFeature', resolved.store, running);
      if (resolved.store.stats) registerChatStoreMetrics(running.metrics, resolved.store.stats.bind(resolved.store));
      server = running;
    },
    stop() {
      ctx.typing.clear();
      server = undefined;
    },
  };
}

/**
 * /metrics of a chat store that keeps messages in this process (`MemoryChatStore`): what it
 * keeps, its byte bound and what its bounds dropped. Once per registry.
 */
function registerChatStoreMetrics(registry: Registry, stats: () => ChatStoreStats): void {
  if (registry.getSingleMetric('sinyal_chat_messages')) return;
  const registers = [registry];
  gauge(registers, 'sinyal_chat_conversations', 'Chat conversations this process keeps (in-memory chat store)', () => stats().conversations);
  gauge(registers, 'sinyal_chat_messages', 'Chat messages this process keeps (in-memory chat store)', () => stats().messages);
  gauge(registers, 'sinyal_chat_bytes', 'Bytes of chat messages this process keeps (JSON + bookkeeping)', () => stats().bytes);
  gauge(registers, 'sinyal_chat_bytes_max', 'Bound of sinyal_chat_bytes (MemoryChatStore maxBytes): past it the oldest messages of the conversations least recently written to are dropped', () => stats().maxBytes);
  gauge(registers, 'sinyal_chat_dropped_messages', 'Chat messages the in-memory chat store has dropped so far to keep within its bounds (per conversation and in bytes)', () => stats().dropped);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
