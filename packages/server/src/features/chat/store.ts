import type { ChatConversation, ChatHistoryPage, ChatList, ChatMarker, ChatMessage, ChatSummary } from '@sinyal/protocol/schema';

/** A message about to be stored: everything but its position, which the store assigns. */
export interface NewChatMessage {
  /** Server-chosen, unique. */
  id: string;
  conversationId: string;
  senderId: string;
  clientMessageId: string | null;
  text: string;
  attachments: ChatMessage['attachments'];
  createdAt: number;
}

/** Which of a participant's markers to move. `read` also clears the user's unread count. */
export type ChatMarkerKind = 'read' | 'delivered';

/** Both markers of every participant of a conversation. */
export interface ChatMarkers {
  read: Record<string, ChatMarker>;
  delivered: Record<string, ChatMarker>;
}

/** What an in-process chat store holds (see {@link ChatStore.stats}). */
export interface ChatStoreStats {
  conversations: number;
  messages: number;
  bytes: number;
  /** The bound of `bytes`. */
  maxBytes: number;
  /** Messages dropped by the bounds so far. */
  dropped: number;
}

/**
 * Where the chat feature keeps conversations, messages and markers. Every method is async so
 * a networked store (Redis, SQL) can implement it; the feature never assumes a call completes
 * synchronously, and several server nodes may call it at once. What must be atomic is said
 * on each method (in Redis: one Lua script or MULTI per method).
 */
export interface ChatStore {
  /** What a store that keeps messages in this process holds, for /metrics (`MemoryChatStore`); networked stores leave it out. */
  stats?(): ChatStoreStats;
  /** Stores a new conversation; `false` (nothing changed) when the id is taken. Atomic check-and-set. */
  createConversation(conversation: ChatConversation): Promise<boolean>;
  getConversation(id: string): Promise<ChatConversation | undefined>;
  /**
   * Appends a message with `seq` = previous last + 1 and returns it with `created: true`.
   * When the sender already stored a message with the same `clientMessageId` in this
   * conversation, nothing changes and that message is returned with `created: false` (a retry).
   * Also, atomically: the sender's read marker moves to the new message (sending implies having
   * read what came before), every other participant's unread count grows by one, and the
   * conversation's `rev` grows. Resolves `undefined` for an unknown conversation.
   */
  appendMessage(message: NewChatMessage): Promise<{ message: ChatMessage; created: boolean } | undefined>;
  /**
   * The newest `limit` messages older than `beforeMessageId` (or the newest overall when it is
   * omitted), oldest first. `undefined` when the conversation or `beforeMessageId` is unknown.
   */
  readMessages(conversationId: string, limit: number, beforeMessageId?: string): Promise<ChatHistoryPage | undefined>;
  /**
   * Moves `userId`'s marker of `kind` forward to `messageId` (never backwards), atomically
   * with the recount of the user's unread messages (for `read`) and a `rev` bump when it moved.
   * Returns the marker afterwards and whether it moved; `undefined` for an unknown message.
   */
  advanceMarker(conversationId: string, userId: string, kind: ChatMarkerKind, messageId: string, at: number): Promise<{ marker: ChatMarker; advanced: boolean } | undefined>;
  /** Every participant's markers (participants with none are absent). */
  markers(conversationId: string): Promise<ChatMarkers>;
  /** The conversation as `userId`'s inbox shows it; `rev` and the rest read as one consistent view. */
  summary(conversationId: string, userId: string): Promise<ChatSummary | undefined>;
  /** `userId`'s conversations by last activity (newest first), at most `limit`, and the total unread over all of them. */
  list(userId: string, limit: number): Promise<ChatList>;
  /**
   * Implemented by a store that appends the conversation room's events itself, atomically
   * with the changes that cause them: `chat:message` (the stored message, with its `seq`) in
   * {@link appendMessage} when it creates a message, `chat:read` / `chat:delivered` (the
   * receipt `{ conversationId, userId, messageId, seq, at }`) in {@link advanceMarker} when
   * the marker moves (`RedisChatStore`: the room's order is then the order of the messages
   * and markers across every node, and a node dying right after the store call cannot leave
   * a message unannounced). A retry (`created: false`) appends nothing. The feature calls it
   * once, when created, with the chat room's history length (`roomHistory`), and from then
   * on publishes only what goes to users' feeds (`chat:inbox_updated`) and the volatile
   * `chat:typing`. A store without it leaves every announcement to the feature, which
   * publishes after the store call (one node).
   */
  appendsRoomEvents?(roomHistory: number): void;
}
