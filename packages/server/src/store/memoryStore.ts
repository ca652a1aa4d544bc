import { randomBytes } from 'node:crypto';
import type { NewEvent, ReadAfterOptions, Store, StoredEvent, StoreStats, StreamHead } from './types';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Bytes of room history kept in memory, all rooms together (each event counted as its
   * JSON plus bookkeeping). Past it, the least recently used rooms' histories are dropped:
   * a client resuming one of them gets `reset` and refetches, never a gap.
   * @default 67108864 (64 MiB)
   */
  maxHistoryBytes?: number;
  /**
   * A room with no append, join or resume for this long has its history dropped (its
   * members, if any, get `reset` on their next event and refetch). `0` keeps idle rooms
   * until the byte bound needs their room.
   * @default 3600000 (1 hour)
   */
  roomIdleMs?: number;
  /**
   * Clock of the resume time window (`readAfter`'s `maxAgeMs`, compared with each event's
   * `at`) and of room idleness; tests pass a fake one.
   * @default Date.now
   */
  now?: () => number;
}

interface RoomLog {
  readonly room: string;
  /** Its neighbours in the use order (see {@link MemoryStore.use}): the log used just before this one, and just after. */
  older: RoomLog | undefined;
  newer: RoomLog | undefined;
  /** Epoch of this room's numbering (see {@link MemoryStore}). */
  epoch: string;
  /** seq of the newest event ever appended (also when it has since been trimmed). */
  head: number;
  /**
   * Retained events, oldest first, contiguous seqs ending at `head`, as columns: an event is
   * no object of its own while it is kept (what every message leaves in the heap is what
   * drives the server's major collections); {@link MemoryStoredEvent}s are made when read.
   */
  names: string[];
  /**
   * Each event's object once it has been read, so that every later read hands out the same
   * one (a join caches replayed frames by event object: popular history is serialised once).
   */
  objects: Array<StoredEvent | undefined>;
  /** Each event's data as JSON text (undefined: no data). */
  jsons: Array<string | undefined>;
  ats: number[];
  /** Counted size of the retained events and the log (each event's is {@link eventBytes}, and {@link EVENT_OBJECT_BYTES} once it has an object). */
  bytes: number;
  usedAt: number;
}

/** The `data` accessor every stored event shares (its own enumerable property, so a spread or JSON.stringify has it). */
let DATA_PROPERTY: PropertyDescriptor;

/**
 * One history entry. The data is kept as the JSON text it arrived as and parsed on each
 * read, so appending costs no copy and whoever reads it gets their own copy (mutating it
 * cannot rewrite history). Live delivery never reads it: the frame is built around the
 * same text (see `durableEventText`); only a resume's replay does.
 *
 * Not a frozen object literal with its own getter: V8 keeps such a literal in dictionary
 * mode with a closure per event, ≈ 690 bytes each; with one shared accessor it is ≈ 90
 * (measured with 100,000 events, 2026-12-04).
 */
class MemoryStoredEvent {
  readonly #json: string | undefined;
  declare readonly data: unknown;
  declare readonly at: number;

  constructor(
    readonly epoch: string,
    readonly seq: number,
    readonly name: string,
    json: string | undefined,
    at: number,
  ) {
    this.#json = json;
    Object.defineProperty(this, 'data', DATA_PROPERTY);
    (this as { at: number }).at = at; // after `data`: the key order of the object literal this replaced
    Object.freeze(this);
  }

  static {
    DATA_PROPERTY = {
      enumerable: true,
      get(this: MemoryStoredEvent): unknown {
        return this.#json === undefined ? undefined : JSON.parse(this.#json);
      },
    };
  }
}

/**
 * Bookkeeping counted per event beyond its name and JSON: its slots in the room's columns,
 * the strings' headers. Measured with `node bench/record-bytes.mjs` (200,000 chat-sized
 * events in 1,000 rooms, memory after GC, 2026-12-04): ≈ 160 bytes per event of ≈ 110
 * characters of name and JSON, so that the counted bytes are the heap's (≈ 168 with a column
 * of sizes, ≈ 220 with an object per event).
 */
const EVENT_OVERHEAD_BYTES = 45;
/** Counted for an event once it has been read and its object is kept (≈ 240 bytes of heap in all then, same measurement). */
const EVENT_OBJECT_BYTES = 80;
/**
 * A room's log and its four columns as they are after the first append (V8 gives an array 17
 * slots at its first push), so that many rooms of few events are counted as the memory they
 * take: ≈ 970 bytes for a room of one small event (`node bench/record-bytes.mjs`, "room of
 * one event": 20,000 such rooms, memory after GC, 2026-12-04; ≈ 1,140 with a fifth column).
 * It was counted as 128, so a byte bound filled with such rooms held ≈ 5.5 times its bytes.
 */
