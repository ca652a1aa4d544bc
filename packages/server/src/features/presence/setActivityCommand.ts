import { SetActivityData, type PresenceStatus } from '@sinyal/protocol/schema';
import type { CommandDefinition } from '../../api/commands';
import { SinyalServerError } from '../../errors';
import { presenceStatusOf, type PresenceContext } from './presenceContext';
import { userPresenceOf } from './userPresence';
import { markStatusChanged } from './userStatus';

/**
 * `presence:set_activity {idle: boolean}`: the sending connection is idle (its user stopped
 * using it, or its page is hidden) or active again. The flag belongs to the connection (every
 * connection starts active, and its flag goes when it closes); the user is `away` while every
 * connection of theirs is idle. Answers the user's `PresenceStatus`. Watchers get a coalesced
 * `presence:status` only when the merged presence (`online | away | offline`) changed: one
 * idle tab of a user who is active in another changes nothing for them.
 *
 * Idempotent (setting a value): no outcome is remembered for its id, and repeating it changes nothing.
 */
export function setActivityCommand(ctx: PresenceContext): CommandDefinition {
  return {
    idempotent: true,
    handler: async ({ user, data, sessionId }): Promise<PresenceStatus> => {
      const parsed = SetActivityData.safeParse(data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new SinyalServerError('invalid_frame', `presence:set_activity: ${issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid data'}`);
      }
      const { idle } = parsed.data;
      // Queued behind this session's connect (and ahead of its disconnect).
      const { changed, record } = await ctx.sessionQueue.run(sessionId, () => ctx.store.setSessionIdle(user.id, sessionId, idle));
      if (changed) {
        const before = { sessions: record.sessions, idleSessions: record.idleSessions + (idle ? -1 : 1) };
        if (userPresenceOf(before) !== userPresenceOf(record)) markStatusChanged(ctx, user.id);
      }
      return presenceStatusOf(user.id, record);
    },
  };
}
