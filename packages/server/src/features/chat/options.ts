import type { ActionRateLimit } from '../../api/limits';
import type { ChatStore } from './store';

/** Options of {@link chatFeature}. Every field has a default; the defaults are exported as {@link DEFAULT_CHAT_OPTIONS}. */
export interface ChatFeatureOptions {
  /**
   * Where conversations, messages and markers live. Pass your own to pre-populate it or to
   * share it between nodes.
   * @default new MemoryChatStore() (bounded: the oldest messages go past 10,000 per conversation or 128 MiB)
   */
  store: ChatStore;
  /** Longest message text, in characters (code points). Longer → `bad_request`. @default 2000 */
  maxTextLength: number;
  /** Most attachments (metadata only) per message. @default 10 */
  maxAttachments: number;
  /** Messages sent with every join (`joined.state.messages`). @default 50 */
  pageSize: number;
  /** Largest `limit` of `chat:load_older` and the history endpoint. @default 100 */
  maxPageSize: number;
  /** Conversations per chat list when the caller does not say. @default 100 */
  listLimit: number;
  /**
   * A typist is forgotten this long after their last `chat:typing_start`, so a crashed or
   * vanished client does not type forever. Clients refresh it while typing continues.
   * @default 5000
   */
  typingExpiryMs: number;
  /** Most participants of one conversation. @default 100 */
  maxParticipants: number;
  /** Events kept per `chat:<id>` room for resume after a reconnect. @default 500 */
  roomHistory: number;
  /**
   * Told about failures that cannot be answered to anyone (an inbox update that could not be
   * published after the message was stored, a typing expiry that failed).
   * @default logs with console.error
   */
  onError: (error: unknown, context: string) => void;
}

/**
 * Default per-action rate limits of the chat commands (per user, all conversations and
 * connections together; `ServerOptions.rateLimits` overrides them by name). The noisy ones
 * are announced to the whole room or answered from the store: typing (the client refreshes
 * a conversation's typing at most every 3 s), receipts (one per new message at most),
 * paging and the chat list. `chat:send` has no default: it is the content itself, bounded
 * by the per-user frame limit (50/s); platforms that want fewer set it here.
 */
export const DEFAULT_CHAT_RATE_LIMITS: Readonly<Record<string, ActionRateLimit>> = Object.freeze({
  'chat:typing_start': { perSecond: 1, burst: 5 },
  'chat:typing_stop': { perSecond: 1, burst: 5 },
  'chat:mark_as_read': { perSecond: 5, burst: 20 },
  'chat:mark_delivered': { perSecond: 10, burst: 30 },
  'chat:load_older': { perSecond: 2, burst: 5 },
  'chat:list': { perSecond: 2, burst: 10 },
});

/** Default {@link ChatFeatureOptions}, except `store` (a new `MemoryChatStore` per feature). */
export const DEFAULT_CHAT_OPTIONS: Omit<ChatFeatureOptions, 'store'> = {
  maxTextLength: 2000,
  maxAttachments: 10,
  pageSize: 50,
  maxPageSize: 100,
  listLimit: 100,
  typingExpiryMs: 5000,
  maxParticipants: 100,
  roomHistory: 500,
  onError: (error, context) => console.error(`[sinyal chat] ${context}:`, error),
};
