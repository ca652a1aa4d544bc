/** How long a revocation is remembered for joins that were already past `authorize`. */
const REMEMBER_MS = 60_000;

/**
 * Recent revocations of (room, user) on this node (`server.revoke`). `authorize` is asked
 * on every join, so the app's own data refuses joins after a revocation; but a join whose
 * `authorize` ran just before the app changed that data could still complete after the
 * revoke went out. A join checks here, once it is subscribed, whether its room was revoked
 * for its user since the join started, and is refused if so. Entries expire after a
 * minute (far longer than any join); the map holds at most what a minute of revocations adds.
 */
export class RecentRevocations {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  note(room: string, user: string): void {
    const key = `${user}\n${room}`;
    this.revoked.delete(key);
    this.revoked.set(key, this.now());
    this.prune();
  }

  /** Whether `room` was revoked for `user` at or after `since` (ms since epoch). */
  since(room: string, user: string, since: number): boolean {
    const at = this.revoked.get(`${user}\n${room}`);
    return at !== undefined && at >= since;
  }

  /** Drops entries older than the window (from the front: insertion order is time order). */
  prune(): void {
    const oldest = this.now() - REMEMBER_MS;
    for (const [key, at] of this.revoked) {
      if (at >= oldest) break;
      this.revoked.delete(key);
    }
  }
}
