import type { ChatConversation, ChatHistoryPage, ChatList, ChatMarker, ChatMessage, ChatSummary } from '@sinyal/protocol/schema';
import type { ChatMarkerKind, ChatMarkers, ChatStore, ChatStoreStats, NewChatMessage } from './store';

interface ConversationState {
  conversation: ChatConversation;
  /** The messages kept, oldest first: index = seq − 1 − `dropped`. */
  messages: ChatMessage[];
  /** The bytes counted for each kept message (same index), as they were when it was stored. */
  sizes: number[];
  /** Messages dropped from the front by the bounds (the first kept has seq `dropped + 1`). */
  dropped: number;
  seqById: Map<string, number>;
  /** `senderId.length:senderId:clientMessageId` → message id. */
  idByClientId: Map<string, string>;
  read: Map<string, ChatMarker>;
  delivered: Map<string, ChatMarker>;
  unreadByUser: Map<string, number>;
  rev: number;
}

const clientKey = (senderId: string, clientMessageId: string) => `${senderId.length}:${senderId}:${clientMessageId}`;

/**
 * Bookkeeping counted per message beyond its JSON: the message object and its strings'
 * headers, its array slots, the two index entries (by id, by client id) and the client-id key.
 * Measured with `node bench/record-bytes.mjs` (200,000 short messages, heap after GC,
 * 2026-12-04): ≈ 730 bytes of heap for ≈ 245 characters of JSON, so that the counted bytes are
 * the heap's (160 counted ≈ 1.8× under).
 */
const MESSAGE_OVERHEAD_BYTES = 490;

/** Bounds of a {@link MemoryChatStore}. */
export interface MemoryChatStoreOptions {
  /** Messages kept per conversation; beyond it the oldest are dropped. @default 10000 */
  maxMessagesPerConversation?: number;
  /**
   * Bytes of messages kept in all (their JSON plus bookkeeping); beyond it the oldest
   * messages of the conversations least recently written to are dropped first.
   * Counted as the heap they take (≈ 730 bytes for a short text message).
   * @default 134217728 (128 MiB)
   */
  maxBytes?: number;
}

/**
 * The default {@link ChatStore}: everything in this process's memory (tests, examples, one
 * node). Each method runs without an `await` inside, so it is atomic by construction.
 *
 * Bounded, so a long-running node (or one user sending without end) cannot grow it without
 * limit: at most `maxMessagesPerConversation` messages per conversation and `maxBytes` in
 * all; past a bound the oldest messages are dropped (of the conversations least recently
 * written to first). Seqs go on; history pages end at the oldest message kept (`hasOlder`
 * false), and a page, receipt or retry (`clientMessageId`) naming a dropped message is
 * treated like one naming an unknown message. Conversations themselves are kept. Keep all
 * history in a store of your own (or `RedisChatStore`, unbounded) when it must be kept.
 */
export class MemoryChatStore implements ChatStore {
  readonly #conversations = new Map<string, ConversationState>();
  readonly #conversationIdsByUser = new Map<string, Set<string>>();
  /** Conversation ids, least recently written to first (a message moves its conversation to the end). */
  readonly #recent = new Set<string>();
  readonly #maxPerConversation: number;
  readonly #maxBytes: number;
  #messages = 0;
  #bytes = 0;
  #dropped = 0;

