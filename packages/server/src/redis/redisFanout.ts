import type { EventFrame } from '@sinyal/protocol';
import type { ControlMessage, Fanout, FanoutHealth, FanoutListener } from '../store/types';
import { durableEventFrame, durableEventTextFromEncoded } from '../rooms/roomRegistry';
import type { NewEvent, StoredEvent } from '../store/types';
import { linkFailure, unavailable, type RedisConnection } from './redisConnection';
import { decodeEvent } from './eventCodec';
import type { RedisOptions } from 'ioredis';
import type { RedisKeys } from './keys';

/** What the fan-out needs from the node's {@link RedisStore} (which creates it). */
export interface FanoutRedisStore {
  readonly keys: RedisKeys;
  /** The command connection. */
  readonly connection: RedisConnection;
  /** A new connection with the store's settings (SUBSCRIBE needs one of its own). */
  duplicate(extra?: RedisOptions): RedisConnection;
  /** Appends to the room's stream and PUBLISHes it on the room's channel, atomically. */
  appendAndPublish(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent>;
}

/**
 * Cross-node fan-out through Redis pub/sub. A durable event is appended and PUBLISHed
 * by one Lua script, so Redis hands every subscribed node a room's events in seq order;
 * a volatile one is only PUBLISHed. Each node SUBSCRIBEs to the channels of the rooms
 * it has local members in, on a connection of its own.
 *
 * Messages: `D<epoch>\n<seq>\n<event JSON>` (durable) or `V<{frame, x?: exceptUser} JSON>` (volatile)
 * on a room's channel; `<ControlMessage JSON>` on the control channel, which every node
 * subscribes to whenever its subscriber connection becomes ready (revoke, disconnect a user,
 * forwarded HTTP transport requests). Until Redis has confirmed that SUBSCRIBE, `ready()`
 * is pending and the server admits no new connection: one admitted earlier could miss a
 * message meant for it (a node's first connection to Redis takes a moment).
 * When either connection drops — or its watchdog finds it silent (see {@link RedisConnection})
 * — the server is told (`lost`) and closes its connections with 1012: live members may have
 * missed events on the subscriber, and a node that cannot reach Redis cannot serve them
 * anyway, so they reconnect (through the load balancer, to a healthy node) and resume from
 * their last seq. While either connection is down the node is unhealthy (`/health` 503),
 * refuses new connections and answers joins and commands `unavailable` (retryable); a
 * publish whose Redis call failed on the link is `unavailable` too, never `internal`.
 */
export class RedisFanout implements Fanout {
  private listener: FanoutListener | undefined;
  private readonly subscriber: RedisConnection;
  /** Rooms with local members → their SUBSCRIBE (resolved once Redis confirmed it). */
  private readonly subscriptions = new Map<string, Promise<void>>();
  private closed = false;
  private readonly stopWatchingStore: () => void;
  /** The control channel's SUBSCRIBE on the current subscriber connection: confirmed, or awaited. */
  private control = controlSubscription();

  constructor(private readonly store: FanoutRedisStore) {
    // Subscriptions are re-made by joins after a loss (clients re-join), not replayed by ioredis.
    this.subscriber = store.duplicate({ autoResubscribe: false });
    this.subscriber.client.on('message', (channel: string, message: string) => this.receive(channel, message));
    // Orders about users reach every node: subscribed on every (re)connection of the subscriber.
    this.subscriber.client.on('ready', () => {
      const control = this.control;
      this.subscriber.client.subscribe(this.store.keys.controlChannel).then(control.confirm, () => {});
    });
    this.subscriber.onDown(() => {
      // Subscriptions died with the connection; rooms subscribe again on their next join.
      this.subscriptions.clear();
      if (this.control.confirmed) this.control = controlSubscription();
      if (!this.closed) this.listener?.lost();
    });
    // Without its command connection the node can neither publish nor resume anyone: shed
    // the clients so they move to a node that can (they would otherwise wait here forever).
    this.stopWatchingStore = store.connection.onDown(() => {
      if (!this.closed) this.listener?.lost();
    });
  }

  start(listener: FanoutListener): void {
    this.listener = listener;
  }

