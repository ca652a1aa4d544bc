import type { SinyalServer } from '../../api/server';
import type { ChatFeatureOptions } from './options';
import type { TypingTracker } from './typingTracker';

/** What the chat feature's commands, routes and room hooks share. */
export interface ChatContext {
  options: ChatFeatureOptions;
  /**
   * The store appends `chat:message`, `chat:read` and `chat:delivered` to the conversation
   * room itself (see `ChatStore.appendsRoomEvents`): the feature must not publish them again.
   */
  storeAppendsRoomEvents: boolean;
  typing: TypingTracker;
  /** The running server, once `start` was called (conversations created before that publish nothing). */
  server(): SinyalServer | undefined;
}

/** Room of a conversation. */
export const conversationRoom = (conversationId: string) => `chat:${conversationId}`;
