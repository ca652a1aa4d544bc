/**
 * Work for one frame: `stepAside` lets later frames go on while this one only waits (see
 * {@link FrameQueue}). It settles when the frame is handled; a rejection is logged, never thrown.
 */
export type FrameWork = (stepAside: () => void) => Promise<void>;

const noop = (): void => {};

/**
 * A connection's joins, leaves and commands, run one at a time in arrival order, so a
 * client may pipeline them and its commands run in the order sent even when handlers are
 * async.
 *
 * One exception keeps a connection responsive when a node dies: a frame that only waits
 * (a command waiting for the answer of its own id running elsewhere: another node,
 * presumed dead until its claim is taken over) calls `stepAside` and leaves the line; only
 * later frames of the same ordering scope — the same room, or for a command without a room
 * the same command name — queue behind it, aside too; everything else goes on. So a user's
 * messages in one conversation stay in order while their bids, pings and other rooms are
 * not held up.
 *
 * The line is an array and a flag, not a chain of promises: a frame that arrives with
 * nothing ahead of it starts at once, and a frame costs one promise of its own handling
 * (this is on every command's path).
 */
export class FrameQueue {
  private readonly line: Array<{ scope: string; work: FrameWork }> = [];
  /** A frame is in the line's head position (running, not stepped aside). */
  private busy = false;
  /** Frames queued or running (aside ones too), not yet settled. */
  private unsettled = 0;
  /** Ordering scopes with a frame waiting aside, and the promise of the last of them. */
  private readonly aside = new Map<string, Promise<void>>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Frames queued or running, aside ones included. */
  get pending(): number {
    return this.unsettled;
  }

  /** Runs `work` after the frames before it (or aside, behind an earlier frame of `scope` waiting aside). */
  push(scope: string, work: FrameWork): void {
    this.unsettled++;
    this.line.push({ scope, work });
    if (!this.busy) this.next();
  }

  /**
   * Resolves once the line is empty and no frame holds its head: the frame being handled
   * has finished (or stepped aside) and none is queued behind it. Frames aside are not awaited.
   */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Starts frames from the head of the line until one holds it (or the line is empty). */
  private next(): void {
    for (let job = this.line.shift(); job; job = this.line.shift()) {
      const { scope, work } = job;
      const waiting = this.aside.get(scope);
      if (waiting) {
        // An earlier frame of this scope waits aside: this one waits behind it, aside too.
        this.setAside(scope, this.settle(waiting.then(() => work(noop))));
        continue;
      }
      this.busy = true;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.busy = false;
        this.next();
      };
      let done: Promise<void> | undefined;
      const stepAside = (): void => {
        // Called from inside work(), so `done` may not be assigned yet, and the next frame
        // should not start inside this one's call stack: both on a microtask.
        queueMicrotask(() => {
          if (released) return;
          this.setAside(scope, done!);
          release();
        });
      };
      done = this.settle(work(stepAside));
      void done.then(release);
      return;
    }
    this.busy = false;
    // Replaced only when someone waits: a new array on every frame outlived the frame (until
    // the connection's next one) and was promoted, old-space garbage per command.
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** `work`, logged if it fails and counted out of {@link FrameQueue.pending} once it settles; never rejects. */
  private settle(work: Promise<void>): Promise<void> {
    return work.then(
      () => {
        this.unsettled--;
      },
      (err: unknown) => {
        this.unsettled--;
        this.onError(err);
      },
    );
  }

  /** Marks `scope` as waiting aside until `work` settles (later frames of the scope queue behind it). */
  private setAside(scope: string, work: Promise<void>): void {
    this.aside.set(scope, work);
    void work.then(() => {
      if (this.aside.get(scope) === work) this.aside.delete(scope);
    });
  }
}
