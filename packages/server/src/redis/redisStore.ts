import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { currentCommand } from '../commands/commandScope';
import type { Fanout } from '../store/types';
import type { CommandClaim, CommandOutcome, NewEvent, ReadAfterOptions, Store, StoredEvent, StreamHead } from '../store/types';
import { decodeEvent, encodeEvent } from './eventCodec';
import { DEFAULT_REDIS_PREFIX, redisKeys, type RedisKeys } from './keys';
import { RedisConnection, type LinkWatch } from './redisConnection';
import { RedisFanout } from './redisFanout';
import { APPEND_PUBLISH, CLAIM_COMMAND, CLAIM_TAKEOVER, EPOCH, FENCED_REPLY, FORGET_RESULT, HEAD, READ_AFTER, RELEASE_COMMAND, Script } from './redisScripts';
import { SinyalServerError } from '../errors';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * Redis URL (`redis://[user:pass@]host:port[/db]`, `rediss://` for TLS).
   * @default 'redis://127.0.0.1:6379'
   */
  url?: string;
  /** Extra ioredis options (TLS, sentinels, timeouts…); Sinyal sets `enableOfflineQueue: false` and `maxRetriesPerRequest: 0`. */
  redis?: RedisOptions;
  /**
   * Prefix of every key and channel, so several apps (or test runs) can share one Redis.
   * @default 'sinyal:'
   */
  prefix?: string;
  /**
   * A room's retained history expires this long after its last event (its seq counter
   * stays, so a later resume gets `reset`, never a gap). 0 keeps history until trimmed.
   * @default 0
   */
  historyTtlMs?: number;
  /**
   * How long a node's claim on a running command holds before another node may run the
   * same command id, at most: a claim of a node known dead (see `nodeTtlMs`) is taken
   * over at once.
   * @default 15000
   */
  commandLeaseMs?: number;
  /**
   * Node liveness: this store keeps a key `<prefix>node:<id>` alive with this TTL,
   * refreshing it every third of it. When a node dies with a command in flight, a client
   * re-sending that command to another node would otherwise wait for the whole
   * `commandLeaseMs`; once the dead node's key has expired its claim is taken over and the
   * command runs (or is answered from its recorded effect) there. A live node whose event
   * loop stalls past the TTL may lose a claim it still runs: its scripts then refuse to act
   * (`FENCED`, answered `unavailable`), so a command never runs twice.
   * @default 1500
   */
  nodeTtlMs?: number;
  /**
   * Link watchdog: each of the node's two Redis connections (commands, SUBSCRIBE) is sent a
   * PING this often. A link that goes silent without closing (packets black-holed by a
   * network partition) raises no error and would otherwise look healthy while every
   * command hangs; with the watchdog the node notices within `pingIntervalMs +
   * pingTimeoutMs`, reports `/health` 503, closes its client connections with 1012 (they
   * move to a healthy node and resume) and reconnects to Redis on a fresh socket.
   * `0` turns the watchdog off.
   * @default 1000
   */
  pingIntervalMs?: number;
  /**
   * A PING unanswered this long (or a reconnect whose handshake has not finished this long)
   * marks the link down and severs it; see {@link RedisStoreOptions.pingIntervalMs}. Redis
   * answers a PING after the command running now, so keep it well above your slowest command.
   * The PING is judged after the node has read its sockets, so a node whose own event loop
   * was blocked this long (a long task, a GC pause) does not take a healthy link for silent.
   * @default 2000
   */
  pingTimeoutMs?: number;
  /**
   * Clock of the resume time window (a room kind's `historyTtlMs`: an event's `at` is
   * compared with it). Tests pass a fake one to age events without waiting.
   * @default Date.now
   */
  now?: () => number;
}

/** Command key values: `P<token>` claimed, `E<token>\n<lease deadline>\n<{epoch,seq}>` claimed and appended, `R<outcome JSON>` done. */
const PENDING = 'P';
const EFFECT = 'E';
const RESULT = 'R';
const DEFAULT_URL = 'redis://127.0.0.1:6379';

const appendPublish = new Script(APPEND_PUBLISH);
const headScript = new Script(HEAD);
const epochScript = new Script(EPOCH);
const readAfterScript = new Script(READ_AFTER);
const claimScript = new Script(CLAIM_COMMAND);
const releaseScript = new Script(RELEASE_COMMAND);
const takeoverScript = new Script(CLAIM_TAKEOVER);
const forgetScript = new Script(FORGET_RESULT);

const freshEpoch = () => randomBytes(9).toString('base64url');


