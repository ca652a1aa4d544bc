import { Writable } from 'node:stream';
import * as ws from 'ws';
import { describe, expect, it } from 'vitest';
import { FlushScheduler, HeldSocket, type FlushLane } from '../src/wire/flushScheduler';
import { RoomRegistry, type Subscriber } from '../src/rooms/roomRegistry';
import { encodeTextFrame, SharedFrame, TURN_FLUSH_MIN_MEMBERS } from '../src/wire/sharedFrame';

/** A socket stand-in that records each write it hands to the "kernel": one entry per `_write`/`_writev`. */
class RecordingSocket extends Writable {
  readonly writes: string[][] = [];

  constructor() {
    super({ decodeStrings: false });
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push([String(chunk)]);
    callback();
  }

  override _writev(chunks: Array<{ chunk: unknown }>, callback: (error?: Error | null) => void): void {
    this.writes.push(chunks.map((c) => String(c.chunk)));
    callback();
  }
}

/** A scheduler whose deferred flushes run when the test says so. */
function manual(options: { maxBytesPerSocket?: number; maxBytesTotal?: number } = {}) {
  const pending: Record<'tick' | 'turn', (() => void) | undefined> = { tick: undefined, turn: undefined };
  const scheduler = new FlushScheduler({
    ...options,
    scheduleTick: (flush) => (pending.tick = flush),
    scheduleTurn: (flush) => (pending.turn = flush),
  });
  const run = (lane: 'tick' | 'turn') => {
    const flush = pending[lane];
    pending[lane] = undefined;
    flush?.();
  };
  return {
    scheduler,
    /** The end of the current callback. */
    endOfTick: () => run('tick'),
    /** The end of the loop turn (ticks first, as in Node). */
    endOfTurn: () => {
      run('tick');
      run('turn');
    },
    armed: () => pending.tick !== undefined || pending.turn !== undefined,
  };
}

function write(scheduler: FlushScheduler, target: HeldSocket, text: string, lane: FlushLane = 'tick'): void {
  scheduler.beforeWrite(target, text.length, lane);
  (target.socket as RecordingSocket).write(text);
}

