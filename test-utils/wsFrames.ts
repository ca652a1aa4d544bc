// Hand-made WebSocket (RFC 6455) frames and HTTP upgrades over raw TCP, for chaos tests
// that must send what no well-behaved client library would: wrong RSV bits, unmasked
// client frames, lying length fields, thousands of fragments, absurd headers.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export const Opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameSpec {
  /** Payload bytes (a string is UTF-8 encoded). Default empty. */
  payload?: Buffer | string;
  /** Default text. */
  opcode?: number;
  /** Default true. */
  fin?: boolean;
  /** RSV1..RSV3 bits; default all false. RSV1 means "compressed" under permessage-deflate. */
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** Client frames must be masked (RFC 6455 §5.1); default true. */
  mask?: boolean;
  /**
   * Length written in the header instead of the payload's real length (the payload is
   * still written as is): a frame that announces more than it carries.
   */
  declaredLength?: number;
  /** Force the 7-bit / 16-bit / 64-bit length encoding (default: the smallest that fits). */
  lengthEncoding?: 7 | 16 | 64;
}

/** Encodes one frame, as a client would send it (masked unless `mask: false`). */
export function encodeFrame(spec: FrameSpec = {}): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'utf8') : (spec.payload ?? Buffer.alloc(0));
  const length = spec.declaredLength ?? payload.length;
  const masked = spec.mask ?? true;
  const encoding = spec.lengthEncoding ?? (length < 126 ? 7 : length <= 0xffff ? 16 : 64);
  const extra = encoding === 7 ? 0 : encoding === 16 ? 2 : 8;
  const header = Buffer.alloc(2 + extra + (masked ? 4 : 0));
  header[0] =
    ((spec.fin ?? true) ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | ((spec.opcode ?? Opcode.text) & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  if (encoding === 7) header[1] = maskBit | length;
  else if (encoding === 16) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + extra);
  const body = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i]! ^ key[i & 3]!;
  return Buffer.concat([header, body]);
}

/** A frame the server sent (servers never mask). */
export interface ServerWsFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Incremental decoder of server → client frames. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the frames completed by them. */
  push(chunk: Buffer): ServerWsFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: ServerWsFrame[] = [];
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) break;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b[1]! & 0x80) !== 0;
      if (masked) offset += 4; // never from a server; tolerated so a test can report it
      if (b.length < offset + length) break;
      frames.push({ fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload: b.subarray(offset, offset + length) });
      this.buffer = b.subarray(offset + length);
    }
    return frames;
  }
}

