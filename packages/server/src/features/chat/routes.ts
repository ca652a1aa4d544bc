import { SinyalServerError } from '../../errors';
import type { Route } from '../../api/routes';
import { requireParticipant } from './access';
import type { ChatContext } from './context';
import { createConversation } from './conversations';

function limitParam(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return Math.min(fallback, max);
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new SinyalServerError('bad_request', 'limit must be a positive integer');
  return Math.min(limit, max);
}

/**
 * REST endpoints: the inbox and history pages for the initial fetch and as a polling
 * fallback (user token), and conversation creation for the platform's backend (publisher secret).
 */
export function chatRoutes(ctx: ChatContext): Route[] {
  const { options } = ctx;
  return [
    {
      method: 'GET',
      path: '/api/chat-list',
      auth: 'user',
      handler: ({ user, query }) => options.store.list(user!.id, limitParam(query, options.listLimit, 500)),
    },
    {
      method: 'GET',
      path: '/api/conversations/:id/messages',
      auth: 'user',
      handler: async ({ user, params, query }) => {
        const conversationId = params.id!;
        await requireParticipant(options.store, conversationId, user!.id);
        const before = query.get('before') || undefined;
        const page = await options.store.readMessages(conversationId, limitParam(query, options.pageSize, options.maxPageSize), before);
        if (!page) throw new SinyalServerError('not_found', `message ${before} is not in conversation ${conversationId}`);
        return page;
      },
    },
    {
      method: 'POST',
      path: '/api/conversations',
      auth: 'publisher',
      handler: ({ body }) => createConversation(ctx, body),
    },
  ];
}
