/** What the outbox persists for one command: enough to send it again after a reload. */
export interface OutboxRecord {
  id: string;
  name: string;
  room?: string;
  data?: unknown;
  /** Local time the command was created (TTL counts from here). */
  createdAt: number;
  /** It went on the wire at least once: the server may have run it, so it never expires, it is re-sent until answered. */
  sent?: boolean;
}

/**
 * Where the outbox keeps commands that are not yet acknowledged. `save` receives
 * the complete pending list after every change; `load` runs once when the client
 * is created. Either may be async (IndexedDB, React Native AsyncStorage…).
 */
export interface OutboxStorage {
  load(): OutboxRecord[] | Promise<OutboxRecord[]>;
  save(records: OutboxRecord[]): void | Promise<void>;
}

/** Keeps nothing across reloads: the default. */
export function memoryStorage(): OutboxStorage {
  let saved: OutboxRecord[] = [];
  return {
    load: () => saved,
    save: (records) => {
      saved = records;
    },
  };
}

/**
 * Persists the outbox in `localStorage` so commands survive a page reload. Use one
 * key per signed-in user, or a different user may send them.
 * Storage errors (quota, private mode) leave the outbox working in memory.
 *
 * @example
 * ```ts
 * createClient({ url, token, outbox: { storage: localStorageStorage(`sinyal:outbox:${userId}`) } })
 * ```
 */
export function localStorageStorage(key = 'sinyal:outbox', storage?: Storage): OutboxStorage {
  const target = () => storage ?? globalThis.localStorage;
  return {
    load() {
      try {
        const parsed: unknown = JSON.parse(target()?.getItem(key) ?? '[]');
        return Array.isArray(parsed) ? (parsed as OutboxRecord[]) : [];
      } catch {
        return [];
      }
    },
    save(records) {
      try {
        if (records.length) target()?.setItem(key, JSON.stringify(records));
        else target()?.removeItem(key);
      } catch {
        // quota exceeded or storage disabled: the in-memory outbox still works
      }
    },
  };
}