/** Builds an HTTP/1.1 upgrade request. `extraHeaders` are written verbatim, in order (duplicates allowed). */
export function upgradeRequest(options: {
  path?: string;
  host?: string;
  protocols?: string[];
  /** Raw `Sec-WebSocket-Protocol` value (overrides `protocols`). */
  protocolHeader?: string;
  origin?: string;
  extensions?: string;
  extraHeaders?: Array<[string, string]>;
}): string {
  const lines = [
    `GET ${options.path ?? '/ws'} HTTP/1.1`,
    `Host: ${options.host ?? '127.0.0.1'}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
  ];
  const protocolHeader = options.protocolHeader ?? options.protocols?.join(', ');
  if (protocolHeader !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocolHeader}`);
  if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
  if (options.extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  for (const [name, value] of options.extraHeaders ?? []) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** `sinyal.v1` plus the bearer entry carrying `token`, as the client offers them. */
export function sinyalProtocols(token: string): string[] {
  return ['sinyal.v1', `sinyal.bearer.${Buffer.from(token).toString('base64url')}`];
}

/** How a raw connection ended, as seen from the client side. */
export interface RawEnd {
  /** Close code from the server's close frame, if it sent one. */
  closeCode: number | undefined;
  closeReason: string;
  /** The TCP connection ended (FIN or reset). */
  socketClosed: boolean;
}

/** A TCP connection to a server, speaking WebSocket by hand after the upgrade. */
export interface RawSocket {
  readonly socket: net.Socket;
  /** Everything received before the end of the HTTP response head (status line + headers). */
  readonly responseHead: string;
  /** HTTP status of the upgrade answer (101 on success). */
  readonly status: number;
  /** Bytes received after the response head that are not yet decoded into frames (a refusal's body). */
  readonly bodyText: () => string;
  /** Frames received after the upgrade, in order. */
  readonly frames: ServerWsFrame[];
  /** Text frames parsed as JSON. */
  readonly messages: () => Array<Record<string, unknown>>;
  /** All bytes received, as latin1 text (to search for something that must never be echoed). */
  readonly received: () => string;
  write(bytes: Buffer | string): boolean;
  /** Resolves when the server sends a close frame or the socket closes, whichever first; rejects after `timeoutMs`. */
  ended(timeoutMs?: number): Promise<RawEnd>;
  /** Waits for a JSON text message matching `match`. */
  nextMessage(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  destroy(): void;
}

/**
 * Opens a TCP connection to `port` on 127.0.0.1, writes `request` (use {@link upgradeRequest}),
 * and resolves once the HTTP response head arrived — or the socket closed without one
 * (`status` 0), which is how a server refuses a request it cannot even parse.
 */
export function rawConnect(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let head: string | undefined;
    let status = 0;
    let rest = Buffer.alloc(0);
    const frames: ServerWsFrame[] = [];
    const decoder = new FrameDecoder();
    let closeCode: number | undefined;
    let closeReason = '';
    let closeFrameSeen = false;
    let socketClosed = false;
    const wakers = new Set<() => void>();
    const wake = () => {
      for (const w of [...wakers]) w();
    };

    const settle = () => {
      clearTimeout(timer);
      resolve(raw);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no HTTP response within ${timeoutMs} ms`));
    }, timeoutMs);

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (head === undefined) {
        rest = Buffer.concat([rest, chunk]);
        const end = rest.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = rest.subarray(0, end).toString('latin1');
        status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        rest = rest.subarray(end + 4);
        if (status === 101) {
          const body = rest;
          rest = Buffer.alloc(0);
          if (body.length > 0) onFrames(decoder.push(body));
        }
        settle();
        return;
      }
      if (status === 101) onFrames(decoder.push(chunk));
      else rest = Buffer.concat([rest, chunk]);
      wake();
    });
    const onFrames = (got: ServerWsFrame[]) => {
      for (const frame of got) {
        frames.push(frame);
        if (frame.opcode === Opcode.close && !closeFrameSeen) {
          closeFrameSeen = true;
          closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
          closeReason = frame.payload.subarray(2).toString('utf8');
        }
      }
      wake();
    };
    socket.on('error', () => {});
    socket.on('close', () => {
      socketClosed = true;
      if (head === undefined) {
        head = '';
        settle();
      }
      wake();
    });
    socket.on('connect', () => socket.write(request));

    const raw: RawSocket = {
      socket,
      get responseHead() {
        return head ?? '';
      },
      get status() {
        return status;
      },
      bodyText: () => rest.toString('utf8'),
      frames,
      messages: () =>
        frames
          .filter((f) => f.opcode === Opcode.text)
          .map((f) => {
            try {
              return JSON.parse(f.payload.toString('utf8')) as Record<string, unknown>;
            } catch {
              return { unparsable: f.payload.toString('utf8') };
            }
          }),
      received: () => Buffer.concat(chunks).toString('latin1'),
      write: (bytes) => (socket.destroyed ? false : socket.write(bytes)),
      ended: (ms = 5000) =>
        new Promise<RawEnd>((res, rej) => {
          const check = () => {
            if (!closeFrameSeen && !socketClosed) return false;
            wakers.delete(check);
            clearTimeout(t);
            res({ closeCode, closeReason, socketClosed });
            return true;
          };
          const t = setTimeout(() => {
            wakers.delete(check);
            rej(new Error(`connection still open after ${ms} ms`));
          }, ms);
          if (!check()) wakers.add(check);
        }),
      nextMessage: (match, ms = 5000) =>
        new Promise((res, rej) => {
          let seen = 0;
          const check = () => {
            const all = raw.messages();
            for (; seen < all.length; seen++) {
              if (match(all[seen]!)) {
                wakers.delete(check);
                clearTimeout(t);
                res(all[seen]!);
                return true;
              }
            }
            if (socketClosed) {
              wakers.delete(check);
              clearTimeout(t);
              rej(new Error('socket closed before the expected message'));
              return true;
            }
            return false;
          };
          const t = setTimeout(() => {
            wakers.delete(check);
            rej(new Error(`no matching message within ${ms} ms`));
          }, ms);
          if (!check()) wakers.add(check);
        }),
      destroy: () => socket.destroy(),
    };
  });
}

/** Upgrades with `token` and completes `hello` → `welcome`; the socket is ready for hand-made frames. */
export async function rawSession(port: number, token: string, options: { extensions?: string } = {}): Promise<RawSocket> {
  const raw = await rawConnect(port, upgradeRequest({ protocols: sinyalProtocols(token), ...options }));
  if (raw.status !== 101) throw new Error(`upgrade refused: ${raw.responseHead}`);
  raw.write(encodeFrame({ payload: JSON.stringify({ t: 'hello', v: 1 }) }));
  await raw.nextMessage((m) => m.t === 'welcome');
  return raw;
}
