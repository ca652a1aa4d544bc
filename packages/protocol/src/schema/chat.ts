import { z } from 'zod';

// Chat & inbox: payloads of the `chat:*` events and data/results of the `chat:*` commands.
// Rooms: `chat:<conversationId>` (participants only). Inbox updates travel through each
// participant's own feed `user:<id>`. See docs/chat.md.

/** A conversation id; `chat:<id>` must be a valid room name. */
export const ChatConversationId = z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'conversation id: 1-128 of A-Z a-z 0-9 _ . : @ -');
/** A user id, as the server's auth establishes it. */
export const ChatUserId = z.string().min(1).max(128);
/** A message id assigned by the server. */
export const ChatMessageId = z.string().min(1).max(64);
/** The sender's own id for a message, chosen before sending (dedupes retries; doubles as the command id). */
export const ChatClientMessageId = z.string().min(1).max(64);

/** Hard ceiling of a message's text in the protocol; servers enforce their own, lower limit (2000 by default). */
export const CHAT_MAX_TEXT = 16_384;
/** Most attachments on one message. */
export const CHAT_MAX_ATTACHMENTS = 10;

/** Metadata of a file uploaded over HTTP beforehand; the socket never carries the file itself. */
export const ChatAttachmentSchema = z.object({
  url: z.string().max(2048).regex(/^https?:\/\/\S+$/, 'attachment url must be http(s)'),
  name: z.string().min(1).max(255),
  mime: z.string().max(255).regex(/^[\w.+-]+\/[\w.+-]+$/, 'attachment mime must look like type/subtype'),
  /** Bytes. */
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});

/** A stored message. `seq` orders the messages of a conversation: 1, 2, 3… without gaps. */
export const ChatMessageSchema = z.object({
  id: ChatMessageId,
  conversationId: ChatConversationId,
  seq: z.number().int().positive(),
  /** Always the verified sender, never something the client claimed. */
  senderId: ChatUserId,
  /** The sender's id for the message, so the sender's stores can replace their optimistic copy. */
  clientMessageId: ChatClientMessageId.nullable(),
  text: z.string(),
  attachments: z.array(ChatAttachmentSchema),
  /** Server time (ms since epoch). */
  createdAt: z.number(),
});

/** How far one participant has read (or received) a conversation. */
export const ChatMarkerSchema = z.object({
  messageId: ChatMessageId,
  seq: z.number().int().nonnegative(),
  /** Server time the marker moved. */
  at: z.number(),
});

/** A conversation as the platform created it. */
export const ChatConversationSchema = z.object({
  id: ChatConversationId,
  title: z.string().nullable(),
  participants: z.array(ChatUserId),
  createdAt: z.number(),
});

/**
 * One conversation in one user's inbox. `rev` grows with every change of the conversation
 * (message, read marker), so of two summaries of the same conversation the higher `rev` wins.
 */
export const ChatSummarySchema = ChatConversationSchema.extend({
  lastMessage: ChatMessageSchema.nullable(),
  /** Messages from others after this user's read marker. */
  unread: z.number().int().nonnegative(),
  /** Last activity: the last message's time, or the creation time. */
  updatedAt: z.number(),
  rev: z.number().int().nonnegative(),
});

/** The inbox: conversations by last activity, newest first. */
export const ChatListSchema = z.object({
  conversations: z.array(ChatSummarySchema),
  /** Sum of `unread` over every conversation of the user (also those past the list's limit). */
  totalUnread: z.number().int().nonnegative(),
});

/** A page of messages, oldest first. */
export const ChatHistoryPageSchema = z.object({
  messages: z.array(ChatMessageSchema),
  /** Whether messages older than the first one exist. */
  hasOlder: z.boolean(),
});

/** `joined.state` of a `chat:<id>` room: sent on every (re)join. */
export const ChatJoinStateSchema = ChatHistoryPageSchema.extend({
  conversation: ChatConversationSchema,
  /** Read marker per participant (absent: has read nothing). */
  read: z.record(z.string(), ChatMarkerSchema),
  /** Delivery marker per participant (a read marker implies delivery too). */
  delivered: z.record(z.string(), ChatMarkerSchema),
  /** Participants typing right now, except the joining user. */
  typing: z.array(ChatUserId),
});

// ── events ───────────────────────────────────────────────────────────────────────

