// A MemoryStore whose fan-out counts the rooms this node is subscribed to: the server
// subscribes on a room's first local member and unsubscribes when its last one leaves,
// so the count is the size of the room registry, observed without reaching into the server.
import { LocalFanout, MemoryStore, type Fanout } from '@sinyal/server';

export class TrackingStore extends MemoryStore {
  /** Rooms with at least one local member right now. */
  readonly subscribed = new Set<string>();
  /** Subscribe calls so far (one per join). */
  subscribes = 0;

  createFanout(): Fanout {
    const fanout = new LocalFanout(this);
    const subscribed = this.subscribed;
    const count = () => this.subscribes++;
    return Object.assign(fanout, {
      async subscribe(room: string) {
        count();
        subscribed.add(room);
      },
      unsubscribe(room: string) {
        subscribed.delete(room);
      },
    });
  }
}
