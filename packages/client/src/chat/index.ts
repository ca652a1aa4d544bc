/**
 * Chat & inbox stores: a conversation ({@link chatStore}), the inbox ({@link chatListStore})
 * and a typing debounce ({@link createTypingController}). Framework-agnostic; the React and
 * Vue adapters sit on `subscribe` / `getSnapshot`.
 * @module
 */
export { ChatStore, chatStore, DEFAULT_CHAT_STORE, type ChatStoreOptions } from './chatStore';
export { ChatListStore, chatListStore } from './chatListStore';
export { createTypingController, DEFAULT_TYPING, type TypingController, type TypingControllerOptions } from './typingController';
export { deliveryStatus } from './messageStatus';
export type { ChatClient, ChatMessageStatus, ChatMessageView, ChatSnapshot, ChatStoreStatus, ChatListSnapshot, ChatListStatus } from './types';
