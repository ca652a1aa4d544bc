import { userStatusStore, type UserStatusSnapshot } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';

/**
 * Live status of a user: `presence` (`online | away | offline`), `online`, `lastSeen` and
 * the room `status` (`error` with `forbidden` when the server's `statusVisibility` hides
 * this user from you). Agents also have `agentStatus` and `availableAt` (see
 * {@link useAgentStatus}).
 *
 * @example
 * ```tsx
 * const { presence, lastSeen } = useUserStatus(otherUserId);
 * return <span>{presence === 'offline' ? `last seen ${formatTime(lastSeen)}` : presence}</span>; // "online", "away"
 * ```
 */
export function useUserStatus(userId: string): UserStatusSnapshot {
  return useStore(userStatusStore(useSinyal(), userId));
}
