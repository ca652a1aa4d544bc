/**
 * Users kept out for a while: after one of a user's connections is closed for flooding
 * (1008, over `limits.overLimitFrames`), the user's new connections are refused with 429
 * and `retryAfterMs` for `limits.floodCooldownMs`, so a flooder cannot reconnect at once and
 * start over — each new connection would cost the server a handshake, a token check and its
 * over-limit allowance. Entries expire; the map holds at most the users cut off within one
 * cool-down.
 */
export class UserCooldowns {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Keeps `user` out for `ms` from now (extends, never shortens, a running cool-down). */
  start(user: string, ms: number): void {
    const end = this.now() + ms;
    if ((this.until.get(user) ?? 0) < end) this.until.set(user, end);
  }

  /** How long `user` must still wait, or 0. */
  remainingMs(user: string): number {
    const end = this.until.get(user);
    if (end === undefined) return 0;
    const left = end - this.now();
    if (left > 0) return left;
    this.until.delete(user);
    return 0;
  }

  prune(): void {
    const now = this.now();
    for (const [user, end] of this.until) if (end <= now) this.until.delete(user);
  }
}
