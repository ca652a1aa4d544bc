import type { ErrorCode } from '@sinyal/protocol';
import { SinyalError } from './errors';
import { memoryStorage, type OutboxRecord, type OutboxStorage } from './outboxStorage';
import { Subscribable, type ErrorReporter } from './subscribable';
import { retryScheduler } from './retryScheduler';

/** `queued` (waiting for a connection) → `sent` (on the wire) → `acked` | `failed`. */
export type CommandStatus = 'queued' | 'sent' | 'acked' | 'failed';

/** Outbox limits and policy. */
export interface OutboxOptions {
  /** Most commands waiting at once. @default 1000 */
  maxSize: number;
  /**
   * A command still queued this long after it was created fails with `expired`.
   * Keep it below the server's dedupe window (10 min by default) so a retried
   * command is always recognised. @default 300000 (5 min)
   */
  ttlMs: number;
  /**
   * What happens when a command arrives at a full outbox. `reject`: the new command
   * fails with `overflow`. `drop-oldest`: the oldest queued command fails with
   * `overflow` and the new one is kept. Either way the loser is reported through its
   * status, never dropped silently. @default 'reject'
   */
  overflow: 'reject' | 'drop-oldest';
  /** Persistence for pending commands, keyed by user. @default memoryStorage() */
  storage: OutboxStorage;
  /**
   * The signed-in user whose commands these are. Set it when you know it before the
   * connection opens, so persisted commands are restored (and shown) at once; otherwise
   * they are restored for the user the server's `welcome` names. Either way a client
   * never sends one user's stored commands as another. @default undefined
   */
  user?: string;
}

export const DEFAULT_OUTBOX: Omit<OutboxOptions, 'storage'> = { maxSize: 1000, ttlMs: 300_000, overflow: 'reject' };

/** Snapshot of one command, stable until the command changes. */
export interface CommandSnapshot<Result = unknown> {
  id: string;
  name: string;
  room: string | undefined;
  status: CommandStatus;
  result: Result | undefined;
  error: SinyalError | undefined;
  createdAt: number;
}

/**
 * Handle of one command in the outbox. Subscribe for status changes, or await
 * `done` (resolves with the server's result, rejects with a {@link SinyalError}).
 */
export class PendingCommand<Result = unknown> extends Subscribable {
  // `declare`: assigned in the constructor, no field initialiser emitted (core bytes).
  /** The command's payload. */
  declare readonly data: unknown;
  /** Resolves with the server's result when acked; rejects with a SinyalError when failed. */
  declare readonly done: Promise<Result>;
  #snapshot: CommandSnapshot<Result>;
  #settle!: { resolve(result: unknown): void; reject(error: SinyalError): void };

  readonly #outbox: Outbox;

