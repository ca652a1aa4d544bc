import { userStatusStore, type UserStatusSnapshot } from '@sinyal/client';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/**
 * Live status of a user as computed refs: `presence` (`online | away | offline`), `online`,
 * `lastSeen` and the room `status` (`error` with `forbidden` when the server's
 * `statusVisibility` hides this user from you). Agents also have `agentStatus` and
 * `availableAt` (see {@link useAgentStatus}).
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const { presence, lastSeen } = useUserStatus(props.otherUserId);
 * </script>
 * <template><span>{{ presence === 'offline' ? `last seen ${formatTime(lastSeen)}` : presence }}</span></template>
 * ```
 */
export function useUserStatus(userId: string): ToComputedRefs<UserStatusSnapshot> {
  return useStoreRefs(userStatusStore(useSinyal(), userId), []);
}
