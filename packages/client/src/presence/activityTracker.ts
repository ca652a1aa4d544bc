import { RETRYABLE_ERROR_CODES, type PresenceCommands, type SinyalCommands } from '@sinyal/protocol';
import type { SinyalClient } from '../client';
import type { ConnectionSnapshot } from '../connection';
import { isSinyalError, SinyalError } from '../errors';
import { Subscribable } from '../subscribable';
import { unref } from '../timers';
import { browserActivitySource, type ActivitySource } from './activitySource';

/** Options of {@link activityTracker}. */
export interface ActivityTrackerOptions {
  /**
   * After this long without input (the page visible) the connection reports itself idle.
   * A hidden page reports idle at once.
   * @default 300000 (5 minutes)
   */
  idleAfterMs: number;
  /**
   * Where input and page visibility come from.
   * @default browserActivitySource() (nothing to listen to in Node: use `setIdle`)
   */
  source: ActivitySource;
}

/** Default {@link ActivityTrackerOptions} (the source is `browserActivitySource()`). */
export const DEFAULT_ACTIVITY_TRACKER: Pick<ActivityTrackerOptions, 'idleAfterMs'> = { idleAfterMs: 300_000 };

/** Whether this connection counts as idle (what the tracker reports, or will once connected). */
export interface ActivitySnapshot {
  readonly idle: boolean;
}

// Plain objects, not frozen: a top-level call would stay in every bundle that imports the client.
const ACTIVE: ActivitySnapshot = { idle: false };
const IDLE: ActivitySnapshot = { idle: true };
/** Wait before sending again after a refusal that names no `retryAfterMs`. */
const RETRY_MS = 1000;

type PresenceClient = SinyalClient<object, PresenceCommands & SinyalCommands>;

/**
 * Tells the server whether this connection is in use, so the people watching the user see
 * them `away` when every one of their connections (tabs, devices) is idle, and `online` when
 * any is active. **Subscribing turns it on**, the last unsubscribe turns it off (the server
 * then counts the connection active again). While on, it reports `presence:set_activity`:
 *
 * - idle after `idleAfterMs` without input, and at once when the page is hidden;
 * - active again on input, or when the page is shown.
 *
 * Only changes are sent, one at a time, the latest state winning (a state that changed while
 * a report was under way is sent after it). Reports are volatile — never queued while offline
 * — and the current state is sent again after every reconnect, since a new connection starts
 * active on the server. A report refused as `rate_limited` (or otherwise retryable) is tried
 * again after `retryAfterMs`. Get it with {@link activityTracker} (one per client).
 */
export class ActivityTracker extends Subscribable {
  /** Quiet time before the connection counts as idle. */
  readonly idleAfterMs: number;
  readonly #client: PresenceClient;
  readonly #source: ActivitySource;
  #snapshot = ACTIVE;
  #lastInputAt = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stop: (() => void) | undefined;
  /** A report is awaiting its answer. */
  #sending = false;
  /** The idle flag the server acknowledged, and on which connection (a new one starts active). */
  #acknowledged: { idle: boolean; connection: ConnectionSnapshot } | undefined;
  /** A report refused for good (e.g. a server without the presence feature): not repeated on that connection. */
  #refused: { idle: boolean; connection: ConnectionSnapshot } | undefined;

  constructor(client: SinyalClient<object, object>, options: Partial<ActivityTrackerOptions> = {}) {
    super();
    const idleAfterMs = options.idleAfterMs ?? DEFAULT_ACTIVITY_TRACKER.idleAfterMs;
    if (typeof idleAfterMs !== 'number' || !(idleAfterMs > 0) || idleAfterMs > 2 ** 31 - 1) {
      throw new SinyalError('bad_request', 'activityTracker: idleAfterMs must be a number of ms between 1 and 2147483647');
    }
    const source = options.source ?? browserActivitySource();
    if (typeof source?.isHidden !== 'function' || typeof source.listen !== 'function') {
      throw new SinyalError('bad_request', 'activityTracker: source must have isHidden() and listen(onInput, onVisibilityChange)');
    }
    this.idleAfterMs = idleAfterMs;
    this.#client = client as unknown as PresenceClient;
    this.#source = source;
    if (client.options.onError) this.report = client.options.onError;
  }

  /** `{ idle }`: the same object until it changes. */
  getSnapshot(): ActivitySnapshot {
    return this.#snapshot;
  }

  /** Whether the tracker is on (it has subscribers). */
  get tracking(): boolean {
    return this.#stop !== undefined;
  }