const ROOM_OVERHEAD_BYTES = 902;

/** The counted size of a retained event (before it is read). */
function eventBytes(name: string, json: string | undefined): number {
  return (json?.length ?? 0) + name.length + EVENT_OVERHEAD_BYTES;
}

export const DEFAULT_MAX_HISTORY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_ROOM_IDLE_MS = 60 * 60 * 1000;

/**
 * The default {@link Store}: room history in process memory, lost on exit (so a new
 * instance has a new epoch). Fine for tests, examples and a single node. Payloads are
 * kept as JSON text, as a networked store would keep them, so later mutation by the
 * publisher (or by a reader) cannot rewrite history and non-JSON data fails here rather
 * than in production. It keeps no command outcomes: without `getCommandResult` /
 * `saveCommandResult` the server keeps them in its own memory (see `Deduper`), bounded
 * by its outcome budget — one record per command instead of one here and one there —
 * tied to this instance, so a server started again with it still answers retries.
 *
 * Bounded: room history by bytes in total (least recently used rooms dropped first) and
 * by idleness (`roomIdleMs`). A room whose history was dropped starts again
 * under a new epoch when it is next appended to, so a client holding a position in its
 * old numbering is told `reset` (epoch changed), never handed events of the new numbering
 * as if they followed its own.
 */
export class MemoryStore implements Store {
  private readonly epochId = randomBytes(9).toString('base64url');
  private readonly rooms = new Map<string, RoomLog>();
  /**
   * The ends of the rooms' use order, a list through the logs themselves: moving a room to
   * the back on each append allocates nothing. (As a Map's insertion order, by a delete and a
   * set per append, it rebuilt the map's table every few hundred appends: garbage that lived
   * long enough to be promoted, so more major collections.)
   */
  private leastRecent: RoomLog | undefined;
  private mostRecent: RoomLog | undefined;
  private readonly maxHistoryBytes: number;
  private readonly roomIdleMs: number;
  private readonly now: () => number;
  private historyBytes = 0;
  private eventCount = 0;
  private readonly evicted = { idle: 0, bytes: 0 };

  /** @param options the options, or (as before they existed) just the clock. */
  constructor(options: MemoryStoreOptions | (() => number) = {}) {
    const config: MemoryStoreOptions = typeof options === 'function' ? { now: options } : options;
    this.now = config.now ?? Date.now;
    this.maxHistoryBytes = config.maxHistoryBytes ?? DEFAULT_MAX_HISTORY_BYTES;
    this.roomIdleMs = config.roomIdleMs ?? DEFAULT_ROOM_IDLE_MS;
    if (!(Number.isFinite(this.maxHistoryBytes) && this.maxHistoryBytes > 0)) throw new TypeError('MemoryStore: maxHistoryBytes must be a positive number');
    if (!(Number.isFinite(this.roomIdleMs) && this.roomIdleMs >= 0)) throw new TypeError('MemoryStore: roomIdleMs must be a non-negative number of ms');
  }

  async epoch(): Promise<string> {
    return this.epochId;
  }

