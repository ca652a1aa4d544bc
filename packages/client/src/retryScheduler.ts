import { unref } from './timers';


/**
 * When the outbox may put its next command on the wire. It owns the outbox's one
 * retry timer, so a command that waits (for the server's `retryAfterMs`, or for its
 * own retry time) always has a timer armed for it:
 *
 * - `wake(at)` arms the single timer for `at`, unless it is already armed earlier; the
 *   outbox, when woken too early (timers and `Date.now()` may disagree by a few ms, and
 *   a later refusal may push the pause further), simply asks to be woken again.
 * - After a `rate_limited` refusal nothing is sent until its `retryAfterMs` has passed,
 *   then commands go **one at a time, paced** on a fixed grid (a late timer does not push
 *   the following sends later), so a long queue drains at the server's rate instead of
 *   being re-sent whole and refused. The gap is learned from the server's answers: the
 *   longest `retryAfterMs` asked of the burst sent before pacing (a token bucket asks at
 *   most its interval), then, for a paced send refused anyway, the time since the last
 *   accepted send (at most two gaps: an older acceptance says nothing) plus its `retryAfterMs`.
 * - When the queue is empty the pace is forgotten: the next burst goes out at once again.
 */
export interface RetryScheduler {
  /**
   * The earliest local time the next command may be sent, with `inFlight` commands on the
   * wire: `Infinity` while the send window is full (an answer frees it).
   */
  due(inFlight: number): number;
  /** Run the outbox at `at` (local time). One timer: the earliest request wins. */
  wake(at: number): void;
  /** A command went on the wire at `now`: it takes its slot on the grid (at most one gap behind). */
  sent(now: number): void;
  /**
   * The server answered a command sent at `sentAt`: accepted (no `retryAfterMs`), or
   * refused for rate, asking to wait `retryAfterMs`.
   */
  answered(sentAt: number, retryAfterMs?: number): void;
  /** Nothing is waiting any more: forget the pace. */
  idle(): void;
}

/** Creates the scheduler of one outbox; `run` is the outbox's flush. */
export function retryScheduler(run: () => void): RetryScheduler {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt = Infinity;
  /** Nothing goes on the wire before this (local) time. */
  let resumeAt = 0;
  /** Learned spacing between two sends; 0 = not paced. */
  let gap = 0;
  /**
   * The last paced send's slot on the grid (the time it was due, not when its timer fired).
   * A refused command sent at or before it was part of the burst sent before pacing.
   */
  let slot = 0;
  /** When the last command the server accepted was sent. */
  let acceptedAt = 0;
  const nextAt = () => Math.max(resumeAt, slot + gap);
  return {
    // Paced: one command on the wire at a time; otherwise a window of 16.
    due: (inFlight) => (inFlight < (gap ? 1 : 16) ? nextAt() : Infinity),
    wake(at) {
      if (at >= timerAt) return;
      clearTimeout(timer);
      timerAt = at;
      timer = unref(
        setTimeout(() => {
          timerAt = Infinity;
          run();
        }, at - Date.now()), // a delay ≤ 0 runs after ≥ 1 ms (Node) / a tick (browsers): no busy loop
      );
    },
    sent(now) {
      if (gap) slot = Math.max(nextAt(), now - gap);
    },
    answered(sentAt, retryAfterMs) {
      if (retryAfterMs === undefined) {
        acceptedAt = Math.max(acceptedAt, sentAt);
        return;
      }
      resumeAt = Math.max(resumeAt, Date.now() + retryAfterMs);
      gap = Math.max(1, sentAt <= slot ? Math.max(gap, retryAfterMs) : Math.min(sentAt - acceptedAt, 2 * gap) + retryAfterMs);
      slot = resumeAt - gap;
    },
    idle() {
      gap = acceptedAt = slot = 0;
    },
  };
}
