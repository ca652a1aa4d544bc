import { PROTOCOL_VERSION, RETRYABLE_ERROR_CODES, type ClientFrame, type CommandShape, type EventName, type ServerFrame, type SinyalCommands, type SinyalEvents } from '@sinyal/protocol';
import { DEFAULT_BACKOFF } from './backoff';
import { ServerClock } from './clock';
import { Connection, type ConnectionSnapshot, type ConnectionState } from './connection';
import { browserEnvironment } from './environment';
import { SinyalError } from './errors';
import { DEFAULT_HEARTBEAT, Heartbeat } from './heartbeat';
import type { ClientOptions } from './options';
import { DEFAULT_OUTBOX, Outbox, type PendingCommand } from './outbox';
import { memoryStorage, type OutboxRecord } from './outboxStorage';
import { Room, type RoomHost } from './room';
import { OPEN, type WebSocketLike } from './socket';
import { logError, type ErrorReporter } from './subscribable';
import { unref } from './timers';

type DataOf<C, N extends keyof C> = C[N] extends CommandShape ? C[N]['data'] : unknown;
type ResultOf<C, N extends keyof C> = C[N] extends CommandShape ? C[N]['result'] : unknown;

/** Options of one command. */
export interface CommandOptions {
  /** Room the command addresses (required by room-scoped commands such as `publish`). */
  room?: string;
  /** Your own idempotency key; by default a random UUID. */
  id?: string;
  /**
   * Fire-and-forget: sent only if connected right now (fails with `unavailable`
   * otherwise), never queued, persisted or re-sent after a reconnect.
   */
  volatile?: boolean;
}

/** A random id for a command or a message (UUID where the platform has one). */
export function newId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  // randomUUID exists only in secure contexts; the fallback (time + 52 random bits) is unique enough per user.
  return crypto?.randomUUID?.() ?? Date.now().toString(36) + Math.random().toString(36).slice(2);
}

/**
 * A Sinyal client: one connection, its rooms, its outbox and the server clock.
 * Create it with {@link createClient}. It is itself subscribable: `subscribe` /
 * `getSnapshot` give the {@link ConnectionSnapshot}.
 */
export class SinyalClient<Events extends object = SinyalEvents, Commands extends object = SinyalCommands> {
  /** Server time estimated from heartbeats: use `clock.now()` for countdowns. */
  readonly clock = new ServerClock();
  /** The offline queue: every command not yet acknowledged, oldest first. */
  declare readonly outbox: Outbox; // `declare`: set in the constructor, no initialiser emitted (core bytes)
  /** User id the server authenticated, once welcomed. */
  declare user: string | undefined;
  /** The options the client was created with (read-only; REST helpers use `url` and `token`). */
  declare readonly options: ClientOptions;
  readonly #connection: Connection;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #rooms = new Map<string, Room<Events>>();
  readonly #joins = new Map<string, Room<Events>>();
  readonly #report: ErrorReporter;
  readonly #roomHost: RoomHost;
  readonly #validate: ClientOptions['validate'];
  #socket: WebSocketLike | undefined;
  /** The server welcomed this socket as the outbox's user: commands may go. */
  #welcomed = false;
  #maxFrameBytes = 65_536;
  #joinCounter = 0;

  constructor(options: ClientOptions) {
    this.options = options;
    const report = (this.#report = options.onError ?? logError);
    this.#validate = options.validate;
    this.#connection = new Connection(
      { ...options, backoff: { ...DEFAULT_BACKOFF, ...options.reconnect }, environment: options.environment ?? browserEnvironment() },
      {
        opened: (socket) => this.#opened(socket),
        frame: (data) => this.#receive(data),
        down: () => this.#down(),
        suspect: () => this.#heartbeat?.probe(),
      },
    );
    (this.#connection as unknown as { report: ErrorReporter }).report = report;
    const heartbeat = { ...DEFAULT_HEARTBEAT, ...options.heartbeat };
    if (heartbeat.intervalMs > 0) {
      this.#heartbeat = new Heartbeat(
        heartbeat,
        () => this.#write({ t: 'ping', ts: Date.now() }),
        () => this.#connection.drop(new SinyalError('timeout', `no frame within ${heartbeat.timeoutMs} ms of a ping`)),
      );
    }
    this.outbox = new Outbox(
      { ...DEFAULT_OUTBOX, storage: memoryStorage(), ...options.outbox },
      (command) => {
        // Only once welcomed: the server has named the user these commands belong to.
        if (!this.#welcomed) return false;
        const { id, name, room } = command.getSnapshot();
        // A room's commands wait for its join (the server only accepts them from members),
        // or fail with its refusal. One that went out before (e.g. ahead of a reload) is sent
        // anyway to learn its fate: the server answers it from memory if it ran it, or says
        // "join first" (transient, not run) and it waits like the others.
        if (room !== undefined && !command.transmitted) {
          const target = this.#rooms.get(room);
          if (target?.getSnapshot().status !== 'joined') return target?.refusal() ?? false;
        }
        const text = this.#encode({ t: 'cmd', id, name, room, data: command.data });
        return typeof text === 'string' ? this.#socket!.send(text) : text;
      },
      report,
    );
    this.#roomHost = {
      report,
      releaseDelayMs: options.roomReleaseMs ?? 0,
      sendJoin: (room) => this.#sendJoin(room as unknown as Room<Events>),
      sendLeave: (room) => {
        if (room.joinId) this.#joins.delete(room.joinId);
        this.#write({ t: 'leave', room: room.name });
      },
      publish: (room, event, data, volatile) =>
        // `volatile: undefined` is left out of the frame (JSON drops undefined fields).
        this.command('publish' as Extract<keyof Commands, string>, { event, data, volatile: volatile || undefined } as never, { room, volatile }),
    };
    if (options.autoConnect ?? true) this.connect();
  }

