// Pre-framed broadcasts: a broadcast is serialised and framed once, and the same bytes are
// written to every member (see docs/performance.md, "What limits the server").
import type { FlushLane, FlushScheduler } from './flushScheduler';

/**
 * The WebSocket frame (RFC 6455: FIN, text opcode, unmasked, no extension bits) carrying
 * `text`, header and UTF-8 payload in one buffer: what `ws` would write for `send(text)`
 * on a connection without permessage-deflate.
 */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, headerLength, 'utf8');
  return frame;
}

/**
 * A server frame serialised once for every recipient of a broadcast. Its WebSocket frame
 * bytes are also built once, on first use, so a connection without permessage-deflate is
 * sent the same buffer as every other member (no per-recipient framing or string → bytes
 * conversion); a compressing connection sends `raw` through `ws` as usual.
 */
export class SharedFrame {
  private bytes: Buffer | undefined;

  /** `lane`: when members' sockets are written out (see {@link FlushScheduler}). */
  constructor(
    readonly raw: string,
    readonly lane: FlushLane = 'tick',
  ) {}

  /** The complete WebSocket text frame (see {@link encodeTextFrame}), built on first use. */
  wsFrame(): Buffer {
    return (this.bytes ??= encodeTextFrame(this.raw));
  }
}

/**
 * Rooms with at least this many local members have their broadcasts written out at the end
 * of the loop turn (the `turn` lane of {@link FlushScheduler}) rather than at the end of the
 * current callback: in a busy room, a member then gets the events of every publisher read in
 * the same turn in one write. Smaller rooms (a two-person chat) keep the `tick` lane, where
 * nothing waits for other sockets' frames.
 */
export const TURN_FLUSH_MIN_MEMBERS = 16;
