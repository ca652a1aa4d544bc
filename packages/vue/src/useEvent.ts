import type { EventMeta, Room } from '@sinyal/client';
import type { EventName, SinyalEvents } from '@sinyal/protocol';
import { useSinyalInjection } from './plugin';
import { useSinyal } from './useSinyal';
import { whileMounted } from './whileMounted';

/**
 * Calls `handler` for each `event` in `room` (a name or a `Room`) while the component
 * is mounted (or the effect scope lives).
 *
 * @example
 * ```ts
 * useEvent('property:42', 'property:price_updated', (change) => toast(`${change.percentage}%`));
 * ```
 */
export function useEvent<Events extends object = SinyalEvents, Name extends EventName<Events> = EventName<Events>>(
  room: string | Room<Events>,
  event: Name,
  handler: (data: Events[Name], meta: EventMeta) => void,
): void {
  const client = useSinyal<Events>();
  const target = typeof room === 'string' ? client.room(room) : room;
  whileMounted(() => target.on(event, handler), useSinyalInjection().releaseMs);
}
