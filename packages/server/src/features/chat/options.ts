import type { ChatStore } from './store';

/** Options of {@link chatFeature}. Every field has a default; the defaults are exported as {@link DEFAULT_CHAT_OPTIONS}. */
export interface ChatFeatureOptions {
  /**
   * Where conversations, messages and markers live. Pass your own to pre-populate it or to
   * share it between nodes.
   * @default new MemoryChatStore()
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