describe('FlushScheduler', () => {
  it('holds every write of a turn and hands them over in one write at the end of the turn', () => {
    const { scheduler, endOfTurn, armed } = manual();
    const socket = new RecordingSocket();
    const target = new HeldSocket(socket);
    write(scheduler, target, 'ack');
    write(scheduler, target, 'event-1');
    write(scheduler, target, 'event-2');
    expect(socket.writes).toEqual([]);
    expect(target.heldBytes).toBe('ack'.length + 'event-1'.length + 'event-2'.length);
    expect(armed()).toBe(true);
    endOfTurn();
    expect(socket.writes).toEqual([['ack', 'event-1', 'event-2']]);
    expect(target.heldBytes).toBe(0);
    expect(scheduler.pending).toBe(0);
    expect(scheduler.pendingBytes).toBe(0);
    // The next turn is held (and scheduled) again.
    write(scheduler, target, 'event-3');
    expect(armed()).toBe(true);
    endOfTurn();
    expect(socket.writes).toEqual([['ack', 'event-1', 'event-2'], ['event-3']]);
  });

  it('flushes every socket of the turn together, each in one write', () => {
    const { scheduler, endOfTurn } = manual();
    const sockets = [new RecordingSocket(), new RecordingSocket()];
    const targets = sockets.map((s) => new HeldSocket(s));
    for (const n of [1, 2]) for (const target of targets) write(scheduler, target, `e${n}`);
    expect(scheduler.pending).toBe(2);
    endOfTurn();
    for (const socket of sockets) expect(socket.writes).toEqual([['e1', 'e2']]);
  });

  it('by default flushes once the promise chains running now are done (how a session handles frames)', async () => {
    const scheduler = new FlushScheduler();
    const socket = new RecordingSocket();
    const target = new HeldSocket(socket);
    await new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        // Like frames read in one I/O callback: each handled in a promise chain, with awaits inside.
        let queue = Promise.resolve();
        for (const frame of ['ack 1', 'event 1', 'ack 2', 'event 2']) {
          queue = queue.then(async () => {
            await Promise.resolve();
            write(scheduler, target, frame);
          });
        }
        setImmediate(() => {
          void Promise.resolve().then(() => write(scheduler, target, 'next callback'));
          setImmediate(() => {
            try {
              expect(socket.writes).toEqual([['ack 1', 'event 1', 'ack 2', 'event 2'], ['next callback']]);
              resolve();
            } catch (error) {
              reject(error); // fail with the difference, not a timeout
            }
          });
        });
      });
    });
  });

  it('in the turn lane, flushes once per loop turn: writes from several callbacks of the turn share a write', async () => {
    const scheduler = new FlushScheduler();
    const socket = new RecordingSocket();
    const target = new HeldSocket(socket);
    await new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        write(scheduler, target, 'a', 'turn');
        process.nextTick(() => write(scheduler, target, 'b', 'turn'));
        void Promise.resolve().then(() => write(scheduler, target, 'c', 'turn'));
        // Queued after the scheduler's own flush (armed by 'a'), so it looks after the flush.
        setImmediate(() => {
          try {
            expect(socket.writes).toEqual([['a', 'b', 'c', 'd']]);
            resolve();
          } catch (error) {
            reject(error);
          }
        });
      });
      // A second callback of the same check phase (another publisher's frame) writes too: same
      // write. (Immediates queued together always run in one phase; two 0 ms timers need not.)
      setImmediate(() => write(scheduler, target, 'd', 'turn'));
    });
  });

  it('keeps a socket held in the turn lane there: its tick-lane frames wait for the turn', () => {
    const { scheduler, endOfTick, endOfTurn } = manual();
    const socket = new RecordingSocket();
    const target = new HeldSocket(socket);
    write(scheduler, target, 'ack', 'tick');
    write(scheduler, target, 'room event', 'turn'); // moves it to the turn lane
    write(scheduler, target, 'ack 2', 'tick');
    endOfTick();
    expect(socket.writes).toEqual([]);
    endOfTurn();
    expect(socket.writes).toEqual([['ack', 'room event', 'ack 2']]);
  });

  it('flushes tick-lane sockets at the end of the callback and turn-lane sockets at the end of the turn', () => {
    const { scheduler, endOfTick, endOfTurn } = manual();
    const chat = new RecordingSocket();
    const lobby = new RecordingSocket();
    write(scheduler, new HeldSocket(chat), 'chat event', 'tick');
    write(scheduler, new HeldSocket(lobby), 'lobby event', 'turn');
    endOfTick();
    expect(chat.writes).toEqual([['chat event']]);
    expect(lobby.writes).toEqual([]);
    endOfTurn();
    expect(lobby.writes).toEqual([['lobby event']]);
  });

  it('writes a socket out as soon as it holds more than maxBytesPerSocket, then holds again', () => {
    const { scheduler, endOfTurn } = manual({ maxBytesPerSocket: 100 });
    const socket = new RecordingSocket();
    const target = new HeldSocket(socket);
    const chunk = (c: string) => c.repeat(40);
    write(scheduler, target, chunk('a'));
    write(scheduler, target, chunk('b'));
    expect(socket.writes).toEqual([]);
    write(scheduler, target, chunk('c')); // 120 bytes would be held: the first two go now
    expect(socket.writes).toEqual([[chunk('a'), chunk('b')]]);
    expect(target.heldBytes).toBe(40);
    endOfTurn();
    expect(socket.writes).toEqual([[chunk('a'), chunk('b')], [chunk('c')]]);
  });

  it('never holds a single write larger than maxBytesPerSocket', () => {
    const { scheduler, endOfTurn } = manual({ maxBytesPerSocket: 100 });
    const socket = new RecordingSocket();
    const target = new HeldSocket(socket);
    write(scheduler, target, 'small');
    write(scheduler, target, 'x'.repeat(500));
    // What was held goes first, the large write right behind it: nothing waits for the turn's end.
    expect(socket.writes).toEqual([['small'], ['x'.repeat(500)]]);
    expect(target.heldBytes).toBe(0);
    endOfTurn();
    expect(socket.writes).toHaveLength(2);
  });

  it('writes every socket out once more than maxBytesTotal is held in all', () => {
    const { scheduler, endOfTurn } = manual({ maxBytesTotal: 100 });
    const sockets = [new RecordingSocket(), new RecordingSocket()];
    const targets = sockets.map((s) => new HeldSocket(s));
    write(scheduler, targets[0]!, 'a'.repeat(60), 'turn');
    expect(sockets[0]!.writes).toEqual([]);
    write(scheduler, targets[1]!, 'b'.repeat(60), 'tick');
    expect(sockets[0]!.writes).toEqual([['a'.repeat(60)]]);
    expect(sockets[1]!.writes).toEqual([['b'.repeat(60)]]);
    expect(scheduler.pendingBytes).toBe(0);
    endOfTurn();
    expect(sockets[0]!.writes).toHaveLength(1);
  });

  it('flush() writes one socket out at once (before it is closed), leaving the others held', () => {
    const { scheduler, endOfTurn } = manual();
    const closing = new RecordingSocket();
    const other = new RecordingSocket();
    const closingTarget = new HeldSocket(closing);
    const otherTarget = new HeldSocket(other);
    write(scheduler, closingTarget, 'last ack', 'turn');
    write(scheduler, otherTarget, 'event', 'turn');
    scheduler.flush(closingTarget);
    closing.write('close frame');
    expect(closing.writes).toEqual([['last ack'], ['close frame']]);
    expect(other.writes).toEqual([]);
    endOfTurn();
    expect(other.writes).toEqual([['event']]);
    expect(closing.writes).toHaveLength(2);
  });

  it('reports only what this turn held back, not what was buffered before', () => {
    const { scheduler, endOfTurn } = manual();
    const socket = new RecordingSocket();
    socket.cork(); // stands for bytes the peer has not taken yet
    socket.write('x'.repeat(1000));
    const target = new HeldSocket(socket);
    write(scheduler, target, 'y'.repeat(10));
    expect(socket.writableLength).toBe(1010);
    expect(target.heldBytes).toBe(10);
    endOfTurn();
    expect(target.heldBytes).toBe(0);
    expect(socket.writableLength).toBe(1010); // still corked by its owner: a slow consumer stays visible
  });

  it('leaves a destroyed socket alone', () => {
    const { scheduler, armed } = manual();
    const socket = new RecordingSocket();
    socket.destroy();
    scheduler.beforeWrite(new HeldSocket(socket), 10);
    expect(armed()).toBe(false);
    expect(scheduler.pending).toBe(0);
  });
});

