import type { ConnectionContext } from '../../feature';
import type { MemberContext, RoomKindOptions } from '../../roomKinds';
import { countLocal, presenceStatusOf, sharedStore, type PresenceContext } from './presenceContext';
import { isRoomId } from './roomNames';

/** Schedules a `presence:status` push for a user whose id can name a room (others cannot be watched). */
export function markStatusChanged(ctx: PresenceContext, userId: string): void {
  if (isRoomId(userId)) ctx.statuses.mark(userId, { resend: sharedStore(ctx) });
}

/**
 * Room kind `status`: any signed-in user may watch `status:<userId>`. Volatile; the join
 * state is the user's current `PresenceStatus` and changes arrive as coalesced `presence:status`.
 * Local watchers are counted so an expiry recount knows whose status to re-read.
 */
export function statusRoomKind(ctx: PresenceContext): RoomKindOptions {
  const watch = (member: MemberContext, delta: 1 | -1) => {
    ctx.server ??= member.server;
    countLocal(ctx.localStatusWatchers, member.id, delta);
  };
  return {
    history: 0,
    snapshot: async ({ id }) => presenceStatusOf(id, await ctx.store.getUser(id)),
    onJoin: (member) => watch(member, 1),
    onLeave: (member) => watch(member, -1),
  };
}

/**
 * Connection hooks: a user is online while any of their connections (tabs, devices, nodes)
 * is open. Counting sessions in the store, not here, keeps it right across nodes.
 */
export function connectionTracker(ctx: PresenceContext) {
  const track = (conn: ConnectionContext, what: 'connect' | 'disconnect') => {
    ctx.server ??= conn.server;
    const { user, sessionId } = conn;
    const at = ctx.now();
    return ctx.sessionQueue
      .run(sessionId, () =>
        what === 'connect' ? ctx.store.connectSession(user.id, sessionId, at, ctx.isAgent(user)) : ctx.store.disconnectSession(user.id, sessionId, at),
      )
      .then(
        () => markStatusChanged(ctx, user.id),
        (err: unknown) => ctx.logger.error({ err, user: user.id }, `presence: recording a ${what} failed`),
      );
  };
  return {
    onConnect: (conn: ConnectionContext) => track(conn, 'connect'),
    onDisconnect: (conn: ConnectionContext) => track(conn, 'disconnect'),
  };
}
