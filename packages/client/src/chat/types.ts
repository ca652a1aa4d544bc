import type { SinyalCommands } from '@sinyal/protocol';
import type { ChatAttachment, ChatCommands, ChatConversation, ChatEvents, ChatSummary } from '@sinyal/protocol';
import type { SinyalClient } from '../client';
import type { SinyalError } from '../errors';

/** Any client, whatever event and command maps it was created with. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyClient = SinyalClient<any, any>;

/** The client as the chat stores use it: with the chat events and commands typed. */
export type ChatClient = SinyalClient<ChatEvents, ChatCommands & SinyalCommands>;

/** `sending` (not yet acknowledged) → `sent` (stored) → `delivered` (reached every other participant's device) → `read` (read by all of them); or `failed` (see `error`; `retry` it). */
export type ChatMessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

/** A message as a conversation view shows it: stored, or still on its way (optimistic). */
export interface ChatMessageView {
  /** Stable across the optimistic → stored transition: use it as the list key. */
  key: string;
  /** Server id; `undefined` while sending or failed. */
  id: string | undefined;
  /** The sender's own id for the message (what `send` returned); `null` for messages without one. */
  clientMessageId: string | null;
  /** Order in the conversation; `undefined` while sending or failed (shown after every stored message). */
  seq: number | undefined;
  senderId: string;
  text: string;
  attachments: ChatAttachment[];
  /** Server time; for an unsent message, the server-clock time `send` was called. */
  createdAt: number;
  status: ChatMessageStatus;
  /** Why it failed (`status: 'failed'`). */
  error: SinyalError | undefined;
}

/** `idle` (no subscriber yet) → `loading` → `ready`; `error` when the join was refused (see `error`). */
export type ChatStoreStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Snapshot of one conversation, stable until something in it changes. */
export interface ChatSnapshot {
  status: ChatStoreStatus;
  /** Why the store is in `error`, or why the last `loadOlder` failed. */
  error: SinyalError | undefined;
  /** Title and participants, once joined. */
  conversation: ChatConversation | undefined;
  /** Stored messages by `seq`, then unsent ones in the order they were sent. */
  messages: readonly ChatMessageView[];
  /** Whether `loadOlder` can fetch more. */
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Other participants typing now. */
  typingUsers: readonly string[];
  /** Per participant: the last message they have read. */
  readUpTo: Readonly<Record<string, string>>;
  /** Per participant: the last message their device has received. */
  deliveredUpTo: Readonly<Record<string, string>>;
}

/** `idle` → `loading` (first fetch) → `ready`; `error` when the first fetch failed. */
export type ChatListStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Snapshot of the inbox, stable until it changes. */
export interface ChatListSnapshot {
  status: ChatListStatus;
  error: SinyalError | undefined;
  /** By last activity, newest first. */
  conversations: readonly ChatSummary[];
  /** Sum of `unread` over `conversations`: the badge. */
  totalUnread: number;
}
