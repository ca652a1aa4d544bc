import type { ServerContext } from './context';
import { parseRoom } from '../rooms/roomKinds';
import type { AuthUser } from '../auth/authenticator';

/**
 * Runs an application hook without letting it break the caller: a throw or a rejected
 * promise is logged, never propagated into the frame loop.
 */
export function runHook(ctx: Pick<ServerContext, 'logger'>, name: string, hook: () => unknown): void {
  try {
    const result = hook();
    if (result instanceof Promise) result.catch((err: unknown) => ctx.logger.error({ err, hook: name }, 'hook failed'));
  } catch (err) {
    ctx.logger.error({ err, hook: name }, 'hook failed');
  }
}

/** Calls a room kind's `onJoin` / `onLeave` for `session` in `room`, if the kind has one. */
export function callRoomHook(ctx: ServerContext, hook: 'onJoin' | 'onLeave', session: { id: string; user: AuthUser }, room: string): void {
  const { kind, id } = parseRoom(room);
  const fn = ctx.rooms.get(kind)?.[hook];
  if (!fn) return;
  runHook(ctx, `${kind}.${hook}`, () => fn({ user: session.user, room, kind, id, sessionId: session.id, server: ctx.server }));
}
