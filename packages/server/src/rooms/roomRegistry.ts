import type { EventFrame } from '@sinyal/protocol';
import { SharedFrame, TURN_FLUSH_MIN_MEMBERS } from '../wire/sharedFrame';
import type { StoredEvent } from '../store/types';

/** Something that can receive serialised frames: a session. */
export interface Subscriber {
  readonly id: string;
  /** The authenticated user behind the subscriber. */
  readonly userId: string;
  /** Sends a frame serialised (and framed) once for all recipients of a broadcast. */
  sendShared(frame: SharedFrame): void;
  /**
   * The bytes of live events held back for this subscriber's joins in progress changed by
   * `deltaBytes` (see {@link Membership}): a subscriber past its bound drops itself.
   */
  holding?(deltaBytes: number): void;
}

/** Bytes of live events held back across one registry's memberships (for /metrics). */
interface HoldAccount {
  bytes: number;
}

/**
 * One subscriber's membership of one room. While a join is being answered the
 * membership holds live events back; once the join's answer (and replay) is out it
 * flushes them, skipping every durable event at or below the last seq already sent.
 * That is what makes a join gap-free and duplicate-free with an async store. Seqs are
 * compared within one epoch only: an event of a new epoch (the store lost its history)
 * always goes through, so the client sees the epoch change and asks for its reset
 * instead of silently missing the new epoch's first seqs. The bytes held back count
 * against the subscriber's bound ({@link Subscriber.holding}: a connection past
 * `limits.maxBufferedBytes` is dropped as a slow consumer and resumes when it reconnects).
 */
export class Membership {
  private held: Array<{ frame: SharedFrame; seq: number | undefined; epoch: string | undefined }> | null = [];
  /** Bytes of the frames in `held`, reported to the subscriber (its bound) and the registry's account. */
  private heldBytes = 0;
  private lastSeq = 0;
  private epoch: string | undefined;

  constructor(
    readonly subscriber: Subscriber,
    private readonly account: HoldAccount = { bytes: 0 },
  ) {}

  deliver(frame: SharedFrame, seq: number | undefined, epoch?: string): void {
    if (this.held) {
      this.held.push({ frame, seq, epoch });
      this.count(frame.raw.length);
    } else this.sendIfNew(frame, seq, epoch);
  }

  /** Starts holding live events back (a join or re-join is in progress). */
  hold(): void {
    this.held ??= [];
  }

  /** Goes live: events up to `lastSentSeq` of `epoch` reached the subscriber; flush the rest. */
  release(lastSentSeq: number, epoch?: string): void {
    this.lastSeq = lastSentSeq;
    if (epoch !== undefined) this.epoch = epoch;
    const held = this.held ?? [];
    this.held = null;
    this.count(-this.heldBytes);
    for (const { frame, seq, epoch: eventEpoch } of held) this.sendIfNew(frame, seq, eventEpoch);
  }

  /** The subscriber left the room: what was held back is let go, unsent. */
  discard(): void {
    this.held = null;
    this.count(-this.heldBytes);
  }

  private count(deltaBytes: number): void {
    if (deltaBytes === 0) return;
    this.heldBytes += deltaBytes;
    this.account.bytes += deltaBytes;
    this.subscriber.holding?.(deltaBytes);
  }

  private sendIfNew(frame: SharedFrame, seq: number | undefined, epoch: string | undefined): void {
    if (seq !== undefined) {
      const sameEpoch = epoch === undefined || this.epoch === undefined || epoch === this.epoch;
      if (sameEpoch && seq <= this.lastSeq) return;
      this.lastSeq = seq;
      if (epoch !== undefined) this.epoch = epoch;
    }
    this.subscriber.sendShared(frame);
  }
}

/** The `event` frame for a stored (durable) event. */
export function durableEventFrame(room: string, event: StoredEvent): EventFrame {
  const data = event.data; // read once: a store may parse it on every read
  return {
    t: 'event',
    room,
    name: event.name,
    ...(data === undefined ? {} : { data }),
    epoch: event.epoch,
    seq: event.seq,
    at: event.at,
  };
}