  /** Current connection state, readable synchronously. */
  get state(): ConnectionState {
    return this.#connection.getSnapshot().state;
  }

  /** Connection snapshot (state, attempt, last error, next retry time); stable until it changes. */
  getSnapshot(): ConnectionSnapshot {
    return this.#connection.getSnapshot();
  }

  /** Listen to connection state changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    return this.#connection.subscribe(listener);
  }

  /** Connect (again). Called by the constructor unless `autoConnect: false`. */
  connect(): void {
    this.#connection.connect();
  }

  /** Close the connection and stop reconnecting. Queued commands stay in the outbox. */
  close(): void {
    this.#connection.close();
  }

  /** The room with this name (`kind:id`); the same object for the same name. */
  room(name: string): Room<Events> {
    let room = this.#rooms.get(name);
    if (!room) this.#rooms.set(name, (room = new Room<Events>(name, this.#roomHost)));
    return room;
  }

  /**
   * Queue a command. It is sent now if connected, otherwise after reconnect, and
   * retried with the same id until the server answers (the server executes an id
   * once). Track it through the returned handle's status or `await handle.done`.
   */
  command<Name extends Extract<keyof Commands, string>>(name: Name, data: DataOf<Commands, Name>, options: CommandOptions = {}): PendingCommand<ResultOf<Commands, Name>> {
    const record = { id: options.id ?? newId(), name, room: options.room, data, createdAt: Date.now() } as OutboxRecord;
    return this.outbox.add<ResultOf<Commands, Name>>(record, options.volatile);
  }

