import type { OutcomeBudgetStats } from '../ops/metrics';
import type { CommandOutcome } from '../store/types';

/** Bounds of the remembered command outcomes (see `Limits`). */
export interface OutcomeBudgetLimits {
  /** Largest outcome kept whole, in bytes of JSON; a larger one is kept without its data. */
  maxOutcomeBytes: number;
  /** Bytes of remembered outcomes one user may hold; beyond it their oldest are forgotten. */
  outcomeBytesPerUser: number;
  /** Bytes of remembered outcomes this server holds; beyond it the oldest are forgotten. */
  outcomeBytesTotal: number;
}

/** What one owner (user) holds: its bytes, and the number of each of its entries by command id, oldest first (a Map keeps insertion order). */
interface Owner {
  readonly id: string;
  bytes: number;
  readonly entries: Map<string, number>;
}

/**
 * Memory per remembered outcome beyond its JSON and command id: its slot in the owner's map
 * and in the budget's columns (their numbers in typed arrays, outside the V8 heap), and the
 * JSON string's headers, with the outcome kept here (`MemoryStore`, the default). Measured
 * with `node bench/record-bytes.mjs` (200,000 outcomes of a `publish`, heap plus array
 * buffers after GC, 2026-12-04) so that the counted bytes are the memory's: ≈ 184 bytes each
 * in all (≈ 195 in unchunked columns, ≈ 305 with an object per entry and its own key string,
 * ≈ 390 when `MemoryStore` kept a record of each outcome too). With a Redis store the
 * outcome itself lives in Redis, so the count is above what this node holds for it.
 */
export const ENTRY_OVERHEAD_BYTES = 119;

/** Slots per chunk of the columns: 4,096, a power of two, so that an entry's chunk and slot are a shift and a mask. */
const CHUNK_SHIFT = 12;
const CHUNK_SLOTS = 1 << CHUNK_SHIFT;

/**
 * A run of {@link CHUNK_SLOTS} consecutive slots of the columns. The columns grow and shrink
 * a chunk at a time: a whole array is never copied to grow (at hundreds of thousands of
 * entries each copy was a large object, garbage for the next major collection) nor spliced
 * to drop the front. The numbers are typed arrays, outside the heap the collector marks.
 */
class Chunk {
  readonly owner: Array<Owner | undefined> = new Array<Owner | undefined>(CHUNK_SLOTS).fill(undefined);
  readonly id: Array<string | undefined> = new Array<string | undefined>(CHUNK_SLOTS).fill(undefined);
  readonly json: Array<string | undefined> = new Array<string | undefined>(CHUNK_SLOTS).fill(undefined);
  readonly expiresAt = new Float64Array(CHUNK_SLOTS);
  readonly bytes = new Float64Array(CHUNK_SLOTS);
}

/** What {@link OutcomeBudget.admit} decided to remember: the outcome (maybe without its data) and its JSON. */
export interface AdmittedOutcome {
  outcome: CommandOutcome;
  json: string;
}

/**
 * The byte budget of remembered command outcomes (the dedupe records that let a retried
 * command id get its first answer). Every outcome saved is admitted here first: one larger
 * than `maxOutcomeBytes` is kept without its data (a retry is acknowledged without data,
 * never run twice); then, if its owner is over `outcomeBytesPerUser` or the server over
 * `outcomeBytesTotal`, the oldest outcomes (the owner's, then anyone's) are forgotten
 * through `forget`. Without such a bound one user repeating a command with a large answer
 * grew the heap by gigabytes an hour.
 *
 * With a store that keeps outcomes (Redis), an entry is only their account here
 * ({@link OutcomeBudget.admit}); with one that keeps none (`MemoryStore`), the entry holds
 * the outcome's JSON itself ({@link OutcomeBudget.keep}, {@link OutcomeBudget.get}): one
 * record per command, found without a promise.
 *
 * An entry is no object of its own — a message leaves one behind for 10 minutes, and what
 * every message leaves is what drives the server's major collections — but a numbered slot
 * in five columns (owner, command id, JSON, expiry, bytes) in insertion order, kept in
 * chunks of 4,096 slots, and the number in its owner's map from command id to slot, which is
 * the owner's oldest-first order too. A slot is live while its owner's map still points at
 * it; one removed out of order is left empty and skipped. Entries share one window, so
 * insertion order is expiry order: expired ones are dropped from the front, costing what
 * expired, and a chunk wholly behind the front is let go (the last one is kept for reuse).
 * A store expires its copies by itself.
 */
