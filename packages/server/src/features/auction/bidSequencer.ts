/** How long a bid's announcement waits for an earlier bid that this node never announces. */
export const DEFAULT_GAP_TIMEOUT_MS = 2000;

interface Task {
  /** Runnable once this many bids are announced. */
  after: number;
  /** The bid this task announces, or `null` for a task that only follows bids (the end). */
  seq: number | null;
  run: () => Promise<void>;
  done: () => void;
}

/**
 * Runs the announcements of one auction in bid order. The store numbers accepted bids
 * (`seq` 1, 2, 3…) atomically; concurrent commands may reach the publishing step in any
 * order (a networked store answers when it answers), so each bid's announcement waits
 * until the announcements of every earlier bid are done. The end of the auction is
 * queued "after bid N" (N = bids at closing), so `auction:auction_ended` follows the last
 * `auction:new_bid`. A task that throws is reported and does not block the ones after it;
 * an earlier bid that never shows up here (accepted on another node, or lost while the
 * server was stopping) is skipped after `gapTimeoutMs`, so nothing waits forever.
 */
export class BidSequencer {
  #announced: number;
  #waiting: Task[] = [];
  #draining = false;
  #gapTimer: NodeJS.Timeout | undefined;

  constructor(
    announcedBids: number,
    private readonly report: (error: unknown) => void,
    private readonly gapTimeoutMs: number = DEFAULT_GAP_TIMEOUT_MS,
  ) {
    this.#announced = announcedBids;
  }

  /** Runs `task` once bids `1..seq-1` are announced; bid `seq` then counts as announced. */
  bid(seq: number, task: () => Promise<void>): Promise<void> {
    return this.#enqueue(seq - 1, seq, task);
  }

  /** Runs `task` once bids `1..count` are announced. */
  afterBids(count: number, task: () => Promise<void>): Promise<void> {
    return this.#enqueue(count, null, task);
  }

  /** Stops the gap timer (server shutdown); waiting tasks are dropped unresolved. */
  dispose(): void {
    clearTimeout(this.#gapTimer);
    this.#gapTimer = undefined;
    this.#waiting = [];
  }

  #enqueue(after: number, seq: number | null, run: () => Promise<void>): Promise<void> {
    return new Promise<void>((done) => {
      this.#waiting.push({ after, seq, run, done });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    clearTimeout(this.#gapTimer);
    this.#gapTimer = undefined;
    try {
      for (;;) {
        const index = this.#waiting.findIndex((task) => task.after <= this.#announced);
        if (index < 0) break;
        const task = this.#waiting.splice(index, 1)[0]!;
        try {
          await task.run();
        } catch (error) {
          this.report(error);
        }
        if (task.seq !== null) this.#announced = Math.max(this.#announced, task.seq);
        task.done();
      }
    } finally {
      this.#draining = false;
    }
    if (this.#waiting.length > 0) this.#armGapTimer();
  }

  #armGapTimer(): void {
    this.#gapTimer = setTimeout(() => {
      this.#gapTimer = undefined;
      const next = Math.min(...this.#waiting.map((task) => task.after));
      if (!Number.isFinite(next) || next <= this.#announced) return;
      this.report(new Error(`auction bids ${this.#announced + 1}..${next} were not announced by this node within ${this.gapTimeoutMs} ms; skipping ahead`));
      this.#announced = next;
      void this.#drain();
    }, this.gapTimeoutMs);
    this.#gapTimer.unref();
  }
}
