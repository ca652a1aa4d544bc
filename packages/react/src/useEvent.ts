import type { EventMeta, Room } from '@sinyal/client';
import type { EventName, SinyalEvents } from '@sinyal/protocol';
import { useEffect, useRef } from 'react';
import { useSinyal, useSinyalContext } from './useSinyal';

/**
 * Calls `handler` for each `event` in `room` (a name or a `Room`) while mounted. The
 * latest `handler` is always used without resubscribing, so inline arrow functions are fine.
 *
 * @example
 * ```tsx
 * useEvent('property:42', 'property:price_updated', (change) => toast(`${change.percentage}%`));
 * ```
 */
export function useEvent<Events extends object = SinyalEvents, Name extends EventName<Events> = EventName<Events>>(
  room: string | Room<Events>,
  event: Name,
  handler: (data: Events[Name], meta: EventMeta) => void,
): void {
  const client = useSinyal<Events>();
  const { releaseMs } = useSinyalContext();
  const latest = useRef(handler);
  latest.current = handler;
  const target = typeof room === 'string' ? client.room(room) : room;
  useEffect(() => {
    const off = target.on(event, (data, meta) => latest.current(data, meta));
    return () => void setTimeout(off, releaseMs);
  }, [target, event, releaseMs]);
}