  async append(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent> {
    // Copy first: if the payload cannot be serialised, nothing changes. (Incrementing `head`
    // before a throwing copy burned a seq with no event, and readAfter's slicing, which
    // relies on contiguous seqs, then skipped an event on resume — found by test/chaos.)
    const json = event.json ?? (event.data === undefined ? undefined : JSON.stringify(event.data));
    const now = this.now();
    this.dropIdle(now);
    let log = this.use(room, now);
    if (!log) {
      log = { room, older: undefined, newer: undefined, epoch: this.currentEpoch(), head: 0, names: [], objects: [], jsons: [], ats: [], bytes: ROOM_OVERHEAD_BYTES, usedAt: now };
      this.rooms.set(room, log);
      this.linkMostRecent(log);
      this.historyBytes += ROOM_OVERHEAD_BYTES;
    }
    log.head += 1;
    // One string per event name while it repeats (a room's events are mostly of one or two names).
    const last = log.names[log.names.length - 1];
    const name = last === event.name ? last : event.name;
    const size = eventBytes(name, json);
    log.names.push(name);
    log.objects.push(undefined);
    log.jsons.push(json);
    log.ats.push(event.at);
    log.bytes += size;
    this.historyBytes += size;
    this.eventCount++;
    while (log.names.length > Math.max(0, maxHistory)) this.dropOldestEvent(log);
    this.enforceByteBound(log);
    return new MemoryStoredEvent(log.epoch, log.head, name, json, event.at);
  }

  async head(room: string): Promise<StreamHead> {
    const log = this.use(room, this.now());
    return log ? { epoch: log.epoch, seq: log.head } : { epoch: this.currentEpoch(), seq: 0 };
  }

  async readAfter(room: string, afterSeq: number, options: ReadAfterOptions = {}): Promise<StoredEvent[] | 'truncated'> {
    const now = this.now();
    const log = this.use(room, now);
    if (!log || afterSeq >= log.head) return [];
    const maxAgeMs = options.maxAgeMs ?? 0;
    const oldestAllowed = now - maxAgeMs;
    // Events past the window can never be replayed again: drop them from the front.
    if (maxAgeMs > 0) while (log.names.length > 0 && log.ats[0]! < oldestAllowed) this.dropOldestEvent(log);
    const oldest = log.head - log.names.length + 1;
    if (afterSeq + 1 < oldest) return 'truncated';
    const first = afterSeq + 1 - oldest;
    // `at` comes from the publishing node's clock, so it need not grow with seq: check the first one too.
    if (maxAgeMs > 0 && log.ats[first]! < oldestAllowed) return 'truncated';
    const missed: StoredEvent[] = [];
    for (let i = first; i < log.names.length; i++) missed.push(log.objects[i] ?? this.materialize(log, i, oldest + i));
    return missed;
  }

  stats(): StoreStats {
    return { rooms: this.rooms.size, events: this.eventCount, bytes: this.historyBytes, maxBytes: this.maxHistoryBytes, evictedRooms: { ...this.evicted } };
  }

  async close(): Promise<void> {}

  /**
   * Epoch for a room log created now: the store's epoch until the first history was
   * dropped, then one that changes with every drop — so a room dropped and started again
   * never reuses the numbering a client may still hold a position in.
   */
  private currentEpoch(): string {
    const drops = this.evicted.idle + this.evicted.bytes;
    return drops === 0 ? this.epochId : `${this.epochId}.${drops}`;
  }

  /** The room's log, marked as just used (moved to the back of the use order). */
  private use(room: string, now: number): RoomLog | undefined {
    const log = this.rooms.get(room);
    if (!log) return undefined;
    log.usedAt = now;
    if (log !== this.mostRecent) {
      this.unlink(log);
      this.linkMostRecent(log);
    }
    return log;
  }

  private linkMostRecent(log: RoomLog): void {
    log.older = this.mostRecent;
    log.newer = undefined;
    if (this.mostRecent) this.mostRecent.newer = log;
    else this.leastRecent = log;
    this.mostRecent = log;
  }

  private unlink(log: RoomLog): void {
    if (log.older) log.older.newer = log.newer;
    else this.leastRecent = log.newer;
    if (log.newer) log.newer.older = log.older;
    else this.mostRecent = log.older;
    log.older = log.newer = undefined;
  }

  /** Makes event `i`'s object, keeps it, and counts its bytes (the byte bound holds them at the next append). */
  private materialize(log: RoomLog, i: number, seq: number): StoredEvent {
    const event = new MemoryStoredEvent(log.epoch, seq, log.names[i]!, log.jsons[i], log.ats[i]!);
    log.objects[i] = event;
    log.bytes += EVENT_OBJECT_BYTES;
    this.historyBytes += EVENT_OBJECT_BYTES;
    return event;
  }

  private dropOldestEvent(log: RoomLog): void {
    const size = eventBytes(log.names.shift()!, log.jsons.shift()) + (log.objects.shift() ? EVENT_OBJECT_BYTES : 0);
    log.ats.shift();
    log.bytes -= size;
    this.historyBytes -= size;
    this.eventCount--;
  }

  private dropRoom(log: RoomLog, reason: 'idle' | 'bytes'): void {
    this.rooms.delete(log.room);
    this.unlink(log);
    this.historyBytes -= log.bytes;
    this.eventCount -= log.names.length;
    this.evicted[reason]++;
  }

  /** Drops rooms unused for `roomIdleMs` (from the front: the least recently used). */
  private dropIdle(now: number): void {
    if (this.roomIdleMs === 0) return;
    for (let log = this.leastRecent; log && now - log.usedAt >= this.roomIdleMs; log = this.leastRecent) this.dropRoom(log, 'idle');
  }

  /** Over the byte bound: drops the least recently used rooms, then, if `current` alone is over it, its oldest events. */
  private enforceByteBound(current: RoomLog): void {
    for (let log = this.leastRecent; log && log !== current; log = this.leastRecent) {
      if (this.historyBytes <= this.maxHistoryBytes) return;
      this.dropRoom(log, 'bytes');
    }
    while (this.historyBytes > this.maxHistoryBytes && current.names.length > 1) this.dropOldestEvent(current);
  }
}
