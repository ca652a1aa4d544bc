import type { Redis } from 'ioredis';
import { SinyalServerError } from '../errors';

/** How long a command waits for the very first connection before failing. */
const FIRST_CONNECT_WAIT_MS = 5000;

/** When a client should retry something refused because Redis is unreachable. */
export const RETRY_UNAVAILABLE_MS = 1000;

/**
 * The link watchdog of a {@link RedisConnection} (see `RedisStoreOptions.pingIntervalMs`).
 * `intervalMs: 0` turns it off.
 */
export interface LinkWatch {
  /** How often to PING an idle-or-busy ready connection. */
  intervalMs: number;
  /** A PING unanswered this long (or a handshake still unfinished this long) severs the connection. */
  timeoutMs: number;
}

/**
 * One ioredis connection and whether it can be used now. Commands are never queued
 * while Redis is unreachable (`enableOfflineQueue: false`): they fail at once with a
 * retryable `unavailable`, so clients re-send instead of waiting behind a dead link.
 * Only before the first connection do they wait (a starting node).
 *
 * A link that goes silent without closing (packets black-holed by a partition, a dead
 * NAT entry, a frozen peer) raises no error: TCP stays "established" and ioredis keeps
 * reporting `ready` while every command hangs. The watchdog bounds that: every
 * `intervalMs` it sends a PING, and one unanswered within `timeoutMs` — or answered with
 * anything but a pong, which means the reply stream is out of step with the commands —
 * destroys the socket. That is an ordinary connection loss from there on: `up` turns
 * false, the `onDown` listeners run, pending commands fail (retryably), and ioredis
 * reconnects with a fresh socket (a stalled handshake is severed the same way). A
 * stalled socket is never reused: ioredis pairs replies with commands by order only, so a
 * fresh socket (empty reply queue) is the one state known to be right.
 */
export class RedisConnection {
  private firstReady: Promise<void> | undefined;
  /** Ready since the last close: the next close is a loss worth telling the listeners about. */
  private wasUp = false;
  private readonly downListeners = new Set<() => void>();
  private readonly watchdog: NodeJS.Timeout | undefined;
  /** A PING is outstanding. */
  private pinging = false;
  /** TCP connected, handshake (ready check) not finished yet: since when. */
  private handshakeSince: number | undefined;
  /** The watchdog severed the current socket; `up` is false until the next `ready`. */
  private severed = false;
  private closed = false;
  /** Sockets the watchdog destroyed so far. */
  severedCount = 0;

  constructor(
    readonly client: Redis,
    private readonly watch: LinkWatch = { intervalMs: 0, timeoutMs: 0 },
  ) {
    this.firstReady = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable()), FIRST_CONNECT_WAIT_MS);
      timer.unref();
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      client.once('error', () => {
        clearTimeout(timer);
        reject(unavailable());
      });
    });
    this.firstReady.then(
      () => (this.firstReady = undefined),
      () => (this.firstReady = undefined),
    );
    client.on('error', () => {}); // reported through `up` and /health; ioredis reconnects by itself
    client.on('connect', () => {
      this.handshakeSince = Date.now();
    });
    client.on('ready', () => {
      this.wasUp = true;
      this.severed = false;
      this.handshakeSince = undefined;
    });
    client.on('close', () => {
      this.handshakeSince = undefined;
      // Once per loss: the failed attempts to reconnect that follow close too, but change nothing.
      if (!this.wasUp) return;
      this.wasUp = false;
      for (const listener of this.downListeners) listener();
    });
    if (watch.intervalMs > 0 && watch.timeoutMs > 0) {
      this.watchdog = setInterval(() => this.check(), watch.intervalMs);
      this.watchdog.unref();
    }
  }

  /** True while commands can be sent. */
  get up(): boolean {
    return this.client.status === 'ready' && !this.severed;
  }

  /** True when Redis is known unreachable (not merely still making its first connection). */
  get down(): boolean {
    return !this.up && this.firstReady === undefined;
  }

  /** The client, once usable; throws `unavailable` when Redis is unreachable. */
  async get(): Promise<Redis> {
    if (this.up) return this.client;
    if (this.firstReady) {
      await this.firstReady;
      if (this.up) return this.client;
    }
    throw unavailable();
  }

  /** Called every time the connection is lost after having been ready (once per loss); returns the function that stops it. */
  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Stops the watchdog and closes the connection for good. */
  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    this.client.disconnect();
  }

  /** One watchdog round: PING a ready link; sever one that stays silent or out of step. */
  private check(): void {
    const status = this.client.status;
    if (this.closed || status === 'end') return;
    if (status === 'connect' && this.handshakeSince !== undefined && Date.now() - this.handshakeSince > this.watch.timeoutMs) {
      this.sever();
      return;
    }
    if (status !== 'ready' || this.severed || this.pinging) return;
    this.pinging = true;
    const socket = this.client.stream;
    let settled = false;
    const settle = (healthy: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.pinging = false;
      // Only the socket the PING went out on; a reconnect meanwhile has a fresh one.
      if (!healthy && this.client.stream === socket && !this.closed) this.sever();
    };
    // A timer that fires late because this process was blocked (a long synchronous task, a
    // GC pause, a starved CPU) runs before the I/O phase that would read a PONG which arrived
    // meanwhile: judge the link only after that phase (setImmediate runs right after it), so a
    // busy process is not taken for a silent link — severing would shed every client.
    const timer = setTimeout(() => setImmediate(() => settle(false)), this.watch.timeoutMs);
    this.client.ping().then(
      (reply: unknown) => settle(isPong(reply)),
      () => settle(true), // the command failed: the connection already closed and ioredis reports it
    );
  }

  /** Destroys the socket: ioredis sees a closed connection, fails what is pending and reconnects. */
  private sever(): void {
    this.severed = true;
    this.severedCount++;
    this.handshakeSince = undefined;
    this.client.stream?.destroy();
  }
}

/** `PONG`, or `['pong', '']` on a connection in subscriber mode. */
function isPong(reply: unknown): boolean {
  const word = Array.isArray(reply) ? reply[0] : reply;
  return typeof word === 'string' && word.toLowerCase() === 'pong';
}

export function unavailable(): SinyalServerError {
  return new SinyalServerError('unavailable', 'redis unavailable', { retryAfterMs: RETRY_UNAVAILABLE_MS });
}

/**
 * A failed Redis call as the server should report it: anything but an error reply from
 * Redis itself (a timed-out command, a connection closed or severed under it, a stream
 * that is not writable) means the link failed, which a retry may fix → `unavailable`
 * (the client's outbox re-sends). Errors already typed, and Redis error replies (a script
 * bug), are passed on unchanged.
 */
export function linkFailure(error: unknown): unknown {
  if (error instanceof SinyalServerError) return error;
  if (error instanceof Error && error.name === 'ReplyError') return error;
  return new SinyalServerError('unavailable', 'redis unavailable', { retryAfterMs: RETRY_UNAVAILABLE_MS, cause: error });
}
