import type { OutboxRecord } from '@sinyal/client';

/** One command in the shared journal: the outbox record, and the tab that issued it. */
export interface JournalEntry extends OutboxRecord {
  tab: string;
}

/**
 * The commands of every tab that are not yet answered, in the origin's `localStorage`, one
 * key per command (`sinyal:tabs:v1:<key>:cmd:<id>`), so a tab writes its own without reading
 * or rewriting anyone else's. A tab records a command here (synchronously, before handing it
 * to the leader); the leader deletes it when the server answers. A command whose tab has gone
 * is sent by the leader from here, with its id. Bounded: beyond `max` entries a command is
 * not recorded (it still goes, from its tab's memory). Storage errors (quota, private mode)
 * leave commands memory-only, as without sharing.
 * @internal
 */
export class Journal {
  constructor(
    readonly prefix: string,
    readonly max: number,
    readonly storage: () => Storage | undefined,
  ) {}

  /** Records `entry`; false when the journal is full or storage refused it. */
  put(entry: JournalEntry): boolean {
    try {
      const storage = this.storage();
      const key = this.prefix + entry.id;
      if (!storage || (storage.getItem(key) === null && this.size() >= this.max)) return false;
      storage.setItem(key, JSON.stringify(entry));
      return true;
    } catch {
      return false;
    }
  }

  get(id: string): JournalEntry | undefined {
    try {
      const text = this.storage()?.getItem(this.prefix + id);
      return text ? (JSON.parse(text) as JournalEntry) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Marks a command as sent at least once (the server may have run it: it never expires). */
  markSent(id: string): void {
    const entry = this.get(id);
    if (entry && !entry.sent) this.put({ ...entry, sent: true });
  }

  delete(id: string): void {
    try {
      this.storage()?.removeItem(this.prefix + id);
    } catch {
      // storage gone: nothing to forget
    }
  }

  /** Every recorded command, oldest first. */
  entries(): JournalEntry[] {
    const entries: JournalEntry[] = [];
    for (const [, text] of this.raw()) {
      try {
        entries.push(JSON.parse(text) as JournalEntry);
      } catch {
        // not ours, or cut short: skipped
      }
    }
    return entries.sort((a, b) => a.createdAt - b.createdAt);
  }

  size(): number {
    return this.#keys().length;
  }

  /** Every recorded command as stored: `[storage key, JSON text]` (handed to a shared worker as they are). */
  raw(): Array<[string, string]> {
    const found: Array<[string, string]> = [];
    try {
      const storage = this.storage();
      for (const key of this.#keys()) {
        const text = storage?.getItem(key);
        if (text != null) found.push([key, text]);
      }
    } catch {
      // storage disabled: nothing recorded
    }
    return found;
  }

  #keys(): string[] {
    const keys: string[] = [];
    try {
      const storage = this.storage();
      for (let i = 0; storage && i < storage.length; i++) {
        const key = storage.key(i);
        if (key?.startsWith(this.prefix)) keys.push(key);
      }
    } catch {
      // storage disabled: nothing recorded
    }
    return keys;
  }
}