  constructor(options: MemoryChatStoreOptions = {}) {
    this.#maxPerConversation = options.maxMessagesPerConversation ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 128 * 1024 * 1024;
    for (const [key, value] of Object.entries({ maxMessagesPerConversation: this.#maxPerConversation, maxBytes: this.#maxBytes })) {
      if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`MemoryChatStore: ${key} must be a positive integer`);
    }
  }

  /** Conversations, messages and bytes kept, the byte bound, and messages dropped so far. */
  stats(): ChatStoreStats {
    return { conversations: this.#conversations.size, messages: this.#messages, bytes: this.#bytes, maxBytes: this.#maxBytes, dropped: this.#dropped };
  }

  async createConversation(conversation: ChatConversation): Promise<boolean> {
    if (this.#conversations.has(conversation.id)) return false;
    this.#conversations.set(conversation.id, {
      conversation: { ...conversation, participants: [...conversation.participants] },
      messages: [],
      sizes: [],
      dropped: 0,
      seqById: new Map(),
      idByClientId: new Map(),
      read: new Map(),
      delivered: new Map(),
      unreadByUser: new Map(),
      rev: 0,
    });
    for (const userId of conversation.participants) {
      let ids = this.#conversationIdsByUser.get(userId);
      if (!ids) this.#conversationIdsByUser.set(userId, (ids = new Set()));
      ids.add(conversation.id);
    }
    return true;
  }

  async getConversation(id: string): Promise<ChatConversation | undefined> {
    return this.#conversations.get(id)?.conversation;
  }

  async appendMessage(draft: NewChatMessage): Promise<{ message: ChatMessage; created: boolean } | undefined> {
    const state = this.#conversations.get(draft.conversationId);
    if (!state) return undefined;
    if (draft.clientMessageId !== null) {
      const existingId = state.idByClientId.get(clientKey(draft.senderId, draft.clientMessageId));
      const existingSeq = existingId === undefined ? undefined : state.seqById.get(existingId);
      const existing = existingSeq === undefined ? undefined : state.messages[existingSeq - 1 - state.dropped];
      if (existing) return { message: existing, created: false };
    }
    const message: ChatMessage = { ...draft, seq: state.dropped + state.messages.length + 1 };
    state.messages.push(message);
    state.seqById.set(message.id, message.seq);
    if (draft.clientMessageId !== null) state.idByClientId.set(clientKey(draft.senderId, draft.clientMessageId), message.id);
    const size = sizeOf(message);
    state.sizes.push(size);
    this.#messages++;
    this.#bytes += size;
    this.#recent.delete(draft.conversationId);
    this.#recent.add(draft.conversationId);
    for (const userId of state.conversation.participants) {
      if (userId !== draft.senderId) state.unreadByUser.set(userId, (state.unreadByUser.get(userId) ?? 0) + 1);
    }
    state.read.set(draft.senderId, { messageId: message.id, seq: message.seq, at: message.createdAt });
    state.unreadByUser.set(draft.senderId, 0);
    state.rev++;
    if (state.messages.length > this.#maxPerConversation) this.#dropOldest(state);
    this.#enforceBytes(state);
    return { message, created: true };
  }

  /** Drops the oldest messages of the least recently written conversations until the bytes are within bound (never `current`'s newest message). */
  #enforceBytes(current: ConversationState): void {
    for (const id of this.#recent) {
      if (this.#bytes <= this.#maxBytes) return;
      const state = this.#conversations.get(id)!;
      const keep = state === current ? 1 : 0;
      while (this.#bytes > this.#maxBytes && state.messages.length > keep) this.#dropOldest(state);
      if (state.messages.length === 0) this.#recent.delete(id);
    }
  }

  #dropOldest(state: ConversationState): void {
    const message = state.messages.shift();
    if (!message) return;
    const size = state.sizes.shift()!;
    state.dropped++;
    state.seqById.delete(message.id);
    if (message.clientMessageId !== null) state.idByClientId.delete(clientKey(message.senderId, message.clientMessageId));
    this.#messages--;
    this.#bytes -= size;
    this.#dropped++;
  }

  async readMessages(conversationId: string, limit: number, beforeMessageId?: string): Promise<ChatHistoryPage | undefined> {
    const state = this.#conversations.get(conversationId);
    if (!state) return undefined;
    let end = state.messages.length; // exclusive index
    if (beforeMessageId !== undefined) {
      const seq = state.seqById.get(beforeMessageId);
      if (seq === undefined) return undefined;
      end = seq - 1 - state.dropped;
    }
    const start = Math.max(0, end - limit);
    return { messages: state.messages.slice(start, end), hasOlder: start > 0 };
  }

  async advanceMarker(conversationId: string, userId: string, kind: ChatMarkerKind, messageId: string, at: number): Promise<{ marker: ChatMarker; advanced: boolean } | undefined> {
    const state = this.#conversations.get(conversationId);
    const seq = state?.seqById.get(messageId);
    if (!state || seq === undefined) return undefined;
    const markers = kind === 'read' ? state.read : state.delivered;
    const current = markers.get(userId);
    if (current && current.seq >= seq) return { marker: current, advanced: false };
    const marker: ChatMarker = { messageId, seq, at };
    markers.set(userId, marker);
    if (kind === 'read') {
      state.unreadByUser.set(userId, this.#countUnread(state, userId, seq));
      state.rev++;
    }
    return { marker, advanced: true };
  }

  async markers(conversationId: string): Promise<ChatMarkers> {
    const state = this.#conversations.get(conversationId);
    return {
      read: Object.fromEntries(state?.read ?? []),
      delivered: Object.fromEntries(state?.delivered ?? []),
    };
  }

  async summary(conversationId: string, userId: string): Promise<ChatSummary | undefined> {
    const state = this.#conversations.get(conversationId);
    return state && this.#summarize(state, userId);
  }

  async list(userId: string, limit: number): Promise<ChatList> {
    const summaries: ChatSummary[] = [];
    for (const id of this.#conversationIdsByUser.get(userId) ?? []) {
      const state = this.#conversations.get(id);
      if (state) summaries.push(this.#summarize(state, userId));
    }
    summaries.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const totalUnread = summaries.reduce((sum, s) => sum + s.unread, 0);
    return { conversations: summaries.slice(0, limit), totalUnread };
  }

  #summarize(state: ConversationState, userId: string): ChatSummary {
    const lastMessage = state.messages[state.messages.length - 1] ?? null;
    return {
      ...state.conversation,
      lastMessage,
      unread: state.unreadByUser.get(userId) ?? 0,
      updatedAt: lastMessage?.createdAt ?? state.conversation.createdAt,
      rev: state.rev,
    };
  }

  /** Messages from others after `readSeq`, scanning back from the newest (unread counts are small). */
  #countUnread(state: ConversationState, userId: string, readSeq: number): number {
    let count = 0;
    for (let index = state.messages.length - 1; index >= Math.max(0, readSeq - state.dropped); index--) {
      if (state.messages[index]!.senderId !== userId) count++;
    }
    return count;
  }
}

/** Bytes counted for a kept message: its JSON (as a networked store would keep it) and bookkeeping. */
function sizeOf(message: ChatMessage): number {
  return JSON.stringify(message).length + MESSAGE_OVERHEAD_BYTES;
}
