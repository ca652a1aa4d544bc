import type { ChatJoinState } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { RoomKindOptions } from '../../api/rooms';
import type { ChatContext } from './context';

/**
 * The `chat` room kind: `chat:<conversationId>`, joinable by its participants only (asked of
 * the store on every join and re-join). The join state carries the latest page of messages,
 * every participant's markers and who is typing. Clients publish nothing directly: every
 * change goes through a command, so the server validates it and stamps the sender.
 */
export function chatRoomKind(ctx: ChatContext): RoomKindOptions {
  const { store } = ctx.options;
  return {
    history: ctx.options.roomHistory,
    authorize: async ({ user, id }) => {
      const conversation = await store.getConversation(id);
      if (!conversation) throw new SinyalServerError('not_found', `conversation ${id} does not exist`);
      return conversation.participants.includes(user.id);
    },
    snapshot: async ({ id, user }): Promise<ChatJoinState | undefined> => {
      const [conversation, page, markers] = await Promise.all([
        store.getConversation(id),
        store.readMessages(id, ctx.options.pageSize),
        store.markers(id),
      ]);
      if (!conversation || !page) return undefined;
      const typing = ctx.typing.typists(id).filter((userId) => userId !== user.id);
      return { conversation, ...page, ...markers, typing };
    },
    onLeave: ({ id, user, sessionId }) => ctx.typing.sessionLeft(id, user.id, sessionId),
  };
}