  async publishDurable(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent> {
    // Delivered locally when the PUBLISH comes back on the subscriber, in Redis' order.
    try {
      return await this.store.appendAndPublish(room, event, maxHistory);
    } catch (error) {
      throw linkFailure(error);
    }
  }

  async publishVolatile(room: string, frame: EventFrame, exceptUser?: string): Promise<void> {
    try {
      const client = await this.store.connection.get();
      await client.publish(this.store.keys.roomChannel(room), 'V' + JSON.stringify(exceptUser === undefined ? { f: frame } : { f: frame, x: exceptUser }));
    } catch (error) {
      throw linkFailure(error);
    }
  }

  async publishControl(message: ControlMessage): Promise<void> {
    try {
      const client = await this.store.connection.get();
      await client.publish(this.store.keys.controlChannel, JSON.stringify(message));
    } catch (error) {
      throw linkFailure(error);
    }
  }

  subscribe(room: string): Promise<void> {
    let subscribed = this.subscriptions.get(room);
    if (subscribed) return subscribed;
    if (!this.health().ok) return Promise.reject(unavailable());
    subscribed = this.subscriber
      .get()
      .then(async (client) => {
        await client.subscribe(this.store.keys.roomChannel(room));
      })
      .catch((error: unknown) => {
        throw linkFailure(error);
      });
    this.subscriptions.set(room, subscribed);
    subscribed.catch(() => {
      if (this.subscriptions.get(room) === subscribed) this.subscriptions.delete(room);
    });
    return subscribed;
  }

  unsubscribe(room: string): void {
    if (!this.subscriptions.delete(room) || !this.subscriber.up) return;
    this.subscriber.client.unsubscribe(this.store.keys.roomChannel(room)).catch(() => {});
  }

  ready(): Promise<void> | undefined {
    return this.control.confirmed ? undefined : this.control.promise;
  }

  health(): FanoutHealth {
    if (this.store.connection.down || this.subscriber.down) return { ok: false, details: { redis: 'down' } };
    // Still making its first connection: joins and commands wait for it (briefly) rather than fail.
    return { ok: true, details: { redis: this.healthy() ? 'up' : 'connecting' } };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
    this.stopWatchingStore();
    this.subscriber.close();
  }

  private healthy(): boolean {
    return this.store.connection.up && this.subscriber.up;
  }

  private receive(channel: string, message: string): void {
    if (channel === this.store.keys.controlChannel) {
      try {
        this.listener?.control(JSON.parse(message) as ControlMessage);
      } catch {
        // A malformed order (another writer on our prefix) is dropped, never fatal.
      }
      return;
    }
    const room = this.store.keys.roomOfChannel(channel);
    if (room === undefined || !this.subscriptions.has(room) || !this.listener) return;
    try {
      if (message.startsWith('D')) {
        const epochEnd = message.indexOf('\n');
        const seqEnd = message.indexOf('\n', epochEnd + 1);
        const epoch = message.slice(1, epochEnd);
        const seq = Number(message.slice(epochEnd + 1, seqEnd));
        const encoded = message.slice(seqEnd + 1);
        // The event's stream encoding becomes the frame's tail: nothing is parsed or serialised again.
        const text = Number.isSafeInteger(seq) && seq > 0 ? durableEventTextFromEncoded(room, epoch, seq, encoded) : undefined;
        if (text !== undefined) this.listener.deliverText(room, text, epoch, seq);
        else this.listener.deliver(room, durableEventFrame(room, decodeEvent(epoch, seq, encoded)));
      } else if (message.startsWith('V')) {
        const { f, x } = JSON.parse(message.slice(1)) as { f: EventFrame; x?: string };
        this.listener.deliver(room, f, x);
      }
    } catch {
      // A malformed message (another writer on our prefix) is dropped, never fatal.
    }
  }
}

/** A SUBSCRIBE of the control channel: `confirm` once Redis answered it. */
function controlSubscription(): { promise: Promise<void>; confirm: () => void; confirmed: boolean } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const state = {
    promise,
    confirmed: false,
    confirm: () => {
      state.confirmed = true;
      resolve();
    },
  };
  return state;
}
