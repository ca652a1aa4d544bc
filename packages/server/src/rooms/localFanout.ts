import type { EventFrame } from '@sinyal/protocol';
import { durableEventText } from './roomRegistry';
import type { NewEvent, Store, StoredEvent } from '../store/types';
import type { ControlMessage, Fanout, FanoutHealth, FanoutListener } from '../store/types';

/**
 * The single-node fan-out (today's behaviour, the default with `MemoryStore`): append to
 * the store, then hand the event to the local registry with no await in between, so
 * delivery order is append order.
 */
export class LocalFanout implements Fanout {
  private listener: FanoutListener | undefined;

  constructor(private readonly store: Store) {}

  start(listener: FanoutListener): void {
    this.listener = listener;
  }

  async publishDurable(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent> {
    const stored = await this.store.append(room, event, maxHistory);
    // The frame is built around the data's JSON that publishing made (serialised once per event).
    const json = event.json ?? (event.data === undefined ? undefined : JSON.stringify(event.data));
    this.listener?.deliverText(room, durableEventText(room, stored.name, json, stored.epoch, stored.seq, stored.at), stored.epoch, stored.seq);
    return stored;
  }

  async publishVolatile(room: string, frame: EventFrame, exceptUser?: string): Promise<void> {
    this.listener?.deliver(room, frame, exceptUser);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.listener?.control(message);
  }

  async subscribe(): Promise<void> {}

  unsubscribe(): void {}

  health(): FanoutHealth {
    return { ok: true };
  }

  async close(): Promise<void> {}
}
