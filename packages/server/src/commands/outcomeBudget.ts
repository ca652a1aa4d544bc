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
 * Heap per remembered outcome beyond its JSON and command id: its slot in the owner's map and
 * in the budget's columns, and the JSON string's headers, with the outcome kept here
 * (`MemoryStore`, the default). Measured with `node bench/record-bytes.mjs` (200,000 outcomes
 * of a `publish`, heap after GC, 2026-12-04) so that the counted bytes are the heap's: ≈ 195
 * bytes each in all (≈ 305 with an object per entry and its own key string, ≈ 390 when
 * `MemoryStore` kept a record of each outcome too). With a Redis store the outcome itself
 * lives in Redis, so the count is above what this node's heap holds for it.
 */
export const ENTRY_OVERHEAD_BYTES = 131;

/** Below this many dropped slots at the front, the columns are not compacted. */
const COMPACT_MIN_SLOTS = 4096;

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
 * in five columns (owner, command id, JSON, expiry, bytes) in insertion order, and the
 * number in its owner's map from command id to slot, which is the owner's oldest-first order
 * too. A slot is live while its owner's map still points at it; one removed out of order is
 * left empty and skipped. Entries share one window, so insertion order is expiry order:
 * expired ones are dropped from the front, costing what expired. A store expires its copies
 * by itself.
 */
export class OutcomeBudget {
  private readonly owners = new Map<string, Owner>();
  /** The columns; slot `i` is entry number `base + i`. `ownerOf[i]` is undefined once slot `i` is dropped. */
  private readonly ownerOf: Array<Owner | undefined> = [];
  private readonly idOf: Array<string | undefined> = [];
  private readonly jsonOf: Array<string | undefined> = [];
  private readonly expiresAt: number[] = [];
  private readonly bytesOf: number[] = [];
  private base = 0;
  /** Slots before this one are all dropped. */
  private front = 0;
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
    const slot = number - this.base;
    const json = this.jsonOf[slot];
    if (json === undefined) return undefined;
    if (this.expiresAt[slot]! <= this.now()) {
      this.remove(slot);
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
    if (previous !== undefined) this.remove(previous - this.base);
    const bytes = size + id.length + ENTRY_OVERHEAD_BYTES;
    mine = this.owners.get(owner) ?? mine ?? { id: owner, bytes: 0, entries: new Map() };
    while (mine.bytes + bytes > this.limits.outcomeBytesPerUser && mine.entries.size > 0) {
      this.evict(mine.entries.values().next().value! - this.base, 'user');
    }
    while (this.bytes + bytes > this.limits.outcomeBytesTotal && this.live > 0) this.evict(this.oldestLive(), 'total');
    // The owner's record may have been emptied (and dropped) by the evictions above.
    if (this.owners.get(owner) !== mine) this.owners.set(owner, mine);
    mine.entries.set(id, this.base + this.ownerOf.length);
    this.ownerOf.push(mine);
    this.idOf.push(id);
    this.jsonOf.push(keepJson ? json : undefined);
    this.expiresAt.push(this.now() + this.windowMs);
    this.bytesOf.push(bytes);
    mine.bytes += bytes;
    this.bytes += bytes;
    this.live++;
    return { outcome: kept, json };
  }

  /** The first live slot (there is one: `live > 0`), the dropped ones before it passed over for good. */
  private oldestLive(): number {
    while (this.ownerOf[this.front] === undefined) this.front++;
    return this.front;
  }

  private evict(slot: number, bound: 'user' | 'total'): void {
    const owner = this.ownerOf[slot]!.id;
    const id = this.idOf[slot]!;
    this.remove(slot);
    this.evicted[bound]++;
    this.forget(id, owner);
  }

  private dropExpired(): void {
    const now = this.now();
    const end = this.ownerOf.length;
    for (; this.front < end; this.front++) {
      if (this.ownerOf[this.front] === undefined) continue;
      if (this.expiresAt[this.front]! > now) break;
      this.remove(this.front);
    }
    this.compact();
  }

  /** Drops the slots before `front` once they are many and at least half of the columns. */
  private compact(): void {
    if (this.front < COMPACT_MIN_SLOTS || this.front * 2 < this.ownerOf.length) return;
    for (const column of [this.ownerOf, this.idOf, this.jsonOf, this.expiresAt, this.bytesOf] as unknown[][]) column.splice(0, this.front);
    this.base += this.front;
    this.front = 0;
  }

  /** Removes the live entry in `slot`; its slot stays, empty. */
  private remove(slot: number): void {
    const mine = this.ownerOf[slot];
    if (!mine) return;
    const bytes = this.bytesOf[slot]!;
    mine.entries.delete(this.idOf[slot]!);
    mine.bytes -= bytes;
    this.bytes -= bytes;
    this.live--;
    this.ownerOf[slot] = undefined;
    this.idOf[slot] = undefined;
    this.jsonOf[slot] = undefined;
    if (mine.entries.size === 0 && this.owners.get(mine.id) === mine) this.owners.delete(mine.id);
  }
}
