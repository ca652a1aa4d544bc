import type { CommandOutcome } from '../store/types';

/**
 * The commands running now, by dedupe key, so that a duplicate arriving meanwhile waits for
 * the first run instead of running again (see `Deduper`).
 *
 * A plain `Map` would do, but a Map that lives long is promoted to V8's old space, and from
 * then on each rehash of its table — which a cycle of `set` and `delete` causes every few
 * operations — allocates the new table there: ≈ 150 bytes of old-space garbage per command,
 * about a fifth of what made the major collections in the chat benchmark (see
 * docs/performance.md, "Old-space garbage from long-lived maps"). The set is empty between
 * most commands (a command on `MemoryStore` runs to its end before the next frame is read),
 * so the map is replaced by a new, young one whenever its last command ends.
 */
export class CommandsInFlight {
  private running = new Map<string, Promise<CommandOutcome>>();

  get(key: string): Promise<CommandOutcome> | undefined {
    return this.running.get(key);
  }

  set(key: string, result: Promise<CommandOutcome>): void {
    this.running.set(key, result);
  }

  /** Forgets the command of `key`, which {@link CommandsInFlight.set} registered. */
  delete(key: string): void {
    if (this.running.size === 1 && this.running.has(key)) this.running = new Map();
    else this.running.delete(key);
  }
}
