import type { ChatConversation, ChatHistoryPage, ChatList, ChatMarker, ChatMessage, ChatSummary } from '@sinyal/protocol/schema';
import type { ChatMarkerKind, ChatMarkers, ChatStore, NewChatMessage } from './store';

interface ConversationState {
  conversation: ChatConversation;
  /** Index = seq − 1. */
  messages: ChatMessage[];
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
 * The default {@link ChatStore}: everything in this process's memory (tests, examples, one
 * node). Each method runs without an `await` inside, so it is atomic by construction.
 * Messages are kept for the lifetime of the process.
 */
export class MemoryChatStore implements ChatStore {
  readonly #conversations = new Map<string, ConversationState>();
  readonly #conversationIdsByUser = new Map<string, Set<string>>();

  async createConversation(conversation: ChatConversation): Promise<boolean> {
    if (this.#conversations.has(conversation.id)) return false;
    this.#conversations.set(conversation.id, {
      conversation: { ...conversation, participants: [...conversation.participants] },
      messages: [],
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
      const existing = existingId === undefined ? undefined : state.messages[state.seqById.get(existingId)! - 1];
      if (existing) return { message: existing, created: false };
    }
    const message: ChatMessage = { ...draft, seq: state.messages.length + 1 };
    state.messages.push(message);
    state.seqById.set(message.id, message.seq);
    if (draft.clientMessageId !== null) state.idByClientId.set(clientKey(draft.senderId, draft.clientMessageId), message.id);
    for (const userId of state.conversation.participants) {
      if (userId !== draft.senderId) state.unreadByUser.set(userId, (state.unreadByUser.get(userId) ?? 0) + 1);
    }
    state.read.set(draft.senderId, { messageId: message.id, seq: message.seq, at: message.createdAt });
    state.unreadByUser.set(draft.senderId, 0);
    state.rev++;
    return { message, created: true };
  }

  async readMessages(conversationId: string, limit: number, beforeMessageId?: string): Promise<ChatHistoryPage | undefined> {
    const state = this.#conversations.get(conversationId);
    if (!state) return undefined;
    let end = state.messages.length; // exclusive index
    if (beforeMessageId !== undefined) {
      const seq = state.seqById.get(beforeMessageId);
      if (seq === undefined) return undefined;
      end = seq - 1;
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
    for (let index = state.messages.length - 1; index >= readSeq; index--) {
      if (state.messages[index]!.senderId !== userId) count++;
    }
    return count;
  }
}