  /**
   * Reports this connection idle (`true`: until the next input, or `setIdle(false)`) or
   * active (`false`: counts as input, so the idle timer starts over). For platforms without
   * a page (Node, a bot, a kiosk with its own notion of "away") or an app's own "Set me
   * away" button. Throws `bad_request` for a non-boolean, `conflict` while not tracking.
   */
  setIdle(idle: boolean): void {
    if (typeof idle !== 'boolean') throw new SinyalError('bad_request', 'setIdle: idle must be true or false');
    if (!this.#stop) throw new SinyalError('conflict', 'activityTracker: not tracking (subscribe to it first)');
    if (idle) this.#goIdle();
    else this.#input(true);
  }

  protected override onSubscribe(): void {
    if (this.#stop) return;
    const stopListening = this.#source.listen(
      () => this.#input(false),
      () => (this.#source.isHidden() ? this.#goIdle() : this.#input(false)),
    );
    const stopWatching = this.#client.subscribe(() => this.#connectionChanged());
    this.#stop = () => {
      stopListening();
      stopWatching();
    };
    if (this.#source.isHidden()) this.#goIdle();
    else this.#input(false);
  }

  protected override onUnsubscribe(): void {
    if (this.listeners.size > 0 || !this.#stop) return;
    this.#stop();
    this.#stop = undefined;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#cancelRetry();
    // No longer tracked: the connection counts as active again.
    this.#set(ACTIVE);
    this.#report();
  }

  /** Input (or, with `explicit`, `setIdle(false)`): active now, and the idle countdown starts over. */
  #input(explicit: boolean): void {
    // A hidden page stays idle whatever it receives (a programmatic scroll is nobody's hand).
    if (!explicit && this.#source.isHidden()) return;
    this.#lastInputAt = Date.now();
    this.#idleTimer ??= unref(setTimeout(() => this.#quietCheck(), this.idleAfterMs));
    if (this.#snapshot.idle) {
      this.#set(ACTIVE);
      this.#report();
    }
  }

  /** The countdown ran out: idle if no input came since, else wait for the rest of it. */
  #quietCheck(): void {
    const quietMs = Date.now() - this.#lastInputAt;
    this.#idleTimer = undefined;
    if (quietMs >= this.idleAfterMs) this.#goIdle();
    else this.#idleTimer = unref(setTimeout(() => this.#quietCheck(), this.idleAfterMs - quietMs));
  }

  #goIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#snapshot.idle) return;
    this.#set(IDLE);
    this.#report();
  }

  #set(snapshot: ActivitySnapshot): void {
    if (snapshot === this.#snapshot) return;
    this.#snapshot = snapshot;
    this.notify();
  }

  #connectionChanged(): void {
    // Down: a pending retry belongs to the lost connection. Open (again): a new connection
    // starts active on the server, so an idle state is sent again.
    if (this.#client.state !== 'open') this.#cancelRetry();
    else this.#report();
  }

  /** The idle flag the server holds for this connection right now, as far as we know. */
  #serverIdle(connection: ConnectionSnapshot): boolean {
    return this.#acknowledged?.connection === connection && this.#acknowledged.idle;
  }

  /** Sends the current state if the server's differs, unless a report or its retry is under way. */
  #report(): void {
    if (this.#sending || this.#retryTimer !== undefined || this.#client.state !== 'open') return;
    // The connection snapshot changes identity whenever the connection leaves `open`: it names this connection.
    const connection = this.#client.getSnapshot();
    const { idle } = this.#snapshot;
    if (idle === this.#serverIdle(connection)) return;
    if (this.#refused?.connection === connection && this.#refused.idle === idle) return;
    this.#sending = true;
    this.#client.command('presence:set_activity', { idle }, { volatile: true }).done.then(
      () => {
        this.#acknowledged = { idle, connection };
        this.#settled(undefined);
      },
      (error: unknown) => {
        const sameConnection = this.#client.getSnapshot() === connection;
        if (sameConnection && isSinyalError(error) && RETRYABLE_ERROR_CODES.includes(error.code)) return this.#settled(error.retryAfterMs ?? RETRY_MS);
        // Lost with its connection (the next one is told after the reconnect), or refused for good.
        if (sameConnection) {
          this.#refused = { idle, connection };
          this.report(error);
        }
        this.#settled(undefined);
      },
    );
  }

  /** A report was answered: send what changed meanwhile, now or after `retryInMs`. */
  #settled(retryInMs: number | undefined): void {
    this.#sending = false;
    if (retryInMs === undefined) return this.#report();
    this.#retryTimer = unref(
      setTimeout(() => {
        this.#retryTimer = undefined;
        this.#report();
      }, retryInMs),
    );
  }

  #cancelRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}

let trackers: WeakMap<object, ActivityTracker> | undefined;

/**
 * The {@link ActivityTracker} of this client (one per client: every tab has its own client
 * and connection, so "every tab hidden" is the server's merge of the tabs). `options` apply
 * when it is first created. Subscribe to turn it on; `getSnapshot().idle` says what this
 * connection reports. Throws `bad_request` for options it cannot use.
 *
 * @example
 * ```ts
 * const activity = activityTracker(client, { idleAfterMs: 2 * 60_000 });
 * const stop = activity.subscribe(() => console.log(activity.getSnapshot().idle ? 'away' : 'active'));
 * // Node, or an explicit "Set me away" button:
 * activity.setIdle(true);
 * stop(); // tracking off: the connection counts as active again
 * ```
 */
export function activityTracker<E extends object, C extends object>(client: SinyalClient<E, C>, options?: Partial<ActivityTrackerOptions>): ActivityTracker {
  trackers ??= new WeakMap();
  let tracker = trackers.get(client);
  if (!tracker) trackers.set(client, (tracker = new ActivityTracker(client as unknown as SinyalClient<object, object>, options)));
  return tracker;
}
