import { sleep } from '../time';
import { addCount } from '../limits/counts';
import { RateLimiter } from '../limits/rateLimiter';
import type { Refusal } from './requestListener';

/** Limits of {@link ForwardPacer} (see `Limits.httpForwardsPerSecond`). */
export interface ForwardPacerLimits {
  /** Requests per second per user passed to other nodes. */
  perSecond: number;
  /** Requests per user passed at once above `perSecond`. */
  burst: number;
  /** Requests per user waiting for their turn or held (a forwarded poll until it is answered) at once. */
  maxHeldPerUser: number;
  /** The same per client address (users signed in from one address, together). */
  maxHeldPerAddress: number;
  /** Longest a request waits for its turn; one that would wait longer is refused. */
  maxWaitMs: number;
}

/** What a request gets from {@link ForwardPacer.acquire}: its turn (with the release to call when it is done), or a refusal. */
export type ForwardTurn = { release: () => void } | { refusal: Refusal };

/**
 * Paces the HTTP transport requests this node passes to other nodes, per user. On several
 * nodes without sticky sessions a poll, frame batch or close that reaches a node not
 * holding its connection is published to every node, so unpaced, every request one signed-in
 * user sent for made-up connection ids was a message every node read; and a forwarded poll
 * is held open for up to its wait, so the same user could fill a node's connection cap with
 * polls (1,000 polls took all 600 connections of a node in a test, and another user was refused).
 *
 * Each user has a token bucket: a request over it waits for its turn (so a long-polling
 * client in a busy room gets bigger batches, never an error) unless it would wait longer
 * than `maxWaitMs`. At most `maxHeldPerUser` requests of a user, and `maxHeldPerAddress` of a
 * client address (many accounts from one place), wait or are held at once; one more is
 * refused with 429 `rate_limited`.
 */
export class ForwardPacer {
  readonly #limiter: RateLimiter;
  /** Requests waiting or held, by user and by address. */
  readonly #byUser = new Map<string, number>();
  readonly #byAddress = new Map<string, number>();
  #total = 0;
  #paced = 0;

  constructor(
    readonly limits: ForwardPacerLimits,
    now: () => number = Date.now,
  ) {
    this.#limiter = new RateLimiter(limits.perSecond, limits.burst, now);
  }

  /** Requests waiting or held right now, all users. */
  get held(): number {
    return this.#total;
  }

  /** Requests so far that waited for their turn (not refused). */
  get paced(): number {
    return this.#paced;
  }

  /**
   * Takes a place for one request of `user` from `address` and waits for its turn. `gone` says
   * whether the requester went away meanwhile (its place is then given back and `undefined`
   * answered: there is nobody to answer). Call the turn's `release` once, when the request is done.
   */
  async acquire(user: string, address: string, gone: () => boolean): Promise<ForwardTurn | undefined> {
    if ((this.#byUser.get(user) ?? 0) >= this.limits.maxHeldPerUser) {
      return { refusal: { status: 429, code: 'rate_limited', msg: `too many requests of this user waiting for other nodes (at most ${this.limits.maxHeldPerUser})` } };
    }
    if ((this.#byAddress.get(address) ?? 0) >= this.limits.maxHeldPerAddress) {
      return { refusal: { status: 429, code: 'rate_limited', msg: `too many requests from this address waiting for other nodes (at most ${this.limits.maxHeldPerAddress})` } };
    }
    addCount(this.#byUser, user, 1);
    addCount(this.#byAddress, address, 1);
    this.#total++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#total--;
      addCount(this.#byUser, user, -1);
      addCount(this.#byAddress, address, -1);
    };
    let waited = 0;
    for (;;) {
      const turn = this.#limiter.take(user);
      if (turn.ok) {
        if (waited > 0) this.#paced++;
        return { release };
      }
      if (waited + turn.retryAfterMs > this.limits.maxWaitMs) {
        release();
        return { refusal: { status: 429, code: 'rate_limited', msg: `too many requests of this user for other nodes: retry in ${turn.retryAfterMs} ms` } };
      }
      await sleep(turn.retryAfterMs);
      waited += turn.retryAfterMs;
      if (gone()) {
        release();
        return undefined;
      }
    }
  }

  /** Forgets the buckets of users who have not forwarded for a while (periodic housekeeping). */
  prune(): void {
    this.#limiter.prune();
  }
}
