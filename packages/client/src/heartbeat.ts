/** Application-level heartbeat (browsers cannot send WebSocket ping frames). */
export interface HeartbeatOptions {
  /** How often the client pings. @default 10000 */
  intervalMs: number;
  /**
   * How long after a ping, with nothing at all received, the connection is
   * declared dead. A half-open connection is therefore detected within
   * `intervalMs + timeoutMs` (15 s by default; Ably's figure is 25 s).
   * @default 5000
   */
  timeoutMs: number;
}

export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 10_000, timeoutMs: 5_000 };

/**
 * Pings on an interval; if nothing arrives within `timeoutMs` of a ping, calls
 * `onDead`. Any inbound frame counts as a sign of life (see {@link Heartbeat.alive}),
 * so a busy connection is never killed for a pong queued behind data.
 */
export class Heartbeat {
  #intervalTimer: ReturnType<typeof setInterval> | undefined;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  readonly #options: HeartbeatOptions;
  readonly #sendPing: () => void;
  readonly #onDead: () => void;

  constructor(options: HeartbeatOptions, sendPing: () => void, onDead: () => void) {
    this.#options = options;
    this.#sendPing = sendPing;
    this.#onDead = onDead;
  }

  /** Start pinging; `maxIntervalMs` lets the server's eviction timeout shorten the interval. */
  start(maxIntervalMs = Infinity): void {
    this.stop();
    this.#intervalTimer = setInterval(() => this.#ping(), Math.min(this.#options.intervalMs, maxIntervalMs));
  }

  /**
   * Check now (the browser just reported going offline, and an open socket may be dead
   * without knowing it): ping at once and expect an answer within `timeoutMs`.
   */
  probe(): void {
    if (this.#intervalTimer !== undefined) this.#ping();
  }

  /** Sends a ping and, unless one is pending, starts the deadline for an answer. */
  #ping(): void {
    this.#sendPing();
    this.#deadlineTimer ??= setTimeout(this.#onDead, this.#options.timeoutMs);
  }

  /** Something arrived: the peer is alive. */
  alive(): void {
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
  }

  stop(): void {
    clearInterval(this.#intervalTimer);
    this.#intervalTimer = undefined;
    this.alive();
  }
}