/**
 * A {@link Store} in Redis, shared by every node of a cluster of servers (see
 * docs/scaling.md): room history in streams (bounded with MAXLEN, entry id = seq), the
 * epoch in a key created on first use (a flushed Redis gets a new one, so clients
 * `reset`), and command outcomes with a TTL behind an atomic claim so a duplicate on
 * another node waits for the first run. Servers using it fan events out through Redis
 * pub/sub ({@link RedisFanout}): append and publish happen in one Lua script.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ url: process.env.REDIS_URL });
 * const server = await createServer({ auth, store });
 * // on shutdown, after server.close():
 * await store.close();
 * ```
 */
export class RedisStore implements Store {
  readonly keys: RedisKeys;
  /** The command connection (subscribers use their own, see {@link RedisStore.duplicate}). */
  readonly connection: RedisConnection;
  private readonly historyTtlMs: number;
  private readonly commandLeaseMs: number;
  private readonly clientOptions: RedisOptions;
  private readonly url: string;
  private readonly watch: LinkWatch;
  private readonly now: () => number;
  /** This node's id: the prefix of its claim tokens, the name of its liveness key. */
  readonly nodeId = randomBytes(9).toString('base64url');
  private readonly nodeTtlMs: number;
  private readonly liveness: NodeJS.Timeout;

  constructor(options: RedisStoreOptions = {}) {
    this.keys = redisKeys(options.prefix ?? DEFAULT_REDIS_PREFIX);
    this.historyTtlMs = options.historyTtlMs ?? 0;
    this.commandLeaseMs = options.commandLeaseMs ?? 15_000;
    this.url = options.url ?? DEFAULT_URL;
    this.clientOptions = { commandTimeout: 5000, ...options.redis, enableOfflineQueue: false, maxRetriesPerRequest: 0 };
    this.now = options.now ?? Date.now;
    this.watch = { intervalMs: options.pingIntervalMs ?? 1000, timeoutMs: options.pingTimeoutMs ?? 2000 };
    this.connection = new RedisConnection(new Redis(this.url, this.clientOptions), this.watch);
    this.nodeTtlMs = options.nodeTtlMs ?? 1500;
    if (!(Number.isInteger(this.nodeTtlMs) && this.nodeTtlMs >= 300)) throw new TypeError('RedisStore: nodeTtlMs must be an integer ≥ 300');
    const beat = () => {
      if (!this.connection.up) return;
      this.connection.client.set(this.keys.node(this.nodeId), '1', 'PX', this.nodeTtlMs).catch(() => {});
    };
    this.connection.client.on('ready', beat);
    this.liveness = setInterval(beat, Math.floor(this.nodeTtlMs / 3));
    this.liveness.unref();
  }

  /** True while the command connection is up. */
  get up(): boolean {
    return this.connection.up;
  }

  /** A new connection with the same settings (for SUBSCRIBE, which needs a connection of its own). */
  duplicate(extra: RedisOptions = {}): RedisConnection {
    return new RedisConnection(new Redis(this.url, { ...this.clientOptions, ...extra }), this.watch);
  }

  createFanout(): Fanout {
    return new RedisFanout(this);
  }

  async epoch(): Promise<string> {
    return (await epochScript.run(await this.connection.get(), [this.keys.epoch], [freshEpoch()])) as string;
  }

