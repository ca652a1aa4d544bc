import { randomUUID } from 'node:crypto';
import {
  ChatListData,
  ChatLoadOlderData,
  ChatMarkData,
  ChatSendData,
  ChatTypingData,
  type ChatCommands,
  type ChatReceipt,
} from '@sinyal/protocol/schema';
import type { CommandEntry, CommandHandler } from '../../api/commands';
import { SinyalServerError } from '../../errors';
import { requireParticipant } from './access';
import { conversationRoom, type ChatContext } from './context';
import { publishInboxUpdates } from './inbox';
import type { ChatMarkerKind } from './store';
import { characterCount, parseInput } from './validation';

type Result<Name extends keyof ChatCommands> = Promise<ChatCommands[Name]['result']>;

/**
 * The sender's message: validated, stored once per `clientMessageId`, broadcast (by the store
 * in the same step when it appendsRoomEvents, else here after it), put in every inbox.
 */
function send(ctx: ChatContext): CommandHandler {
  return async ({ user, data, server }): Result<'chat:send'> => {
    const input = parseInput(ChatSendData, data, 'chat:send');
    const { options, typing } = ctx;
    const conversation = await requireParticipant(options.store, input.conversationId, user.id);
    const attachments = input.attachments ?? [];
    if (attachments.length > options.maxAttachments) throw new SinyalServerError('bad_request', `at most ${options.maxAttachments} attachments per message`);
    const length = characterCount(input.text);
    if (length > options.maxTextLength) throw new SinyalServerError('bad_request', `text is ${length} characters long, the limit is ${options.maxTextLength}`);
    if (input.text.trim() === '' && attachments.length === 0) throw new SinyalServerError('bad_request', 'a message needs text or an attachment');

    const stored = await options.store.appendMessage({
      id: randomUUID(),
      conversationId: conversation.id,
      senderId: user.id,
      clientMessageId: input.clientMessageId,
      text: input.text,
      attachments,
      createdAt: Date.now(),
    });
    if (!stored) throw new SinyalServerError('not_found', `conversation ${conversation.id} does not exist`);
    // A repeated clientMessageId (a retry under a new command id) gets the stored message,
    // nothing else: its `chat:message` went out with the first attempt (appended by the store
    // in the same step, when it appendsRoomEvents).
    if (!stored.created) return stored.message;
    typing.stop(conversation.id, user.id);
    if (!ctx.storeAppendsRoomEvents) await server.publish(conversationRoom(conversation.id), 'chat:message', stored.message);
    await publishInboxUpdates(ctx, server, conversation.id, conversation.participants);
    return stored.message;
  };
}

function loadOlder(ctx: ChatContext): CommandHandler {
  return async ({ user, data }): Result<'chat:load_older'> => {
    const input = parseInput(ChatLoadOlderData, data, 'chat:load_older');
    const { options } = ctx;
    await requireParticipant(options.store, input.conversationId, user.id);
    const limit = Math.min(input.limit ?? options.pageSize, options.maxPageSize);
    const page = await options.store.readMessages(input.conversationId, limit, input.before);
    if (!page) throw new SinyalServerError('not_found', `message ${input.before} is not in conversation ${input.conversationId}`);
    return page;
  };
}

/**
 * `chat:mark_as_read` and `chat:mark_delivered`: a marker moves forward, and everyone in the
 * room hears it (the receipt is appended by the store when it appendsRoomEvents).
 */
function mark(ctx: ChatContext, kind: ChatMarkerKind): CommandHandler {
  const name = kind === 'read' ? 'chat:mark_as_read' : 'chat:mark_delivered';
  return async ({ user, data, server }): Result<'chat:mark_as_read'> => {
    const input = parseInput(ChatMarkData, data, name);
    const { store } = ctx.options;
    await requireParticipant(store, input.conversationId, user.id);
    const moved = await store.advanceMarker(input.conversationId, user.id, kind, input.upTo, Date.now());
    if (!moved) throw new SinyalServerError('not_found', `message ${input.upTo} is not in conversation ${input.conversationId}`);
    if (moved.advanced) {
      if (!ctx.storeAppendsRoomEvents) {
        const receipt: ChatReceipt = { conversationId: input.conversationId, userId: user.id, ...moved.marker };
        await server.publish(conversationRoom(input.conversationId), kind === 'read' ? 'chat:read' : 'chat:delivered', receipt);
      }
      // Only the reader's unread count changed.
      if (kind === 'read') await publishInboxUpdates(ctx, server, input.conversationId, [user.id]);
    }
    return moved.marker;
  };
}

function typingStart(ctx: ChatContext): CommandHandler {
  return async ({ user, data, sessionId }): Result<'chat:typing_start'> => {
    const input = parseInput(ChatTypingData, data, 'chat:typing_start');
    await requireParticipant(ctx.options.store, input.conversationId, user.id);
    ctx.typing.start(input.conversationId, user.id, sessionId);
    return { expiresInMs: ctx.options.typingExpiryMs };
  };
}

function typingStop(ctx: ChatContext): CommandHandler {
  return async ({ user, data }): Result<'chat:typing_stop'> => {
    const input = parseInput(ChatTypingData, data, 'chat:typing_stop');
    await requireParticipant(ctx.options.store, input.conversationId, user.id);
    return { stopped: ctx.typing.stop(input.conversationId, user.id) };
  };
}

function list(ctx: ChatContext): CommandHandler {
  return async ({ user, data }): Result<'chat:list'> => {
    const input = parseInput(ChatListData, data ?? {}, 'chat:list');
    return ctx.options.store.list(user.id, input.limit ?? ctx.options.listLimit);
  };
}

/**
 * Every `chat:*` command. Reads (`load_older`, `list`) and typing are idempotent: the
 * server keeps no outcome record for them (a history page is large, and a retry may as
 * well read again).
 */
export function chatCommands(ctx: ChatContext): Record<keyof ChatCommands, CommandEntry> {
  return {
    'chat:send': send(ctx),
    'chat:load_older': { handler: loadOlder(ctx), idempotent: true },
    'chat:mark_as_read': mark(ctx, 'read'),
    'chat:mark_delivered': mark(ctx, 'delivered'),
    'chat:typing_start': { handler: typingStart(ctx), idempotent: true },
    'chat:typing_stop': { handler: typingStop(ctx), idempotent: true },
    'chat:list': { handler: list(ctx), idempotent: true },
  };
}