  /**
   * Send a command and wait for its answer. Rejects with a {@link SinyalError}: the
   * server's code when refused, `timeout` after `timeoutMs` (a command that has not
   * left the outbox by then is cancelled; one already sent may still be executed).
   */
  request<Name extends Extract<keyof Commands, string>>(
    name: Name,
    data: DataOf<Commands, Name>,
    options: CommandOptions & { timeoutMs?: number } = {},
  ): Promise<ResultOf<Commands, Name>> {
    const command = this.command(name, data, options);
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new SinyalError('timeout', `no answer within ${timeoutMs} ms`);
        command.cancel(error.code, error.message);
        reject(error);
      }, timeoutMs);
      command.done.finally(() => clearTimeout(timer)).then(resolve, reject);
    });
  }

  #isSocketOpen(): boolean {
    return this.#socket !== undefined && this.#socket.readyState === OPEN;
  }

  #write(frame: ClientFrame): void {
    if (this.#isSocketOpen()) this.#socket!.send(JSON.stringify(frame));
  }

  #sendJoin(room: Room<Events>): void {
    if (room.joinId) this.#joins.delete(room.joinId);
    room.joinId = undefined;
    if (!this.#isSocketOpen()) return; // joined when the connection opens
    const id = `j${++this.#joinCounter}`;
    const text = this.#encode({ t: 'join', id, room: room.name, from: room.position(), params: room.params });
    if (typeof text !== 'string') return room.handleJoinRefused(text);
    room.joinId = id;
    this.#joins.set(id, room);
    this.#socket!.send(text);
  }

  /**
   * The frame as text (JSON leaves out `undefined` fields, such as a command's missing
   * `room`), or a `too_large` error if it exceeds the server's frame limit.
   */
  #encode(frame: { t: 'cmd' | 'join'; [field: string]: unknown }): string | SinyalError {
    const text = JSON.stringify(frame);
    return new TextEncoder().encode(text).length > this.#maxFrameBytes ? new SinyalError('too_large', `${frame.t} exceeds the server's ${this.#maxFrameBytes}-byte frame limit`) : text;
  }

  /** The room whose current join `id` answers (an answer to an older join of it is ignored). */
  #joinAnswered(id: string): Room<Events> | undefined {
    const room = this.#joins.get(id);
    this.#joins.delete(id);
    return room?.joinId === id ? room : undefined;
  }

  /** Socket open: greet and re-join, pipelined (the server answers in order); commands follow the welcome. */
  #opened(socket: WebSocketLike): void {
    this.#socket = socket;
    this.#write({ t: 'hello', v: PROTOCOL_VERSION });
    for (const room of this.#rooms.values()) if (room.wantsJoin()) this.#sendJoin(room);
  }

  #down(): void {
    this.#socket = undefined;
    this.#welcomed = false;
    this.#heartbeat?.stop();
    this.#joins.clear();
    this.outbox.requeueSent();
    for (const room of this.#rooms.values()) room.disconnected();
  }

  #receive(data: unknown): void {
    this.#heartbeat?.alive();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
      const checked = this.#validate?.(frame);
      if (checked && !checked.ok) throw checked.msg;
      if (checked) frame = checked.frame;
    } catch (reason) {
      // not JSON, or refused by the `validate` option
      return this.#report(new SinyalError('invalid_frame', `server frame rejected: ${reason as string}`));
    }
    try {
      this.#dispatch(frame);
      // Whatever the frame changed (welcomed, a room joined or refused, an answer) may let
      // waiting commands go, or fail them with their room's refusal. Events change nothing.
      if (frame.t !== 'event') this.outbox.flush();
    } catch (error) {
      this.#report(error);
    }
  }

  #dispatch(frame: ServerFrame): void {
    switch (frame.t) {
      case 'welcome':
        this.user = frame.user;
        this.#maxFrameBytes = frame.maxFrameBytes;
        this.clock.seed(frame.now);
        // Ping well inside the server's eviction timeout, whatever the local setting says.
        this.#heartbeat?.start(frame.heartbeatTimeoutMs / 3);
        // Commands go only over a connection of the user they belong to.
        this.#welcomed = this.outbox.signedIn(frame.user);
        this.#connection.markOpen();
        return;
      case 'joined':
        this.#joinAnswered(frame.id)?.handleJoined(frame);
        return;
      case 'event':
      case 'reset': {
        const room = this.#rooms.get(frame.room);
        if (room?.getSnapshot().status === 'joined') {
          if (frame.t === 'event') room.handleEvent(frame);
          else room.handleReset(frame);
        }
        return;
      }
      case 'left':
        this.#rooms.get(frame.room)?.handleJoinRefused(new SinyalError(frame.code, frame.msg));
        return;
      case 'ack':
        this.outbox.ack(frame.id, frame.data);
        return;
      case 'nack': {
        const error = new SinyalError(frame.code, frame.msg, frame.retryAfterMs, frame.data);
        if (!this.#joins.has(frame.id)) return this.outbox.nack(frame.id, error);
        const room = this.#joinAnswered(frame.id);
        if (!room) return;
        if (RETRYABLE_ERROR_CODES.includes(frame.code)) {
          // Busy, not refused: try the join again shortly, on this connection.
          unref(setTimeout(() => room.joinId === undefined && room.active && this.#sendJoin(room), frame.retryAfterMs ?? 1000));
          room.joinId = undefined;
        } else {
          room.handleJoinRefused(error);
        }
        return;
      }
      case 'pong':
        this.clock.sample(frame.ts, frame.now);
        return;
      case 'error':
        this.#report(new SinyalError(frame.code, frame.msg, frame.retryAfterMs));
        return;
    }
  }
}

/**
 * Create a client. Pass your event map (or augment `SinyalEvents`) to get typed
 * room events and commands.
 *
 * @example
 * ```ts
 * import { createClient } from '@sinyal/client';
 *
 * type Events = { 'demo:message': { text: string } };
 * const client = createClient<Events>({ url: 'ws://localhost:8080/ws', token: () => getToken() });
 * const room = client.room('demo:lobby');
 * room.on('demo:message', (msg) => console.log(msg.text));
 * room.publish('demo:message', { text: 'hello' });
 * ```
 */
export function createClient<Events extends object = SinyalEvents, Commands extends object = SinyalCommands>(
  options: ClientOptions,
): SinyalClient<Events, Commands & SinyalCommands> {
  return new SinyalClient<Events, Commands & SinyalCommands>(options);
}
