/**
 * Server-wide write batching. Every frame a server sends costs one socket write (a
 * `writev` system call), and over loopback or a LAN that system call, with the wake-up of
 * the reader it causes, is most of the server's CPU time under load. The scheduler corks a
 * socket at its first write and uncorks it a little later, so all the frames the
 * connection is sent meanwhile leave in one write. "A little later" is one of two lanes:
 *
 * - `tick` (`process.nextTick`): the end of the current I/O callback, after its promise
 *   chains (a command's awaits on an in-memory store included). Merges everything caused
 *   by the frames read from one socket: a publisher's ack and its own echoed event, the
 *   events of several publishes read together, a join's replay. Adds no latency worth
 *   the name. Used for every frame but large-room broadcasts.
 * - `turn` (`setImmediate`): after the poll phase, i.e. after every socket read in this
 *   loop turn was handled. Also merges the events that *different* publishers' frames,
 *   read in the same turn, send to the same members: in a busy large room each member
 *   then gets one write per turn instead of one per publish. It holds each write until the
 *   turn's last inbound frame was handled, which buys nothing where the recipients of
 *   consecutive frames differ (two-person chats), so only broadcasts to large rooms use it
 *   (`RoomRegistry`). A socket held in the `turn` lane stays there for the rest of the turn
 *   (an ack to a publisher in a large room goes out with the turn's events).
 *
 * Bounds:
 * - latency: one loop turn at most; nothing waits for a timer;
 * - bytes held per socket (`maxBytesPerSocket`): past it the socket is written out at once
 *   (and held again), and a single write larger than it is never held;
 * - bytes held in total (`maxBytesTotal`): past it every held socket is written out at once;
 * - a socket about to be closed is flushed first ({@link FlushScheduler.flush}), so its last
 *   frames (acks during a graceful shutdown) precede the close frame.
 *
 * Held bytes sit in the socket's own write buffer (its `writableLength`), which is what a
 * slow-consumer check reads; {@link HeldSocket.heldBytes} tells how much of it is only
 * held back for now, so that a healthy client is never mistaken for a slow one.
 */

/** What the scheduler needs of a socket (a `net.Socket`, or any Writable). */
export interface CorkableSocket {
  cork(): void;
  uncork(): void;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

/** When a held socket is written out: end of the current callback (`tick`) or of the loop turn (`turn`). */
export type FlushLane = 'tick' | 'turn';

export interface FlushSchedulerOptions {
  /** Most bytes held back for one socket at a time. @default 65536 */
  maxBytesPerSocket?: number;
  /** Most bytes held back across all sockets at a time. @default 4194304 (4 MiB) */
  maxBytesTotal?: number;
  /** Runs the `tick` lane's flush. @default process.nextTick */
  scheduleTick?: (flush: () => void) => void;
  /** Runs the `turn` lane's flush. @default setImmediate */
  scheduleTurn?: (flush: () => void) => void;
}

export const DEFAULT_MAX_HELD_BYTES_PER_SOCKET = 64 * 1024;
export const DEFAULT_MAX_HELD_BYTES_TOTAL = 4 * 1024 * 1024;

/** One socket's hold state (one per connection). */
export class HeldSocket {
  /** Corked by the scheduler and not yet uncorked. */
  held = false;
  /** The lane it is held in (meaningful while `held`). */
  lane: FlushLane = 'tick';
  /** The socket's `writableLength` when it was corked. */
  base = 0;
  /** Bytes announced to the scheduler since it was corked. */
  bytes = 0;

  constructor(readonly socket: CorkableSocket) {}

  /** Bytes of the socket's write buffer that are only held back for now (0 when not held). */
  get heldBytes(): number {
    return this.held ? Math.max(0, this.socket.writableLength - this.base) : 0;
  }
}

/** The sockets held in one lane and whether its flush is scheduled. */
interface Lane {
  sockets: HeldSocket[];
  armed: boolean;
  readonly schedule: (flush: () => void) => void;
  readonly flush: () => void;
}

export class FlushScheduler {
  private readonly maxPerSocket: number;
  private readonly maxTotal: number;
  private readonly lanes: Record<FlushLane, Lane>;
  private totalBytes = 0;

  constructor(options: FlushSchedulerOptions = {}) {
    this.maxPerSocket = options.maxBytesPerSocket ?? DEFAULT_MAX_HELD_BYTES_PER_SOCKET;
    this.maxTotal = options.maxBytesTotal ?? DEFAULT_MAX_HELD_BYTES_TOTAL;
    const lane = (name: FlushLane, schedule: (flush: () => void) => void): Lane => ({ sockets: [], armed: false, schedule, flush: () => this.flushLane(name) });
    this.lanes = {
      tick: lane('tick', options.scheduleTick ?? ((flush) => process.nextTick(flush))),
      turn: lane('turn', options.scheduleTurn ?? ((flush) => void setImmediate(flush))),
    };
  }

  /** Number of sockets held back right now. */
  get pending(): number {
    const held = new Set<HeldSocket>();
    for (const lane of Object.values(this.lanes)) for (const target of lane.sockets) if (target.held) held.add(target);
    return held.size;
  }

  /** Bytes held back right now, as announced by {@link beforeWrite}. */
  get pendingBytes(): number {
    return this.totalBytes;
  }

  /**
   * Call right before writing about `bytes` to `target`'s socket: holds the socket back
   * until the flush of `lane` (or of the `turn` lane if it is held there already), within
   * the byte bounds.
   */
  beforeWrite(target: HeldSocket, bytes: number, lane: FlushLane = 'tick'): void {
    if (target.held && target.bytes + bytes > this.maxPerSocket) this.flush(target);
    if (bytes > this.maxPerSocket || target.socket.destroyed) return; // written straight through
    if (!target.held) {
      target.held = true;
      target.lane = lane;
      target.base = target.socket.writableLength;
      target.bytes = 0;
      target.socket.cork();
      this.enqueue(target, lane);
    } else if (lane === 'turn' && target.lane === 'tick') {
      target.lane = 'turn'; // the tick flush skips it now
      this.enqueue(target, 'turn');
    }
    target.bytes += bytes;
    this.totalBytes += bytes;
    if (this.totalBytes > this.maxTotal) this.flushAll();
  }

  /** Writes out what `target` holds now (before closing its socket, or past a bound). */
  flush(target: HeldSocket): void {
    if (!target.held) return;
    target.held = false;
    this.totalBytes -= target.bytes;
    target.bytes = 0;
    target.socket.uncork();
    // Its entry in a lane's list stays: the lane's flush skips sockets no longer held there.
  }

  /** Writes out every held socket, in both lanes (past the total bound). */
  flushAll(): void {
    this.flushLane('tick');
    this.flushLane('turn');
  }

  private enqueue(target: HeldSocket, name: FlushLane): void {
    const lane = this.lanes[name];
    lane.sockets.push(target);
    if (!lane.armed) {
      lane.armed = true;
      lane.schedule(lane.flush);
    }
  }

  private flushLane(name: FlushLane): void {
    const lane = this.lanes[name];
    lane.armed = false;
    const sockets = lane.sockets;
    lane.sockets = [];
    for (const target of sockets) if (target.held && target.lane === name) this.flush(target);
  }
}
