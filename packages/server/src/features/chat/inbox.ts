import type { SinyalServer } from '../../api/server';
import type { ChatContext } from './context';

/**
 * Sends each user their new summary of a conversation (`chat:inbox_updated`) through their own
 * feed `user:<id>`, so every inbox updates live — also on devices that have not joined the
 * conversation. Never throws: the change itself already happened, a failed update is reported
 * to `onError` (clients refetch their list after every reconnect anyway).
 */
export async function publishInboxUpdates(ctx: ChatContext, server: SinyalServer, conversationId: string, userIds: readonly string[]): Promise<void> {
  const { store, onError } = ctx.options;
  await Promise.all(
    userIds.map(async (userId) => {
      try {
        const summary = await store.summary(conversationId, userId);
        if (summary) await server.publishToUser(userId, 'chat:inbox_updated', summary);
      } catch (error) {
        onError(error, `inbox update of ${conversationId} for a participant failed`);
      }
    }),
  );
}