export class OutcomeBudget {
  private readonly owners = new Map<string, Owner>();
  /**
   * The columns, in chunks: entry number `n` is in `chunks[(n - base) >> CHUNK_SHIFT]`, at
   * `(n - base) % CHUNK_SLOTS`. Its owner is undefined once it is dropped.
   */
  private readonly chunks: Chunk[] = [];
  /** The number of the first slot of `chunks[0]` (a multiple of {@link CHUNK_SLOTS}). */
  private base = 0;
  /** The number the next entry gets. */
  private next = 0;
  /** Entries numbered below this one are all dropped. */
  private front = 0;
  /** A chunk let go, emptied, for the next one needed. */
  private spare: Chunk | undefined;
  private live = 0;
  private bytes = 0;
  private readonly evicted = { user: 0, total: 0 };
  private compacted = 0;

  constructor(
    private limits: OutcomeBudgetLimits,
    private windowMs: number,
    /** Told of each outcome forgotten before its window ended (the store's copy must go too). */
    private readonly forget: (id: string, owner: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** New bounds and window, from now on (what is held is trimmed to them at the next admission). */
  configure(limits: OutcomeBudgetLimits, windowMs: number): void {
    this.limits = limits;
    this.windowMs = windowMs;
  }

  /**
   * Accounts for `outcome` about to be remembered in the store for command `id` of `owner`,
   * forgetting older outcomes as the bounds require, and returns what to remember: the
   * outcome, or for one over `maxOutcomeBytes` the same answer without its data, with its JSON.
   */
  admit(id: string, owner: string, outcome: CommandOutcome): AdmittedOutcome {
    return this.account(id, owner, outcome, false);
  }

  /** {@link OutcomeBudget.admit}, and keeps the outcome here, for {@link OutcomeBudget.get}, until its window ends or a bound forgets it. */
  keep(id: string, owner: string, outcome: CommandOutcome): void {
    this.account(id, owner, outcome, true);
  }

  /** An outcome kept here ({@link OutcomeBudget.keep}) for command `id` of `owner`, if it is still within its window. */
  get(id: string, owner: string): CommandOutcome | undefined {
    const number = this.owners.get(owner)?.entries.get(id);
    if (number === undefined) return undefined;
    const chunk = this.chunkOf(number);
    const at = this.slotIn(number);
    const json = chunk.json[at];
    if (json === undefined) return undefined;
    if (chunk.expiresAt[at]! <= this.now()) {
      this.remove(number);
      return undefined;
    }
    return JSON.parse(json) as CommandOutcome;
  }

  stats(): OutcomeBudgetStats {
    this.dropExpired();
    return { entries: this.live, bytes: this.bytes, evicted: { ...this.evicted }, compacted: this.compacted };
  }

  private account(id: string, owner: string, outcome: CommandOutcome, keepJson: boolean): AdmittedOutcome {
    this.dropExpired();
    let kept = outcome;
    let json = JSON.stringify(outcome);
    let size = Buffer.byteLength(json);
    if (size > this.limits.maxOutcomeBytes) {
      kept = outcome.ok ? { ok: true } : { ok: false, code: outcome.code, msg: outcome.msg.slice(0, 256) };
      json = JSON.stringify(kept);
      size = Buffer.byteLength(json);
      this.compacted++;
    }
    let mine = this.owners.get(owner);
    const previous = mine?.entries.get(id);
    if (previous !== undefined) this.remove(previous);
    const bytes = size + id.length + ENTRY_OVERHEAD_BYTES;
    mine = this.owners.get(owner) ?? mine ?? { id: owner, bytes: 0, entries: new Map() };
    while (mine.bytes + bytes > this.limits.outcomeBytesPerUser && mine.entries.size > 0) {
      this.evict(mine.entries.values().next().value!, 'user');
    }
    while (this.bytes + bytes > this.limits.outcomeBytesTotal && this.live > 0) this.evict(this.oldestLive(), 'total');
    // The owner's record may have been emptied (and dropped) by the evictions above.
    if (this.owners.get(owner) !== mine) this.owners.set(owner, mine);
    const number = this.next++;
    let chunk: Chunk | undefined = this.chunks[this.chunkIndex(number)];
    if (!chunk) {
      chunk = this.spare ?? new Chunk();
      this.spare = undefined;
      this.chunks.push(chunk);
    }
    const at = this.slotIn(number);
    chunk.owner[at] = mine;
    chunk.id[at] = id;
    chunk.json[at] = keepJson ? json : undefined;
    chunk.expiresAt[at] = this.now() + this.windowMs;
    chunk.bytes[at] = bytes;
    mine.entries.set(id, number);
    mine.bytes += bytes;
    this.bytes += bytes;
    this.live++;
    return { outcome: kept, json };
  }

  /** Where entry number `number`'s chunk is (or would be) in `chunks`. */
  private chunkIndex(number: number): number {
    return (number - this.base) >> CHUNK_SHIFT;
  }

  private chunkOf(number: number): Chunk {
    return this.chunks[this.chunkIndex(number)]!;
  }

  private slotIn(number: number): number {
    return (number - this.base) & (CHUNK_SLOTS - 1);
  }

  /** The oldest live entry's number (there is one: `live > 0`), the dropped ones before it passed over for good. */
  private oldestLive(): number {
    while (this.chunkOf(this.front).owner[this.slotIn(this.front)] === undefined) this.front++;
    this.letGoPassedChunks();
    return this.front;
  }

  private evict(number: number, bound: 'user' | 'total'): void {
    const chunk = this.chunkOf(number);
    const at = this.slotIn(number);
    const owner = chunk.owner[at]!.id;
    const id = chunk.id[at]!;
    this.remove(number);
    this.evicted[bound]++;
    this.forget(id, owner);
  }

  private dropExpired(): void {
    const now = this.now();
    for (; this.front < this.next; this.front++) {
      const chunk = this.chunkOf(this.front);
      const at = this.slotIn(this.front);
      if (chunk.owner[at] === undefined) continue;
      if (chunk.expiresAt[at]! > now) break;
      this.remove(this.front);
    }
    this.letGoPassedChunks();
  }

  /** Lets go of the chunks wholly before `front` (all their slots are empty), keeping the last for reuse. */
  private letGoPassedChunks(): void {
    while (this.front - this.base >= CHUNK_SLOTS) {
      this.spare = this.chunks.shift();
      this.base += CHUNK_SLOTS;
    }
  }

  /** Removes live entry number `number`; its slot stays, empty. */
  private remove(number: number): void {
    const chunk = this.chunkOf(number);
    const at = this.slotIn(number);
    const mine = chunk.owner[at];
    if (!mine) return;
    const bytes = chunk.bytes[at]!;
    mine.entries.delete(chunk.id[at]!);
    mine.bytes -= bytes;
    this.bytes -= bytes;
    this.live--;
    chunk.owner[at] = undefined;
    chunk.id[at] = undefined;
    chunk.json[at] = undefined;
    if (mine.entries.size === 0 && this.owners.get(mine.id) === mine) this.owners.delete(mine.id);
  }
}
