import type { AuthUser } from '../../auth/authenticator';
import type { ConnectionContext } from '../../api/feature';
import type { MemberContext, RoomKindOptions } from '../../api/rooms';
import { countLocal, presenceStatusOf, sharedStore, type PresenceContext } from './presenceContext';
import { isRoomId } from './roomNames';

/** Schedules a `presence:status` push for a user whose id can name a room (others cannot be watched). */
export function markStatusChanged(ctx: PresenceContext, userId: string): void {
  if (isRoomId(userId)) ctx.statuses.mark(userId, { resend: sharedStore(ctx) });
}

/** Whether `viewer` may watch `targetUserId`'s status under `statusVisibility`. */
export async function mayWatchStatus(ctx: PresenceContext, viewer: AuthUser, targetUserId: string): Promise<boolean> {
  if (viewer.id === targetUserId) return true;
  const visibility = ctx.statusVisibility;
  if (visibility === 'everyone') return true;
  if (visibility === 'nobody') return false;
  if ((await ctx.store.getUser(targetUserId)).agent !== null) return true;
  return typeof visibility === 'function' ? (await visibility(viewer, targetUserId)) === true : false;
}

/**
 * Room kind `status`: `status:<userId>` may be watched as `statusVisibility` allows (by
 * default agents by everyone, other users by themselves only). Volatile; the join state is
 * the user's current `PresenceStatus` and changes arrive as coalesced `presence:status`.
 * Local watchers are counted so an expiry recount knows whose status to re-read.
 */
export function statusRoomKind(ctx: PresenceContext): RoomKindOptions {
  const watch = (member: MemberContext, delta: 1 | -1) => {
    ctx.server ??= member.server;
    countLocal(ctx.localStatusWatchers, member.id, delta);
  };
  return {
    history: 0,
    // Every member of a status room receives its pushes, so every member must be allowed.
    authorize: ({ user, id }) => mayWatchStatus(ctx, user, id),
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
