import type { ChatConversation } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { ChatStore } from './store';

/**
 * The conversation, if `userId` takes part in it; otherwise throws `not_found` (no such
 * conversation) or `forbidden` (not a participant). Decided from the store, never from
 * anything the client claims.
 */
export async function requireParticipant(store: ChatStore, conversationId: string, userId: string): Promise<ChatConversation> {
  const conversation = await store.getConversation(conversationId);
  if (!conversation) throw new SinyalServerError('not_found', `conversation ${conversationId} does not exist`);
  if (!conversation.participants.includes(userId)) throw new SinyalServerError('forbidden', `not a participant of conversation ${conversationId}`);
  return conversation;
}
