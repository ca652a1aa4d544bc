import { randomUUID } from 'node:crypto';
import { ChatCreateConversationData, type ChatConversation, type ChatCreateConversation } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { ChatContext } from './context';
import { publishInboxUpdates } from './inbox';
import { parseInput } from './validation';

/**
 * Creates a conversation for the platform (its backend decides who talks to whom) and puts it
 * in each participant's inbox. Throws `bad_request` for invalid input or too many participants,
 * `conflict` when the id is taken.
 */
export async function createConversation(ctx: ChatContext, input: ChatCreateConversation | unknown): Promise<ChatConversation> {
  const parsed = parseInput(ChatCreateConversationData, input, 'conversation', 'bad_request');
  const participants = [...new Set(parsed.participants)];
  if (participants.length > ctx.options.maxParticipants) {
    throw new SinyalServerError('bad_request', `a conversation has at most ${ctx.options.maxParticipants} participants`);
  }
  const conversation: ChatConversation = {
    id: parsed.id ?? `c-${randomUUID()}`,
    title: parsed.title ?? null,
    participants,
    createdAt: Date.now(),
  };
  if (!(await ctx.options.store.createConversation(conversation))) {
    throw new SinyalServerError('conflict', `conversation ${conversation.id} already exists`);
  }
  const server = ctx.server();
  if (server) await publishInboxUpdates(ctx, server, conversation.id, participants);
  return conversation;
}