/**
 * The `event` frame of a durable event as JSON text, built around the data's JSON (`json`,
 * already serialised and checked by publishing) instead of serialising a frame object that
 * holds the data again. Parses to the same frame as {@link durableEventFrame}.
 */
export function durableEventText(room: string, name: string, json: string | undefined, epoch: string, seq: number, at: number): string {
  const data = json === undefined ? '' : `,"data":${json}`;
  return `{"t":"event","room":${JSON.stringify(room)},"name":${JSON.stringify(name)}${data},"epoch":${JSON.stringify(epoch)},"seq":${JSON.stringify(seq)},"at":${JSON.stringify(at)}}`;
}

/**
 * The `event` frame of a durable event whose `{"name","data"?,"at"}` JSON (the Redis
 * stream's encoding, see `encodeEvent`) is at hand: the frame's other fields are put in
 * front of that object's members, so neither is parsed or serialised again.
 * `undefined` when `encoded` is not such an object.
 */
export function durableEventTextFromEncoded(room: string, epoch: string, seq: number, encoded: string): string | undefined {
  if (!encoded.startsWith('{"name":') || !encoded.endsWith('}')) return undefined;
  return `{"t":"event","room":${JSON.stringify(room)},"epoch":${JSON.stringify(epoch)},"seq":${JSON.stringify(seq)},${encoded.slice(1)}`;
}

/** The `event` frame for a volatile event (no position). */
export function volatileEventFrame(room: string, name: string, data: unknown, at: number): EventFrame {
  return { t: 'event', room, name, ...(data === undefined ? {} : { data }), at };
}

/**
 * Local room subscriptions of this node and fan-out to them. A broadcast frame is
 * serialised once, and framed once, and the same bytes are written to every member.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Map<Subscriber, Membership>>();
  private readonly held: HoldAccount = { bytes: 0 };

  /** `onEmpty` is told when a room's last local member left (the node stops receiving its events). */
  constructor(private readonly onEmpty: (room: string) => void = () => {}) {}

  /** Subscribes (or re-uses the existing membership) and starts holding live events back. */
  join(room: string, subscriber: Subscriber): Membership {
    let members = this.rooms.get(room);
    if (!members) {
      members = new Map();
      this.rooms.set(room, members);
    }
    let membership = members.get(subscriber);
    if (!membership) {
      membership = new Membership(subscriber, this.held);
      members.set(subscriber, membership);
    } else {
      membership.hold();
    }
    return membership;
  }

  leave(room: string, subscriber: Subscriber): void {
    const members = this.rooms.get(room);
    if (!members) return;
    members.get(subscriber)?.discard();
    members.delete(subscriber);
    if (members.size === 0) {
      this.rooms.delete(room);
      this.onEmpty(room);
    }
  }

  /** Removes a subscriber from every room in `rooms` (a closing session passes its own list). */
  leaveAll(rooms: Iterable<string>, subscriber: Subscriber): void {
    for (const room of rooms) this.leave(room, subscriber);
  }

  /** Sends `frame` to every member of `room`; its `seq` lets members drop events they already have. */
  broadcast(room: string, frame: EventFrame, exceptUser?: string): void {
    if (this.rooms.has(room)) this.broadcastText(room, JSON.stringify(frame), frame.seq, frame.epoch, exceptUser);
  }

  /** {@link broadcast} of a frame already serialised as `text`, at position `(epoch, seq)` when durable. */
  broadcastText(room: string, text: string, seq: number | undefined, epoch: string | undefined, exceptUser?: string): void {
    const members = this.rooms.get(room);
    if (!members) return;
    const shared = new SharedFrame(text, members.size >= TURN_FLUSH_MIN_MEMBERS ? 'turn' : 'tick');
    for (const membership of members.values()) {
      if (exceptUser !== undefined && membership.subscriber.userId === exceptUser) continue;
      membership.deliver(shared, seq, epoch);
    }
  }

  /** Number of rooms with at least one local subscriber. */
  roomCount(): number {
    return this.rooms.size;
  }

  /** Bytes of live events held back right now for joins in progress (each subscriber's share is bounded by the subscriber). */
  heldBytes(): number {
    return this.held.bytes;
  }

  /** Number of local subscribers of `room`. */
  size(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }
}
