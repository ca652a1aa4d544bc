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

/** One remembered outcome, also a link in its owner's list (oldest first). */
interface Entry {
  readonly key: string;
  readonly owner: Owner;
  readonly bytes: number;
  readonly expiresAt: number;
  /** The outcome's JSON, when it is kept here ({@link OutcomeBudget.keep}) rather than in the store. */
  readonly json: string | undefined;
  /** The owner's previous (older) and next (newer) entry. */
  prev: Entry | undefined;
  next: Entry | undefined;
}

/** What one owner (user) holds: bytes, and its entries as a list from the oldest. */
interface Owner {
  readonly id: string;
  bytes: number;
  oldest: Entry | undefined;
  newest: Entry | undefined;
}

/**
 * Heap per remembered outcome beyond its JSON and key: this budget's entry and map slot and
 * the JSON string's header, with the outcome kept here (`MemoryStore`, the default).
 * Measured with `node bench/record-bytes.mjs` (200,000 outcomes of a `publish`, heap after
 * GC, 2026-12-04): ≈ 305 bytes each in all, so that the counted bytes are the heap's (≈ 390
 * when `MemoryStore` kept its own record of each outcome too). With a Redis store the outcome itself lives
 * in Redis, so the count is above what this node's heap holds for it.
 */
export const ENTRY_OVERHEAD_BYTES = 228;

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
 * Entries share one window, so insertion order is expiry order: expired ones are dropped
 * from the front, costing what expired. A store expires its copies by itself.
 *
 * One map holds every entry (in insertion order); each owner's entries are a linked list
 * through the entries themselves, so a command costs one map insertion here, not one per
 * index (this is on every command's path).
 */
export class OutcomeBudget {
  private readonly entries = new Map<string, Entry>();
  private readonly owners = new Map<string, Owner>();
  private bytes = 0;
  private readonly evicted = { user: 0, total: 0 };
  private compacted = 0;

  constructor(
    private limits: OutcomeBudgetLimits,
    private windowMs: number,
    /** Told of each outcome forgotten before its window ended (the store's copy must go too). */
    private readonly forget: (key: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** New bounds and window, from now on (what is held is trimmed to them at the next admission). */
  configure(limits: OutcomeBudgetLimits, windowMs: number): void {
    this.limits = limits;
    this.windowMs = windowMs;
  }

  /**
   * Accounts for `outcome` about to be remembered in the store under `key` for `owner`,
   * forgetting older outcomes as the bounds require, and returns what to remember: the
   * outcome, or for one over `maxOutcomeBytes` the same answer without its data, with its JSON.
   */
  admit(key: string, owner: string, outcome: CommandOutcome): AdmittedOutcome {
    return this.account(key, owner, outcome, false);
  }

  /** {@link OutcomeBudget.admit}, and keeps the outcome here, for {@link OutcomeBudget.get}, until its window ends or a bound forgets it. */
  keep(key: string, owner: string, outcome: CommandOutcome): void {
    this.account(key, owner, outcome, true);
  }

  /** An outcome kept here ({@link OutcomeBudget.keep}) under `key`, if it is still within its window. */
  get(key: string): CommandOutcome | undefined {
    const entry = this.entries.get(key);
    if (entry?.json === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(entry);
      return undefined;
    }
    return JSON.parse(entry.json) as CommandOutcome;
  }

  private account(key: string, owner: string, outcome: CommandOutcome, keepJson: boolean): AdmittedOutcome {
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
    this.remove(this.entries.get(key));
    const bytes = size + key.length + ENTRY_OVERHEAD_BYTES;
    let mine = this.owners.get(owner);
    if (!mine) {
      mine = { id: owner, bytes: 0, oldest: undefined, newest: undefined };
      this.owners.set(owner, mine);
    }
    while (mine.bytes + bytes > this.limits.outcomeBytesPerUser && mine.oldest) this.evict(mine.oldest, 'user');
    while (this.bytes + bytes > this.limits.outcomeBytesTotal && this.entries.size > 0) {
      this.evict(this.entries.values().next().value!, 'total');
    }
    // The owner's record may have been emptied (and dropped) by the evictions above.
    if (!this.owners.has(owner)) this.owners.set(owner, mine);
    const entry: Entry = { key, owner: mine, bytes, expiresAt: this.now() + this.windowMs, json: keepJson ? json : undefined, prev: mine.newest, next: undefined };
    if (mine.newest) mine.newest.next = entry;
    else mine.oldest = entry;
    mine.newest = entry;
    mine.bytes += bytes;
    this.entries.set(key, entry);
    this.bytes += bytes;
    return { outcome: kept, json };
  }

  stats(): OutcomeBudgetStats {
    this.dropExpired();
    return { entries: this.entries.size, bytes: this.bytes, evicted: { ...this.evicted }, compacted: this.compacted };
  }

  private evict(entry: Entry, bound: 'user' | 'total'): void {
    this.remove(entry);
    this.evicted[bound]++;
    this.forget(entry.key);
  }

  private dropExpired(): void {
    const now = this.now();
    for (const entry of this.entries.values()) {
      if (entry.expiresAt > now) break;
      this.remove(entry);
    }
  }

  private remove(entry: Entry | undefined): void {
    if (!entry || this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    this.bytes -= entry.bytes;
    const mine = entry.owner;
    if (entry.prev) entry.prev.next = entry.next;
    else mine.oldest = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else mine.newest = entry.prev;
    entry.prev = entry.next = undefined;
    mine.bytes -= entry.bytes;
    if (!mine.oldest && this.owners.get(mine.id) === mine) this.owners.delete(mine.id);
  }
}