  /** Appends without publishing (the store contract); servers use {@link RedisStore.appendAndPublish}. */
  append(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent> {
    return this.appendAndPublish(room, event, maxHistory);
  }

  /** Appends to the room's stream and PUBLISHes it on the room's channel, atomically. */
  async appendAndPublish(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent> {
    const json = encodeEvent(event);
    const target = this.appendTarget(room, maxHistory);
    const keys = [...target.keys];
    const args: Array<string | number> = [target.args[0], target.args[1], json, target.args[2], target.args[3]];
    const effect = this.commandEffectTarget();
    if (effect) {
      keys.push(effect.key);
      args.push(...effect.args);
    }
    let reply: [string, number];
    try {
      reply = (await appendPublish.run(await this.connection.get(), keys, args)) as [string, number];
    } catch (error) {
      throw fencedAsUnavailable(error);
    }
    return decodeEvent(reply[0], reply[1], json);
  }

  /**
   * What the Lua function `append_event` (redisScripts.ts) needs to add an event to `room`,
   * for scripts that append events themselves in the same atomic step as a decision (the
   * auction's bids): `keys` = epoch, seq, log; `args` = candidate epoch, max history,
   * channel, history TTL ms.
   */
  appendTarget(room: string, maxHistory: number): { keys: [string, string, string]; args: [string, number, string, number] } {
    return {
      keys: [this.keys.epoch, this.keys.roomSeq(room), this.keys.roomLog(room)],
      args: [freshEpoch(), Math.max(0, Math.floor(maxHistory)), this.keys.roomChannel(room), this.historyTtlMs],
    };
  }

  /**
   * The effect record of the command whose handler is running (see `record_effect` in
   * redisScripts.ts): `[commandKey]` and `[token, leaseDeadline, windowMs]`, or `undefined`
   * outside a command.
   */
  commandEffectTarget(): { key: string; args: [string, number, number] } | undefined {
    const command = currentCommand();
    if (!command) return undefined;
    return { key: this.keys.command(command.key), args: [command.token, Date.now() + this.commandLeaseMs, Math.max(this.commandLeaseMs, command.windowMs)] };
  }

  async head(room: string): Promise<StreamHead> {
    const [epoch, seq] = (await headScript.run(await this.connection.get(), [this.keys.epoch, this.keys.roomSeq(room)], [freshEpoch()])) as [string, number];
    return { epoch, seq };
  }

  async readAfter(room: string, afterSeq: number, options: ReadAfterOptions = {}): Promise<StoredEvent[] | 'truncated'> {
    const keys = [this.keys.epoch, this.keys.roomSeq(room), this.keys.roomLog(room)];
    const maxAgeMs = Math.max(0, options.maxAgeMs ?? 0);
    const args = maxAgeMs > 0 ? [freshEpoch(), afterSeq, this.now(), maxAgeMs] : [freshEpoch(), afterSeq];
    const [epoch, entries] = (await readAfterScript.run(await this.connection.get(), keys, args)) as [
      string,
      Array<[string, string[]]> | 0,
    ];
    if (entries === 0) return 'truncated';
    return entries.map(([id, fields]) => decodeEvent(epoch, Number.parseInt(id, 10), fields[1] ?? '{}'));
  }

  async getCommandResult(key: string): Promise<CommandOutcome | undefined> {
    const value = await (await this.connection.get()).get(this.keys.command(key));
    return value?.startsWith(RESULT) ? (JSON.parse(value.slice(RESULT.length)) as CommandOutcome) : undefined;
  }

  async saveCommandResult(key: string, outcome: CommandOutcome, ttlMs: number, json?: string): Promise<void> {
    await (await this.connection.get()).set(this.keys.command(key), RESULT + (json ?? JSON.stringify(outcome)), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async forgetCommandResult(key: string): Promise<void> {
    await forgetScript.run(await this.connection.get(), [this.keys.command(key)], []);
  }

  async claimCommand(key: string): Promise<CommandClaim> {
    const token = `${this.nodeId}.${randomBytes(9).toString('base64url')}`;
    const client = await this.connection.get();
    const commandKey = this.keys.command(key);
    const [claimed, value] = (await claimScript.run(client, [commandKey], [PENDING + token, this.commandLeaseMs])) as [number, string?];
    if (claimed === 1) return { status: 'claimed', token };
    if (value?.startsWith(RESULT)) return { status: 'done', outcome: JSON.parse(value.slice(RESULT.length)) as CommandOutcome };
    const holder = value === undefined ? undefined : holderNode(value);
    const holderDead = holder !== undefined && holder !== this.nodeId && (await client.exists(this.keys.node(holder))) === 0;
    if (value?.startsWith(EFFECT)) {
      // The claimant appended on the command's behalf; past its lease, or once its node is
      // known dead, answer with what it published rather than running the command twice.
      const [, deadline, published] = value.split('\n');
      if ((holderDead || Number(deadline) < Date.now()) && published) return { status: 'done', outcome: { ok: true, data: JSON.parse(published) as unknown } };
    } else if (holderDead && value?.startsWith(PENDING)) {
      // Its node died before the command had any effect: run it here, now, not after the lease.
      const taken = await takeoverScript.run(client, [commandKey, this.keys.node(holder)], [value, PENDING + token, this.commandLeaseMs]);
      if (taken === 1) return { status: 'claimed', token };
    }
    return { status: 'running' };
  }

  async releaseCommand(key: string, token: string): Promise<void> {
    await releaseScript.run(await this.connection.get(), [this.keys.command(key)], [token]);
  }

  /** Closes the command connection. Servers do not call it: close it after the servers using it. */
  async close(): Promise<void> {
    clearInterval(this.liveness);
    this.connection.close();
  }
}

/** The node id in a claim (`P<node>.<random>` or `E<node>.<random>\n…`), if it has one. */
function holderNode(claim: string): string | undefined {
  const dot = claim.indexOf('.');
  return dot > 1 ? claim.slice(1, dot) : undefined;
}

/** A script refused because another node took its command over: retryable, like a lost link. */
export function fencedAsUnavailable(error: unknown): unknown {
  if (error instanceof Error && error.message.startsWith(FENCED_REPLY)) {
    return new SinyalServerError('unavailable', 'the command was taken over by another node', { retryAfterMs: 200 });
  }
  return error;
}
