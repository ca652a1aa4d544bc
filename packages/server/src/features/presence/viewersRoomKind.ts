import type { ViewersState } from '@sinyal/protocol/schema';
import type { MemberContext, RoomKindOptions } from '../../api/rooms';
import { countLocal, readSocialProof, sharedStore, type PresenceContext } from './presenceContext';

/**
 * The property's viewers state. With `newcomer`, counts that user even if their join has
 * not reached the store yet: the join snapshot is read before `onJoin` runs, and a
 * newcomer expects to see themselves among the viewers.
 */
export async function readViewersState(ctx: PresenceContext, propertyId: string, newcomer?: string): Promise<ViewersState> {
  const [count, alreadyCounted, socialProof] = await Promise.all([
    ctx.store.viewerCount(propertyId),
    newcomer === undefined ? true : ctx.store.isViewing(propertyId, newcomer),
    readSocialProof(ctx, propertyId),
  ]);
  return { propertyId, count: count + (alreadyCounted ? 0 : 1), ...socialProof };
}

/**
 * Room kind `viewers`: joining `viewers:<propertyId>` means "this session views the
 * property". Volatile (latest value wins). The join state is the {@link ViewersState};
 * every join and leave — including a connection that died without a goodbye, once the
 * server evicts it — updates the store and schedules a coalesced `presence:viewers`.
 */
export function viewersRoomKind(ctx: PresenceContext): RoomKindOptions {
  const change = (member: MemberContext, what: 'join' | 'leave') => {
    ctx.server ??= member.server;
    const { id: propertyId, user, sessionId } = member;
    countLocal(ctx.localViewers, propertyId, what === 'join' ? 1 : -1);
    return ctx.sessionQueue
      .run(sessionId, () => (what === 'join' ? ctx.store.addViewer(propertyId, user.id, sessionId) : ctx.store.removeViewer(propertyId, user.id, sessionId)))
      .then(
        () => ctx.viewerCounts.mark(propertyId, { resend: sharedStore(ctx) }),
        (err: unknown) => ctx.logger.error({ err, propertyId }, `presence: recording a viewer ${what} failed`),
      );
  };
  return {
    history: 0,
    snapshot: ({ id, user }) => readViewersState(ctx, id, user.id),
    onJoin: (member) => change(member, 'join'),
    onLeave: (member) => change(member, 'leave'),
  };
}
