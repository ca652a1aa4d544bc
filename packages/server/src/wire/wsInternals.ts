import type WebSocket from 'ws';
import type { SessionSocket } from './httpSocket';
import type { CorkableSocket } from './flushScheduler';

/**
 * Everything Sinyal reads from `ws`'s private internals, in one place. Two speed-ups rely
 * on them: write batching (the connection's TCP socket is corked and uncorked around a
 * batch of frames, see `FlushScheduler`) and pre-framed broadcasts (a broadcast's bytes,
 * framed once, are handed to ws' sender for every member instead of framing each copy,
 * see `SharedFrame`). Both fall back to ordinary `ws.send` when the internals are absent;
 * `wsInternals.test.ts` fails loudly when an upgrade of `ws` changes them, rather than
 * letting the server get silently slower — and the `ws` range in package.json is pinned to
 * the versions that test covers.
 *
 * The internals (ws 8.x): `ws._socket` (the net.Socket), `ws._sender` (a Sender with
 * `sendFrame(list, cb)`, `_state` 0 when it writes straight to the socket, and `_queue` of
 * frames waiting behind a compression).
 */

/** ws' Sender state in which it writes frames straight to the socket (not compressing, not queueing). */
const SENDER_IDLE = 0;

interface WsSender {
  _state: number;
  _queue: unknown[];
  sendFrame(list: Buffer[], cb?: (err?: Error) => void): void;
}

type WsWithInternals = { _socket?: CorkableSocket; _sender?: Partial<WsSender> };

/** The connection's TCP socket, for corking around a batch of writes; `null` if ws exposes none. */
export function socketOf(ws: SessionSocket): CorkableSocket | null {
  return (ws as unknown as WsWithInternals)._socket ?? null;
}

/**
 * Writes already framed bytes through ws' own sender, the way ws writes any frame it built
 * itself — or answers `false` when it cannot do so safely right now (the caller then uses
 * `ws.send`): on a compressing connection (ws deflates per message), while ws is
 * compressing or queueing (the bytes must not overtake or split a frame of its own, e.g. a
 * close frame), or with a ws whose sender does not look as expected.
 */
export type FrameWriter = (framed: Buffer) => boolean;

/** The pre-framed writer of `ws`'s connection (see {@link FrameWriter}); `null` when it has none. */
export function frameWriterOf(ws: SessionSocket): FrameWriter | null {
  const sender = (ws as unknown as WsWithInternals)._sender;
  if (ws.extensions !== '' || !sender || typeof sender.sendFrame !== 'function' || typeof sender._state !== 'number' || !Array.isArray(sender._queue)) return null;
  const raw = sender as WsSender;
  return (framed) => {
    if (raw._state !== SENDER_IDLE || raw._queue.length !== 0) return false;
    raw.sendFrame([framed]);
    return true;
  };
}

/** Whether `ws` exposes every internal above (what the test asserts for the pinned versions). */
export function hasExpectedInternals(ws: WebSocket): boolean {
  const internals = ws as unknown as WsWithInternals;
  const sender = internals._sender;
  return (
    typeof internals._socket?.cork === 'function' &&
    typeof internals._socket.uncork === 'function' &&
    typeof internals._socket.writableLength === 'number' &&
    !!sender &&
    typeof sender.sendFrame === 'function' &&
    typeof sender._state === 'number' &&
    Array.isArray(sender._queue)
  );
}
