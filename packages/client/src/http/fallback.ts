import { CLOSE_NORMAL, CLOSE_SERVICE_RESTART } from '@sinyal/protocol';
import type { WebSocketConstructor, WebSocketLike } from '../socket';
import { httpTransport, type HttpSocket, type HttpTransportOptions } from './httpSocket';

/** Options of {@link httpFallback}. */
export interface HttpFallbackOptions extends HttpTransportOptions {
  /** The WebSocket to try first. @default globalThis.WebSocket (none: HTTP only) */
  WebSocket?: WebSocketConstructor | undefined;
  /** Failed WebSocket attempts in a row (no `open`) before switching to HTTP. @default 2 */
  after?: number;
  /**
   * While on HTTP, try a WebSocket this often; once one opens, the HTTP connection is closed
   * (1012) and the client reconnects over WebSocket, resuming its rooms. `0`: never.
   * @default 30000
   */
  probeIntervalMs?: number;
}

type Watchable = WebSocketLike & { addEventListener(type: 'open' | 'close', listener: () => void): void };

/** Opens a WebSocket to see whether upgrades get through now; answers a function that stops it. */
function probe(Ws: WebSocketConstructor, url: string, protocols: string | string[] | undefined, timeoutMs: number, onOpen: () => void): () => void {
  let socket: WebSocketLike | undefined;
  try {
    socket = new Ws(url, protocols);
  } catch {
    return () => {};
  }
  const stop = () => {
    clearTimeout(timer);
    socket.onopen = socket.onclose = null;
    socket.onerror = () => {}; // closing a connecting `ws` socket emits an error
    socket.close(CLOSE_NORMAL, 'probe');
  };
  const timer = setTimeout(stop, timeoutMs);
  socket.onerror = () => {};
  socket.onclose = () => clearTimeout(timer);
  socket.onopen = () => {
    stop();
    onOpen();
  };
  return stop;
}

/**
 * A transport chain for the `transports` option: WebSocket first, HTTP (see {@link httpTransport}) after
 * `after` failed upgrades in a row or where there is no WebSocket, and back to WebSocket once a
 * background probe shows upgrades get through again. A switch is a reconnect: the rooms resume
 * by `(epoch, seq)` and unacknowledged commands are re-sent with their ids, so nothing is
 * missed or doubled. An HTTP attempt that fails too sends the next one to WebSocket first
 * again (the network, not the upgrade, may be down).
 *
 * @example
 * ```ts
 * import { createClient } from '@sinyal/client';
 * import { httpFallback } from '@sinyal/client/http';
 *
 * const client = createClient({ url: 'wss://rt.example.com/ws', token, transports: httpFallback() });
 * ```
 */
export function httpFallback(options: HttpFallbackOptions = {}): WebSocketConstructor {
  const Http = httpTransport(options);
  const after = options.after ?? 2;
  const probeIntervalMs = options.probeIntervalMs ?? 30_000;
  let failures = 0;
  function Transport(url: string, protocols?: string | string[]): WebSocketLike {
    const Ws = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    let opened = false;
    if (Ws && failures < after) {
      const socket = new Ws(url, protocols) as Watchable;
      socket.addEventListener('open', () => {
        opened = true;
        failures = 0;
      });
      socket.addEventListener('close', () => {
        if (!opened) failures++;
      });
      return socket;
    }
    const socket = new Http(url, protocols) as HttpSocket;
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopProbe = () => {};
    socket.addEventListener('open', () => {
      opened = true;
      if (!Ws || probeIntervalMs <= 0) return;
      timer = setInterval(() => {
        stopProbe();
        stopProbe = probe(Ws, url, protocols, Math.min(probeIntervalMs, 10_000), () => {
          failures = 0;
          // The connection sees a restart: it reconnects at once (over WebSocket) and resumes.
          socket.close(CLOSE_SERVICE_RESTART, 'moving to WebSocket');
        });
      }, probeIntervalMs);
      (timer as { unref?: () => void }).unref?.();
    });
    socket.addEventListener('close', () => {
      clearInterval(timer);
      stopProbe();
      if (!opened) failures = 0;
    });
    return socket;
  }
  return Transport as unknown as WebSocketConstructor;
}
