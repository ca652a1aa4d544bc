import type { ErrorCode } from '@sinyal/protocol';
import { SinyalError } from './errors';
import { memoryStorage, type OutboxRecord, type OutboxStorage } from './outboxStorage';
import { Subscribable, type ErrorReporter } from './subscribable';
import { unref } from './timers';

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
  /** Persistence for pending commands. @default memoryStorage() */
  storage: OutboxStorage;
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
  readonly data: unknown;
  /** Resolves with the server's result when acked; rejects with a SinyalError when failed. */
  readonly done: Promise<Result>;
  #snapshot: CommandSnapshot<Result>;
  #settle!: { resolve(result: unknown): void; reject(error: SinyalError): void };

  readonly #outbox: Outbox;

  constructor(record: OutboxRecord, report: ErrorReporter, outbox: Outbox) {
    super();
    this.#outbox = outbox;
    this.report = report;
    this.data = record.data;
    this.#snapshot = { id: record.id, name: record.name, room: record.room, status: 'queued', result: undefined, error: undefined, createdAt: record.createdAt };
    this.transmitted = record.sent === true;
    this.done = new Promise<Result>((resolve, reject) => (this.#settle = { resolve: resolve as (result: unknown) => void, reject }));
    // Nobody may be awaiting (fire-and-forget sends, commands restored from storage).
    this.done.catch(() => {});
  }

  get id(): string { return this.#snapshot.id; }
  get status(): CommandStatus { return this.#snapshot.status; }
  getSnapshot(): CommandSnapshot<Result> { return this.#snapshot; }

  /** Remove the command if it has not been sent yet; it fails with `cancelled`. */
  cancel(code: ErrorCode = 'cancelled', message = 'cancelled'): boolean {
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

  /** @internal */
  toRecord(): OutboxRecord {
    const { id, name, room, createdAt } = this.#snapshot;
    const record: OutboxRecord = { id, name, data: this.data, createdAt };
    if (room !== undefined) record.room = room;
    if (this.transmitted) record.sent = true;
    return record;
  }
}

/** Writes one command to the socket; returns an error if it cannot be sent at all (e.g. too large). */
export type SendCommand = (command: PendingCommand) => SinyalError | undefined | false;

/**
 * The offline queue. Every command waits here, in order, until the server acks it.
 * While disconnected it is held; after reconnect `flush` sends everything queued, in
 * creation order, with the same ids (the server dedupes, so a command that was on
 * the wire when the connection died still happens once).
 */
export class Outbox extends Subscribable {
  #pending: PendingCommand[] = [];
  #snapshot: readonly PendingCommand[] = [];
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  #pausedUntil = 0;
  #saving: Promise<void> = Promise.resolve();
  /** New commands wait until restored ones are back, so order holds across reloads. */
  #loaded = false;
  /** Resolves once commands persisted by a previous page have been restored. */
  readonly ready: Promise<void>;

  readonly #options: OutboxOptions;
  readonly #send: SendCommand;

  constructor(options: OutboxOptions, send: SendCommand, report: ErrorReporter) {
    super();
    this.#options = options;
    this.#send = send;
    this.report = report;
    this.ready = Promise.resolve()
      .then(() => options.storage.load())
      .catch((error: unknown) => {
        report(error);
        return [];
      })
      .then((records) => {
        const restored = records.map((r) => new PendingCommand(r, report, this));
        this.#pending = [...restored, ...this.#pending];
        this.#loaded = true;
        this.#changed(restored.length < this.#pending.length);
        this.#scheduleExpiry();
      });
  }

  /** Commands not yet acked or failed, oldest first. Stable until the list changes. */
  getSnapshot(): readonly PendingCommand[] { return this.#snapshot; }

  get size(): number { return this.#pending.length; }

  /**
   * Queue a command; `isOpen` decides whether it goes on the wire right away. A
   * `volatile` command is sent now or fails with `unavailable`: it is never queued.
   */
  add<Result>(record: OutboxRecord, isOpen: boolean, volatile = false): PendingCommand<Result> {
    const command = new PendingCommand<Result>(record, this.report, this);
    if (volatile) {
      command.volatile = true;
      const refused = isOpen && this.#loaded ? this.#send(command as PendingCommand) : false;
      if (refused === undefined) {
        command.update('sent');
        this.#pending.push(command as PendingCommand); // only to match its ack
        this.#changed(false);
      } else {
        command.update('failed', undefined, refused || new SinyalError('unavailable', 'not connected'));
      }
      return command;
    }
    if (this.#pending.length >= this.#options.maxSize) {
      const oldestQueued = this.#pending.find((c) => c.status === 'queued');
      if (this.#options.overflow === 'reject' || !oldestQueued) {
        command.update('failed', undefined, new SinyalError('overflow', `outbox full (${this.#options.maxSize} commands)`));
        return command;
      }
      this.fail(oldestQueued, new SinyalError('overflow', 'dropped: outbox full'));
    }
    this.#pending.push(command as PendingCommand);
    if (isOpen && this.#loaded && Date.now() >= this.#pausedUntil) this.#transmit(command as PendingCommand);
    this.#changed(true);
    this.#scheduleExpiry();
    return command;
  }

  /** Send every queued command, oldest first (on reconnect). */
  flush(): void {
    if (!this.#loaded || Date.now() < this.#pausedUntil) return;
    const firstTimers = this.#pending.filter((c) => !c.transmitted).length;
    for (const command of [...this.#pending]) if (command.status === 'queued') this.#transmit(command);
    if (this.#pending.filter((c) => !c.transmitted).length !== firstTimers) this.#changed(true);
    this.#scheduleExpiry();
  }

  /** The connection dropped: whatever was on the wire must be sent again. */
  requeueSent(): void {
    for (const command of [...this.#pending]) {
      if (command.status !== 'sent') continue;
      if (command.volatile) this.fail(command, new SinyalError('unavailable', 'connection lost'));
      else command.update('queued');
    }
    this.#scheduleExpiry();
  }

  /** The server accepted the command. Unknown ids (answers to an earlier page) are ignored. */
  ack(id: string, result: unknown): void {
    const command = this.#pending.find((c) => c.id === id);
    if (!command) return;
    this.#remove(command);
    command.update('acked', result);
  }

  /**
   * The server refused the command. `rate_limited` and `unavailable` are put back in
   * the queue and sent again after `retryAfterMs`; anything else fails the command.
   */
  nack(id: string, error: SinyalError, retry: () => void): void {
    const command = this.#pending.find((c) => c.id === id);
    if (!command) return;
    if (error.code === 'rate_limited' || error.code === 'unavailable') {
      command.update('queued', undefined, error); // still queued; `error` says why it waits
      const waitMs = error.retryAfterMs ?? 1000;
      this.#pausedUntil = Date.now() + waitMs;
      unref(setTimeout(retry, waitMs));
      this.#scheduleExpiry();
      return;
    }
    this.fail(command, error);
  }

  /** Fail one command with a reason and take it out of the queue. */
  fail(command: PendingCommand, error: SinyalError): void {
    this.#remove(command);
    command.update('failed', undefined, error);
  }

  /** Fail everything still pending (e.g. the user signed out). */
  clear(code: ErrorCode = 'cancelled', message = 'outbox cleared'): void {
    for (const command of [...this.#pending]) this.fail(command, new SinyalError(code, message));
  }

  #transmit(command: PendingCommand): void {
    const refused = this.#send(command);
    if (refused) this.fail(command, refused);
    else if (refused === undefined) {
      command.transmitted = true;
      command.update('sent');
    }
  }

  #remove(command: PendingCommand): void {
    const index = this.#pending.indexOf(command);
    if (index < 0) return;
    this.#pending.splice(index, 1);
    this.#changed(true);
  }

  #changed(persist: boolean): void {
    this.#snapshot = [...this.#pending];
    // Saving before the restore would overwrite what the previous page left.
    if (persist && this.#loaded) {
      const records = this.#pending.filter((c) => !c.volatile).map((c) => c.toRecord());
      // One save at a time, in order: a slow older save must not overwrite a newer one.
      this.#saving = this.#saving.then(() => this.#options.storage.save(records)).catch(this.report);
    }
    this.notify();
  }

  /**
   * Expire queued commands past their TTL. Only commands that never went on the wire
   * expire: one that was sent may have been executed, so it is re-sent (same id, the
   * server dedupes) until the server answers, never reported as a failure it was not.
   */
  #scheduleExpiry(): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = undefined;
    const now = Date.now();
    let next = Infinity;
    const expired: PendingCommand[] = [];
    for (const command of this.#pending) {
      if (command.status !== 'queued' || command.transmitted) continue;
      const expiresAt = command.getSnapshot().createdAt + this.#options.ttlMs;
      if (expiresAt <= now) expired.push(command);
      else next = Math.min(next, expiresAt);
    }
    for (const command of expired) this.fail(command, new SinyalError('expired', `not sent within ${this.#options.ttlMs} ms`));
    if (next !== Infinity) this.#expiryTimer = unref(setTimeout(() => this.#scheduleExpiry(), next - now));
  }
}