/** `chat:read` / `chat:delivered`: a participant's marker moved forward. */
export const ChatReceiptSchema = z.object({
  conversationId: ChatConversationId,
  userId: ChatUserId,
  messageId: ChatMessageId,
  seq: z.number().int().positive(),
  at: z.number(),
});

/** `chat:typing` (volatile, never sent to the typist). */
export const ChatTypingSchema = z.object({
  conversationId: ChatConversationId,
  userId: ChatUserId,
  typing: z.boolean(),
});

// ── commands ─────────────────────────────────────────────────────────────────────

/** `chat:send` → the stored {@link ChatMessageSchema}. */
export const ChatSendData = z.object({
  conversationId: ChatConversationId,
  clientMessageId: ChatClientMessageId,
  text: z.string().max(CHAT_MAX_TEXT),
  attachments: z.array(ChatAttachmentSchema).max(CHAT_MAX_ATTACHMENTS).optional(),
});

/** `chat:load_older` → {@link ChatHistoryPageSchema}: messages before `before`, oldest first. */
export const ChatLoadOlderData = z.object({
  conversationId: ChatConversationId,
  before: ChatMessageId,
  limit: z.number().int().positive().max(500).optional(),
});

/** `chat:mark_as_read` / `chat:mark_delivered` → the user's {@link ChatMarkerSchema} after the call. */
export const ChatMarkData = z.object({
  conversationId: ChatConversationId,
  upTo: ChatMessageId,
});

/** `chat:typing_start` → `{ expiresInMs }`; `chat:typing_stop` → `{ stopped }`. */
export const ChatTypingData = z.object({ conversationId: ChatConversationId });
export const ChatTypingStartResult = z.object({
  /** The server forgets the typist after this long unless `typing_start` is sent again. */
  expiresInMs: z.number().int().positive(),
});
export const ChatTypingStopResult = z.object({ stopped: z.boolean() });

/** `chat:list` → {@link ChatListSchema}. */
export const ChatListData = z.object({ limit: z.number().int().positive().max(500).optional() });

/** Body of `POST /api/conversations` (publisher auth), and of `createConversation()` on the server. */
export const ChatCreateConversationData = z.object({
  id: ChatConversationId.optional(),
  participants: z.array(ChatUserId).min(1).max(1000),
  title: z.string().max(200).optional(),
});

export type ChatAttachment = z.infer<typeof ChatAttachmentSchema>;
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export type ChatMarker = z.infer<typeof ChatMarkerSchema>;
export type ChatConversation = z.infer<typeof ChatConversationSchema>;
export type ChatSummary = z.infer<typeof ChatSummarySchema>;
export type ChatList = z.infer<typeof ChatListSchema>;
export type ChatHistoryPage = z.infer<typeof ChatHistoryPageSchema>;
export type ChatJoinState = z.infer<typeof ChatJoinStateSchema>;
export type ChatReceipt = z.infer<typeof ChatReceiptSchema>;
export type ChatTyping = z.infer<typeof ChatTypingSchema>;
export type ChatCreateConversation = z.infer<typeof ChatCreateConversationData>;

/** Events of the chat feature: `chat:<id>` rooms, plus `chat:inbox_updated` in each user's feed. */
export type ChatEvents = {
  'chat:message': ChatMessage;
  'chat:read': ChatReceipt;
  'chat:delivered': ChatReceipt;
  'chat:typing': ChatTyping;
  'chat:inbox_updated': ChatSummary;
};

/** Commands of the chat feature. */
export type ChatCommands = {
  'chat:send': { data: z.input<typeof ChatSendData>; result: ChatMessage };
  'chat:load_older': { data: z.input<typeof ChatLoadOlderData>; result: ChatHistoryPage };
  'chat:mark_as_read': { data: z.input<typeof ChatMarkData>; result: ChatMarker };
  'chat:mark_delivered': { data: z.input<typeof ChatMarkData>; result: ChatMarker };
  'chat:typing_start': { data: z.input<typeof ChatTypingData>; result: z.infer<typeof ChatTypingStartResult> };
  'chat:typing_stop': { data: z.input<typeof ChatTypingData>; result: z.infer<typeof ChatTypingStopResult> };
  'chat:list': { data: z.input<typeof ChatListData>; result: ChatList };
};
