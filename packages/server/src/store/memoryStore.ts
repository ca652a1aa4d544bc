import { randomBytes } from 'node:crypto';
import type { CommandOutcome, NewEvent, ReadAfterOptions, Store, StoredEvent, StreamHead } from './types';

interface RoomLog {
  /** seq of the newest event ever appended (also when it has since been trimmed). */
  head: number;
  /** Retained events, oldest first, contiguous seqs ending at `head`. */
  events: StoredEvent[];
}

/** How many saves between sweeps of expired command outcomes. */
const PRUNE_EVERY = 256;

/**
 * The default {@link Store}: everything in process memory, lost on exit (so a new
 * instance has a new epoch). Fine for tests, examples and a single node. Payloads are
 * copied through JSON on append, as a networked store would, so later mutation by the
 * publisher cannot rewrite history and non-JSON data fails here rather than in production.
 *
 * `now` is the clock of command-outcome expiry and of the resume time window
 * (`readAfter`'s `maxAgeMs`, compared with each event's `at`); tests pass a fake one.
 */
export class MemoryStore implements Store {
  private readonly epochId = randomBytes(9).toString('base64url');
  private readonly rooms = new Map<string, RoomLog>();
  private readonly commands = new Map<string, { outcome: CommandOutcome; expiresAt: number }>();
  private savesSincePrune = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async epoch(): Promise<string> {
    return this.epochId;
  }

  async append(room: string, event: NewEvent, maxHistory: number): Promise<StoredEvent> {
    let log = this.rooms.get(room);
    if (!log) {
      log = { head: 0, events: [] };
      this.rooms.set(room, log);
    }
    // Copy first: if the payload cannot be serialised, nothing changes. (Incrementing `head`
    // before a throwing copy burned a seq with no event, and readAfter's slicing, which
    // relies on contiguous seqs, then skipped an event on resume — found by test/chaos.)
    const data: unknown = event.data === undefined ? undefined : JSON.parse(JSON.stringify(event.data));
    log.head += 1;
    const stored: StoredEvent = Object.freeze({ epoch: this.epochId, seq: log.head, name: event.name, data, at: event.at });
    log.events.push(stored);
    while (log.events.length > Math.max(0, maxHistory)) log.events.shift();
    return stored;
  }

  async head(room: string): Promise<StreamHead> {
    return { epoch: this.epochId, seq: this.rooms.get(room)?.head ?? 0 };
  }

  async readAfter(room: string, afterSeq: number, options: ReadAfterOptions = {}): Promise<StoredEvent[] | 'truncated'> {
    const log = this.rooms.get(room);
    if (!log || afterSeq >= log.head) return [];
    const maxAgeMs = options.maxAgeMs ?? 0;
    const oldestAllowed = this.now() - maxAgeMs;
    // Events past the window can never be replayed again: drop them from the front.
    if (maxAgeMs > 0) while (log.events.length > 0 && log.events[0]!.at < oldestAllowed) log.events.shift();
    const oldest = log.events[0]?.seq ?? log.head + 1;
    if (afterSeq + 1 < oldest) return 'truncated';
    const missed = log.events.slice(afterSeq + 1 - oldest);
    // `at` comes from the publishing node's clock, so it need not grow with seq: check the first one too.
    if (maxAgeMs > 0 && missed[0]!.at < oldestAllowed) return 'truncated';
    return missed;
  }

  async getCommandResult(key: string): Promise<CommandOutcome | undefined> {
    const entry = this.commands.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.commands.delete(key);
      return undefined;
    }
    return entry.outcome;
  }

  async saveCommandResult(key: string, outcome: CommandOutcome, ttlMs: number): Promise<void> {
    if (++this.savesSincePrune >= PRUNE_EVERY) this.pruneCommands();
    this.commands.set(key, { outcome: JSON.parse(JSON.stringify(outcome)) as CommandOutcome, expiresAt: this.now() + ttlMs });
  }

  async close(): Promise<void> {}

  /**
   * Drops expired outcomes from the front of the map: entries are kept in insertion order
   * and share the dedupe window, so the first unexpired entry ends the scan — pruning costs
   * what expired, not the size of the window (which holds every command of 10 minutes).
   * `getCommandResult` still checks expiry, so an entry saved with a shorter TTL behind a
   * longer one is never served late, only freed a little later.
   */
  private pruneCommands(): void {
    this.savesSincePrune = 0;
    const now = this.now();
    for (const [key, entry] of this.commands) {
      if (entry.expiresAt > now) break;
      this.commands.delete(key);
    }
  }
}
