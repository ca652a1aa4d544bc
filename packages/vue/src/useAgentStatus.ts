import { agentStatusStore, type UserStatusSnapshot, type UserStatusStore } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/** What {@link useAgentStatus} returns: a computed ref per status field, and `setAgentStatus`. */
export type UseAgentStatusReturn = ToComputedRefs<UserStatusSnapshot> & Pick<UserStatusStore, 'setAgentStatus'>;

/**
 * Live status of an agent (or any user) as computed refs: `online`, `lastSeen`,
 * `agentStatus` (`online | busy | offline`, `null` for non-agents) and `availableAt` of a
 * busy agent. `setAgentStatus(status, availableAt?)` sets the **signed-in** agent's own
 * status (use it with `agentId` = the signed-in user).
 *
 * @example
 * ```ts
 * const { agentStatus, availableAt } = useAgentStatus(listing.agentId);
 * ```
 */
export function useAgentStatus(agentId: string): UseAgentStatusReturn {
  return useStoreRefs(agentStatusStore(useSinyal(), agentId), ['setAgentStatus']);
}
