import { SetAgentStatusData, type PresenceStatus } from '@sinyal/protocol/schema';
import type { CommandHandler } from '../../api/commands';
import { SinyalServerError } from '../../errors';
import { presenceStatusOf, type PresenceContext } from './presenceContext';
import { markStatusChanged } from './userStatus';

/** Clock skew tolerated on `availableAt` before it counts as "in the past". */
const PAST_TOLERANCE_MS = 60_000;

/**
 * `presence:set_agent_status {status: 'online' | 'busy', availableAt?}`: an agent sets
 * their own status (who is an agent is decided from the verified token, never from the
 * data). `availableAt` (server time) only means something with `busy`. Answers the new
 * `PresenceStatus`; watchers get it as a coalesced `presence:status`.
 */
export function setAgentStatusCommand(ctx: PresenceContext): CommandHandler {
  return async ({ user, data, sessionId }): Promise<PresenceStatus> => {
    const parsed = SetAgentStatusData.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SinyalServerError('invalid_frame', `presence:set_agent_status: ${issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid data'}`);
    }
    if (!ctx.isAgent(user)) throw new SinyalServerError('forbidden', 'only agents have an agent status');
    const { status } = parsed.data;
    const availableAt = status === 'busy' ? (parsed.data.availableAt ?? null) : null;
    if (availableAt !== null) {
      const now = ctx.now();
      if (availableAt < now - PAST_TOLERANCE_MS) throw new SinyalServerError('bad_request', 'availableAt is in the past');
      if (availableAt > now + ctx.maxAvailableInMs) throw new SinyalServerError('bad_request', `availableAt is more than ${ctx.maxAvailableInMs} ms ahead`);
    }
    // Queued behind this session's connect, so the answer already counts the agent as online.
    const record = await ctx.sessionQueue.run(sessionId, () => ctx.store.setAgentStatus(user.id, status, availableAt));
    markStatusChanged(ctx, user.id);
    return presenceStatusOf(user.id, record);
  };
}
