import type { Room, RoomSnapshot } from '@sinyal/client';
import type { SinyalEvents } from '@sinyal/protocol';
import type { ShallowRef } from 'vue';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';

/** Joins `name` while the component is mounted (shared by every user of the room) and returns its status ref. */
export function useRoom<Events extends object = SinyalEvents>(name: string): { room: Room<Events>; state: Readonly<ShallowRef<RoomSnapshot>> } {
  const room = useSinyal<Events>().room(name);
  return { room, state: useStore(room) };
}