describe('broadcast lanes', () => {
  it('broadcasts to large rooms in the turn lane and to small ones in the tick lane', () => {
    const lanes: FlushLane[] = [];
    const registry = new RoomRegistry();
    const member = (i: number): Subscriber => ({ id: `s${i}`, userId: `u${i}`, sendShared: (frame) => void lanes.push(frame.lane) });
    registry.join('chat:1', member(0)).release(0);
    registry.join('chat:1', member(1)).release(0);
    for (let i = 0; i < TURN_FLUSH_MIN_MEMBERS; i++) registry.join('lobby:1', member(i)).release(0);
    registry.broadcast('chat:1', { t: 'event', room: 'chat:1', name: 'chat:msg', at: 1 });
    expect(lanes).toEqual(['tick', 'tick']);
    lanes.length = 0;
    registry.broadcast('lobby:1', { t: 'event', room: 'lobby:1', name: 'lobby:msg', at: 1 });
    expect(lanes).toEqual(Array(TURN_FLUSH_MIN_MEMBERS).fill('turn'));
  });
});

describe('pre-framed broadcasts', () => {
  const wsFrame = (text: string): Buffer => {
    const Sender = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender;
    return Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
  };

  it('builds the same bytes as ws for every payload length class and for multi-byte text', () => {
    for (const text of ['', 'a', 'x'.repeat(125), 'x'.repeat(126), 'é'.repeat(63), 'é'.repeat(64), 'x'.repeat(65_535), 'x'.repeat(65_536), '∑'.repeat(30_000), 'x'.repeat(200_000)]) {
      expect(encodeTextFrame(text).equals(wsFrame(text))).toBe(true);
    }
  });

  it('frames a shared broadcast once, whatever the number of recipients', () => {
    const frame = new SharedFrame('{"t":"event"}');
    const first = frame.wsFrame();
    expect(frame.wsFrame()).toBe(first);
    expect(first.equals(wsFrame('{"t":"event"}'))).toBe(true);
  });
});