  constructor(record: OutboxRecord, report: ErrorReporter, outbox: Outbox) {
    super();
    this.#outbox = outbox;
    this.report = report;
    this.data = record.data;
    const { id, name, room, createdAt } = record;
    this.#snapshot = { id, name, room, status: 'queued', createdAt } as CommandSnapshot<Result>; // result, error: undefined
    this.transmitted = record.sent === true;
    this.done = new Promise<Result>((resolve, reject) => (this.#settle = { resolve: resolve as (result: unknown) => void, reject }));
    // Nobody may be awaiting (fire-and-forget sends, commands restored from storage).
    this.done.catch(() => {});
  }

  get id(): string { return this.#snapshot.id; }
  get status(): CommandStatus { return this.#snapshot.status; }
  getSnapshot(): CommandSnapshot<Result> { return this.#snapshot; }

  /** Remove the command if it has not been sent yet; it fails with `cancelled`. */
  cancel(code: ErrorCode = 'cancelled', message: string = code): boolean {
    if (this.#snapshot.status !== 'queued') return false;
    this.#outbox.fail(this, new SinyalError(code, message));
    return true;
  }

  /** @internal */
  update(status: CommandStatus, result?: Result, error?: SinyalError): void {
    this.#snapshot = { ...this.#snapshot, status, result, error };
    if (status === 'acked') this.#settle.resolve(result);
    if (status === 'failed') this.#settle.reject(error!);
    this.notify();
  }

  /** @internal Fire-and-forget: never queued, persisted or re-sent. */
  volatile = false;
  /** @internal Went on the wire at least once (so the server may have run it). */
  transmitted = false;
  /** @internal Local time it was last put on the wire. */
  sentAt = 0;
  /** @internal Not re-sent before this local time (after an `unavailable` or transient refusal). */
  retryAt = 0;

  /** @internal */
  toRecord(): OutboxRecord {
    const { id, name, room, createdAt } = this.#snapshot;
    // `room` may be undefined (JSON leaves it out).
    return { id, name, room, data: this.data, createdAt, sent: this.transmitted } as OutboxRecord;
  }
}

/**
 * Puts one command on the wire. Returns `undefined` when sent, `false` when it cannot
 * go now (not connected, or its room is not joined: the caller flushes again when that
 * changes), or an error that fails it (e.g. too large, or its room refused us).
 */
export type SendCommand = (command: PendingCommand) => SinyalError | false | void;

/**
 * The offline queue. Every command waits here, in order, until the server acks it.
 * While disconnected it is held; after reconnect `flush` sends everything queued, in
 * creation order, with the same ids (the server dedupes, so a command that was on
 * the wire when the connection died still happens once). When to send — the server's
 * `retryAfterMs`, pacing after a rate limit, the one retry timer — is decided by the
 * {@link retryScheduler}.
 *
 * Commands of one room (or all commands without a room) keep their order: a command
 * that waits holds back the later ones of its room.
 */
export class Outbox extends Subscribable {
  #pending: PendingCommand[] = [];
  #snapshot: readonly PendingCommand[] = [];
  #saving: Promise<void> = Promise.resolve();
  /** Whose commands these are: storage is read and written for this user only. */
  #user: string | undefined;
  /** New commands wait until restored ones are back, so order holds across reloads. */
  #loaded = false;

  readonly #options: OutboxOptions;
  readonly #send: SendCommand;
  readonly #scheduler = retryScheduler(() => this.flush());

  constructor(options: OutboxOptions, send: SendCommand, report: ErrorReporter) {
    super();
    this.#options = options;
    this.#send = send;
    this.report = report;
    if (options.user !== undefined) this.signedIn(options.user);
  }

  /**
   * Whose commands these are: `outbox.user`, or else the first user a `welcome` names,
   * whose persisted commands are restored then (nothing is sent before). Returns whether
   * `user` is that owner. A client whose token later names someone else must send none of
   * them (the client then holds the whole outbox): use one client per signed-in user.
   */
  signedIn(user: string): boolean {
    if (this.#user !== undefined) return user === this.#user;
    this.#user = user;
    void Promise.resolve()
      .then(() => this.#options.storage.load(user))
      .catch((error: unknown) => {
        this.report(error);
        return [];
      })
      .then((records) => {
        const restored = records.map((r) => new PendingCommand(r, this.report, this));
        this.#pending = [...restored, ...this.#pending];
        this.#loaded = true;
        this.#changed(restored.length < this.#pending.length);
        this.flush();
      });
    return true;
  }

  /** Commands not yet acked or failed, oldest first. Stable until the list changes. */
  getSnapshot(): readonly PendingCommand[] { return this.#snapshot; }

  get size(): number { return this.#pending.length; }

  /**
   * Queue a command and send it if it can go now. A `volatile` command is sent now or
   * fails with `unavailable`: it is never queued.
   */
  add<Result>(record: OutboxRecord, volatile = false): PendingCommand<Result> {
    const command = new PendingCommand<Result>(record, this.report, this) as PendingCommand;
    command.volatile = volatile;
    const { maxSize, overflow } = this.#options;
    if (!volatile && this.#pending.length >= maxSize) {
      const full = new SinyalError('overflow', `outbox full (${maxSize} commands)`);
      const oldestQueued = this.#pending.find((c) => c.status === 'queued');
      // The loser (the new command, or the oldest queued one) fails visibly.
      this.fail(overflow === 'reject' || !oldestQueued ? command : oldestQueued, full);
      if (command.status === 'failed') return command as PendingCommand<Result>;
    }
    this.#pending.push(command);
    this.flush();
    // A volatile command goes now or never (in the list only to match its ack).
    if (volatile && command.status === 'queued') this.fail(command, new SinyalError('unavailable', 'cannot be sent now'));
    else this.#changed(!volatile);
    return command as PendingCommand<Result>;
  }

  /**
   * Send what may go now, oldest first: everything queued, within the send window and
   * the server's pace, except commands still waiting for their retry time or their room
   * (and the later ones of that room); expire those past their TTL. Called on every
   * change that may let one go; whatever still waits on time has the scheduler's one
   * timer armed for it.
   */
  flush(): void {
    if (!this.#loaded) return;
    const now = Date.now();
    const scheduler = this.#scheduler;
    const held = new Set<string | undefined>();
    const { ttlMs } = this.#options;
    let inFlight = this.#pending.filter((c) => c.status === 'sent').length;
    let first = false;
    for (const command of [...this.#pending]) {
      const { room: lane, createdAt } = command.getSnapshot();
      if (command.status !== 'queued') continue;
      // Only commands the server never ran expire: one that went out may have been
      // executed, so it is re-sent (same id, deduped) until answered, never reported
      // as a failure it was not.
      if (!command.transmitted) {
        if (createdAt + ttlMs <= now) {
          this.fail(command, new SinyalError('expired', `not sent within ${ttlMs} ms`));
          continue;
        }
        scheduler.wake(createdAt + ttlMs);
      }
      if (held.has(lane)) continue;
      const at = Math.max(command.retryAt, scheduler.due(inFlight));
      const refused = at > now ? false : this.#send(command);
      if (at > now) scheduler.wake(at);
      if (refused === false) held.add(lane);
      else if (refused) this.fail(command, refused);
      else {
        inFlight++;
        first ||= !command.transmitted;
        command.transmitted = true;
        command.sentAt = now;
        scheduler.sent(now);
        command.update('sent');
      }
    }
    // Persist the `sent` flags: a command that went out may have run, so it never expires.
    if (first) this.#changed(true);
  }

  /** The connection dropped: whatever was on the wire must be sent again. */
  requeueSent(): void {
    for (const command of [...this.#pending]) {
      if (command.status !== 'sent') continue;
      if (command.volatile) this.fail(command, new SinyalError('unavailable', 'connection lost'));
      else command.update('queued');
    }
  }

  /** The server accepted the command. Unknown ids (answers to an earlier page) are ignored. */
  ack(id: string, result: unknown): void {
    const command = this.#find(id);
    if (!command) return;
    this.#scheduler.answered(command.sentAt);
    this.#remove(command);
    command.update('acked', result);
    this.flush();
  }

  /**
   * The server refused the command. `rate_limited` pauses the whole queue for
   * `retryAfterMs`, then paces it; `unavailable` re-sends this command after
   * `retryAfterMs`; any other code that comes with `retryAfterMs` is a transient refusal
   * (the server did not run the command, e.g. "join the room first"): it is re-sent
   * after that delay (a room command, once its room is joined again) and may expire like
   * a command never sent. Anything else fails the command. A volatile command is never
   * retried: any refusal fails it.
   */
  nack(id: string, error: SinyalError): void {
    const command = this.#find(id);
    if (!command) return;
    if (command.volatile) return this.fail(command, error);
    const { code, retryAfterMs = 1000 } = error;
    if (code === 'rate_limited') this.#scheduler.answered(command.sentAt, retryAfterMs);
    else if (code === 'unavailable' || error.retryAfterMs !== undefined) {
      command.retryAt = Date.now() + retryAfterMs;
      // Transient: refused without being run, so it may now expire like a command never sent.
      if (code !== 'unavailable') command.transmitted = false;
    } else return this.fail(command, error);
    command.update('queued', undefined, error); // still queued; `error` says why it waits
    this.#changed(true);
    this.flush();
  }

  #find(id: string): PendingCommand | undefined {
    return this.#pending.find((c) => c.id === id);
  }

  /** Fail one command with a reason and take it out of the queue. */
  fail(command: PendingCommand, error: SinyalError): void {
    this.#remove(command);
    command.update('failed', undefined, error);
  }

  /** Fail everything still pending (e.g. the user signed out). */
  clear(code: ErrorCode = 'cancelled', message: string = code): void {
    for (const command of [...this.#pending]) this.fail(command, new SinyalError(code, message));
  }

  #remove(command: PendingCommand): void {
    const index = this.#pending.indexOf(command);
    if (index < 0) return;
    this.#pending.splice(index, 1);
    this.#changed(true);
  }

  #changed(persist: boolean): void {
    this.#snapshot = [...this.#pending];
    if (!this.#pending.length) this.#scheduler.idle();
    // Saving before the restore would overwrite what the previous page left.
    if (persist && this.#loaded) {
      const records = this.#pending.filter((c) => !c.volatile).map((c) => c.toRecord());
      // One save at a time, in order: a slow older save must not overwrite a newer one.
      // (The user is set before anything is loaded, and never changes.)
      this.#saving = this.#saving.then(() => this.#options.storage.save(records, this.#user!)).catch(this.report);
    }
    this.notify();
  }
}
