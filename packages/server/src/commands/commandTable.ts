import { z } from 'zod';
import { EventNameSchema } from '@sinyal/protocol/schema';
import type { AuthUser } from '../auth/authenticator';
import type { CommandsContext } from './context';
import { SinyalServerError } from '../errors';
import { publishCheckedNames } from '../rooms/publish';
import { mayPublish, parseRoom } from '../rooms/roomKinds';
import type { SinyalServer } from '../api/server';
import type { CommandOutcome } from '../store/types';
import type { CommandContext, CommandDefinition, CommandEntry, CommandHandler } from '../api/commands';

/** The {@link CommandDefinition} of an entry. */
export function commandDefinition(entry: CommandEntry): CommandDefinition {
  return typeof entry === 'function' ? { handler: entry } : entry;
}

const PublishData = z.object({
  event: EventNameSchema,
  data: z.unknown().optional(),
  volatile: z.boolean().optional(),
});

/** The built-in `publish` command: a member publishes an event its room kind allows. */
function createPublishCommand(ctx: CommandsContext): CommandHandler {
  return async ({ user, room, data, hasJoined }) => {
    const parsed = PublishData.safeParse(data);
    if (!parsed.success) throw new SinyalServerError('invalid_frame', `publish: ${parsed.error.issues[0]?.message ?? 'invalid data'}`);
    if (room === undefined) throw new SinyalServerError('invalid_frame', 'publish needs a room');
    if (!hasJoined(room)) throw new SinyalServerError('forbidden', `join ${room} before publishing to it`, { transient: true });
    const { event, data: payload, volatile } = parsed.data;
    const { kind } = parseRoom(room);
    if (parseRoom(event).kind !== kind) throw new SinyalServerError('bad_request', `event "${event}" does not belong to a "${kind}" room`);
    const kindOptions = ctx.rooms.get(kind);
    const allowed = kindOptions ? mayPublish(kindOptions, { user, room, event, data: payload }) : false;
    if (!(typeof allowed === 'boolean' ? allowed : await allowed)) throw new SinyalServerError('forbidden', `clients may not publish ${event}`);
    // Room (frame schema) and event (PublishData) are validated already.
    return publishCheckedNames(ctx, room, event, payload, volatile ? { volatile: true, exceptUser: user.id } : {});
  };
}

/** The command table: the built-in `publish` plus the application's handlers (which may replace it). */
export function commandTable(ctx: CommandsContext, entries: Record<string, CommandEntry>): Map<string, CommandDefinition> {
  const table = new Map<string, CommandDefinition>([['publish', { handler: createPublishCommand(ctx) }]]);
  for (const [name, entry] of Object.entries(entries)) {
    const definition = commandDefinition(entry);
    if (typeof definition?.handler !== 'function') throw new TypeError(`command "${name}" needs a handler function`);
    table.set(name, definition);
  }
  return table;
}

/** `retryAfterMs` sent with a transient refusal that names none. */
export const TRANSIENT_RETRY_MS = 1000;

async function execute(ctx: CommandsContext, handler: CommandHandler, commandId: string, command: CommandContext): Promise<CommandOutcome> {
  // Inside the dedupe: a repeat of an answered command id gets its answer without a token.
  const limited = ctx.actionLimiter.take(command.user.id, command.name, { sessionId: command.sessionId, commandId });
  if (!limited.ok) {
    ctx.metrics.limited('action');
    return { ok: false, code: 'rate_limited', msg: `too many "${command.name}" commands`, retryAfterMs: limited.retryAfterMs };
  }
  try {
    const data: unknown = await handler(command);
    if (data === undefined) return { ok: true };
    JSON.stringify(data); // fail here, as `internal`, rather than while sending the ack
    return { ok: true, data };
  } catch (error) {
    if (error instanceof SinyalServerError) {
      return {
        ok: false,
        code: error.code,
        msg: error.message,
        // A transient refusal carries `retryAfterMs` on the wire (default 1 s): that is how a
        // client tells "not now, the command was not run" from a final refusal of the same code.
        ...(error.retryAfterMs === undefined ? (error.transient ? { retryAfterMs: TRANSIENT_RETRY_MS } : {}) : { retryAfterMs: error.retryAfterMs }),
        ...(error.transient ? { transient: true } : {}),
        ...(error.details === undefined ? {} : { details: error.details }),
      };
    }
    ctx.logger.error({ err: error, command: command.name, user: command.user.id }, 'command handler failed');
    return { ok: false, code: 'internal', msg: 'internal server error' };
  }
}

/**
 * Runs a command at most once per (user, command id) within the dedupe window; an
 * idempotent command, or one that does not exist, runs (or is refused) every time without
 * an outcome record. `onWait` is told when the command waits for the same id running elsewhere.
 */
export function runCommand(ctx: CommandsContext, commandId: string, onWait: () => void, command: CommandContext): Promise<CommandOutcome> {
  if (!ctx.fanout.health().ok) return Promise.resolve({ ok: false, code: 'unavailable', msg: 'server cannot reach its store, retry later', retryAfterMs: 1000 });
  const definition = ctx.commands.get(command.name);
  if (!definition) return Promise.resolve({ ok: false, code: 'not_found', msg: `unknown command "${command.name}"` });
  if (definition.idempotent) return execute(ctx, definition.handler, commandId, command);
  return ctx.deduper.run(command.user.id, commandId, () => execute(ctx, definition.handler, commandId, command), onWait);
}
