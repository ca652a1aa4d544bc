import type { Room, RoomSnapshot } from '@sinyal/client';
import type { SinyalEvents } from '@sinyal/protocol';
import { useSinyal } from './useSinyal';
import { useStore } from './useStore';

/**
 * Joins `name` while the component is mounted (shared: 50 components, one join) and
 * returns the room with its status (`joining`, `joined`, `error` + the error).
 */
export function useRoom<Events extends object = SinyalEvents>(name: string): RoomSnapshot & { room: Room<Events> } {
  const room = useSinyal<Events>().room(name);
  const snapshot = useStore(room);
  return { ...snapshot, room };
}
