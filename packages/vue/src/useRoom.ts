import type { Room, RoomSnapshot } from '@sinyal/client';
import type { SinyalEvents } from '@sinyal/protocol';
import type { ShallowRef } from 'vue';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';
import { refsOf, type ToComputedRefs } from './useStoreRefs';

/**
 * Joins `name` while the component is mounted (shared by every user of the room) and
 * returns the room, its `status` and `error` refs (`joining`, `joined`, `error`), and the
 * whole snapshot as `state`.
 */
export function useRoom<Events extends object = SinyalEvents>(
  name: string,
): ToComputedRefs<RoomSnapshot> & { room: Room<Events>; state: Readonly<ShallowRef<RoomSnapshot>> } {
  const room = useSinyal<Events>().room(name);
  const state = useStore(room);
  return { ...refsOf(state), room, state };
}
