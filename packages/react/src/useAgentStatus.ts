import { agentStatusStore, type UserStatusSnapshot, type UserStatusStore } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreView } from './useStoreView';

/** What {@link useAgentStatus} returns: the user's status and `setAgentStatus`. */
export type UseAgentStatusResult = UserStatusSnapshot & Pick<UserStatusStore, 'setAgentStatus'>;

/**
 * Live status of an agent (or any user): `online`, `lastSeen`, `agentStatus`
 * (`online | busy | offline`, `null` for non-agents) and `availableAt` of a busy agent.
 * `setAgentStatus(status, availableAt?)` sets the **signed-in** agent's own status (use it
 * with `agentId` = the signed-in user, e.g. on the agent's dashboard).
 *
 * @example
 * ```tsx
 * const { agentStatus, availableAt } = useAgentStatus(listing.agentId);
 * ```
 */
export function useAgentStatus(agentId: string): UseAgentStatusResult {
  return useStoreView(agentStatusStore(useSinyal(), agentId), ['setAgentStatus']);
}
