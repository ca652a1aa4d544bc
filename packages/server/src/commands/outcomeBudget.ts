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

interface Entry {
  key: string;
  owner: string;
  bytes: number;
  expiresAt: number;
}

/** Bookkeeping per remembered outcome beyond its JSON and key (map entries, object). */
const ENTRY_OVERHEAD_BYTES = 96;

/**
 * The byte budget of remembered command outcomes (the dedupe records that let a retried
 * command id get its first answer). Every outcome saved is admitted here first: one larger
 * than `maxOutcomeBytes` is kept without its data (a retry is acknowledged without data,
 * never run twice); then, if its owner is over `outcomeBytesPerUser` or the server over
 * `outcomeBytesTotal`, the oldest outcomes (the owner's, then anyone's) are forgotten
 * through `forget`. Without such a bound one user repeating a command with a large answer
 * grew the heap by gigabytes an hour.
 *
 * Entries share one window, so insertion order is expiry order: expired ones are dropped
 * from the front, costing what expired. The store expires its copies by itself.
 */
export class OutcomeBudget {
  private readonly entries = new Map<string, Entry>();
  private readonly byOwner = new Map<string, { bytes: number; entries: Map<string, Entry> }>();
  private bytes = 0;
  private readonly evicted = { user: 0, total: 0 };
  private compacted = 0;

  constructor(
    private readonly limits: OutcomeBudgetLimits,
    private readonly windowMs: number,
    private readonly forget: (key: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Accounts for `outcome` about to be remembered under `key` for `owner`, forgetting
   * older outcomes as the bounds require, and returns what to remember: the outcome, or
   * for one over `maxOutcomeBytes` the same answer without its data.
   */
  admit(key: string, owner: string, outcome: CommandOutcome): CommandOutcome {
    this.dropExpired();
    let kept = outcome;
    let size = Buffer.byteLength(JSON.stringify(outcome));
    if (size > this.limits.maxOutcomeBytes) {
      kept = outcome.ok ? { ok: true } : { ok: false, code: outcome.code, msg: outcome.msg.slice(0, 256) };
      size = Buffer.byteLength(JSON.stringify(kept));
      this.compacted++;
    }
    this.remove(this.entries.get(key));
    const entry: Entry = { key, owner, bytes: size + key.length + ENTRY_OVERHEAD_BYTES, expiresAt: this.now() + this.windowMs };
    let mine = this.byOwner.get(owner);
    if (!mine) {
      mine = { bytes: 0, entries: new Map() };
      this.byOwner.set(owner, mine);
    }
    while (mine.bytes + entry.bytes > this.limits.outcomeBytesPerUser && mine.entries.size > 0) {
      this.evict(mine.entries.values().next().value!, 'user');
    }
    while (this.bytes + entry.bytes > this.limits.outcomeBytesTotal && this.entries.size > 0) {
      this.evict(this.entries.values().next().value!, 'total');
    }
    // The owner's record may have been emptied (and dropped) by the evictions above.
    if (!this.byOwner.has(owner)) this.byOwner.set(owner, mine);
    this.entries.set(key, entry);
    mine.entries.set(key, entry);
    mine.bytes += entry.bytes;
    this.bytes += entry.bytes;
    return kept;
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
    const mine = this.byOwner.get(entry.owner);
    if (!mine) return;
    mine.entries.delete(entry.key);
    mine.bytes -= entry.bytes;
    if (mine.entries.size === 0) this.byOwner.delete(entry.owner);
  }
}
