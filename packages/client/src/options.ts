import type { ServerFrame } from '@sinyal/protocol';
import type { BackoffOptions } from './backoff';
import type { TokenSource } from './connection';
import type { Environment } from './environment';
import type { HeartbeatOptions } from './heartbeat';
import type { OutboxOptions } from './outbox';
import type { WebSocketConstructor } from './socket';

/** Everything `createClient` accepts. Only `url` is required. */
export interface ClientOptions {
  /** Server endpoint, e.g. `wss://rt.example.com/ws`. */
  url: string;
  /**
   * Bearer token, or a function called before every connect and reconnect (so
   * short-lived tokens refresh themselves). If the server refuses a token the client
   * asks for a new one once; refused twice in a row, it stops in `failed`.
   */
  token?: TokenSource;
  /**
   * WebSocket implementation. @default globalThis.WebSocket (pass `ws` in Node < 22)
   */
  WebSocket?: WebSocketConstructor;
  /**
   * How the client reaches the server when it should not be WebSocket only. From
   * `@sinyal/client/http`: `httpFallback()` tries WebSocket first and switches to HTTP
   * (a streamed response, or long-polling, plus POSTed frames) after failed upgrades or where
   * there is no WebSocket, moving back in the background; `httpTransport()` is HTTP only.
   * Resume, the outbox, heartbeat and auth work the same on every transport. Wins over
   * `WebSocket` (give `httpFallback({ WebSocket: ws })` the `ws` class in Node < 22).
   * @default WebSocket only
   *
   * @example
   * ```ts
   * import { httpFallback } from '@sinyal/client/http';
   * createClient({ url: 'wss://rt.example.com/ws', token, transports: httpFallback() });
   * ```
   */
  transports?: WebSocketConstructor | undefined;
  /** Reconnect backoff. @default DEFAULT_BACKOFF (full jitter, 0.5 s → 20 s, unlimited attempts) */
  reconnect?: Partial<BackoffOptions>;
  /** Heartbeat. @default DEFAULT_HEARTBEAT (ping every 10 s, dead after 5 s of silence) */
  heartbeat?: Partial<HeartbeatOptions>;
  /** Offline queue limits, overflow policy and storage. @default DEFAULT_OUTBOX with memoryStorage() */
  outbox?: Partial<OutboxOptions>;
  /**
   * Wait this long after a room's last subscriber leaves before leaving it, so a
   * quick unmount/mount (React StrictMode, route changes) does not leave and re-join.
   * @default 0
   */
  roomReleaseMs?: number;
  /**
   * Give up on one connection attempt (token, TCP connect, upgrade, `welcome`) after this
   * long and retry with backoff. @default 10000
   */
  connectTimeoutMs?: number;
  /** Connect as soon as the client is created. @default true */
  autoConnect?: boolean;
  /**
   * Validate every inbound frame, e.g. with `parseServerFrame` from
   * `@sinyal/protocol/schema` (recommended in development; keeps zod out of the
   * bundle when omitted). Invalid frames are reported through `onError` and dropped.
   * @default undefined (no validation)
   */
  validate?: (frame: unknown) => { ok: true; frame: ServerFrame } | { ok: false; msg: string };
  /**
   * Receives exceptions thrown by your handlers and listeners, frames the client
   * could not use, and the server's `error` frames. Never rethrown into the socket loop.
   * @default console.error
   */
  onError?: (error: unknown) => void;
  /**
   * After a failed handshake, ask the server over HTTP whether it refused the token or
   * the origin (browsers hide the upgrade's status), so a bad token ends in `failed`
   * instead of a reconnect loop. Not needed where the upgrade's answer is readable (Node's
   * `ws`). The probe runs beside the backoff wait and never delays the next attempt.
   * @default true
   */
  authProbe?: boolean;
  /** Give up on one status probe after this long. @default 2000 */
  probeTimeoutMs?: number;
  /** Online/visibility signals. @default browserEnvironment() */
  environment?: Environment;
}
