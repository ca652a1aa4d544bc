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
 * Where the outbox keeps commands that are not yet acknowledged, **per user**: `user` is
 * the signed-in user they belong to (`outbox.user`, or the user the server's `welcome`
 * names), so on a shared device one user's queued commands are never loaded — and sent —
 * by another. `save` receives the user's complete pending list after every change; `load`
 * runs when the user is known. Either may be async (IndexedDB, React Native AsyncStorage…).
 * A custom storage must keep each user's list apart.
 */
export interface OutboxStorage {
  load(user: string): OutboxRecord[] | Promise<OutboxRecord[]>;
  save(records: OutboxRecord[], user: string): void | Promise<void>;
}

/**
 * Keeps nothing across reloads: the default. One list, for the one user of the client
 * that owns it (an outbox serves one user only; see `OutboxOptions.user`).
 */
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
 * Persists the outbox in `localStorage` (or in `storage`, any object with the Web
 * Storage `getItem`/`setItem`/`removeItem`, e.g. a file-backed one in Node) so commands
 * survive a page reload. Each user's commands live under their own key, `<key>:<user>`
 * (`sinyal:outbox:alice`), so a user signing in on a shared computer never sends the
 * commands another user left queued.
 * Storage errors (quota, private mode) leave the outbox working in memory.
 *
 * @example
 * ```ts
 * createClient({ url, token, outbox: { storage: localStorageStorage() } })
 * // Node, or a storage of your own:
 * createClient({ url, token, WebSocket, outbox: { storage: localStorageStorage('sinyal:outbox', myStorage) } })
 * ```
 */
export function localStorageStorage(key = 'sinyal:outbox', storage?: Storage): OutboxStorage {
  const target = () => storage ?? globalThis.localStorage;
  return {
    load(user) {
      try {
        const parsed: unknown = JSON.parse(target()?.getItem(`${key}:${user}`) ?? '[]');
        return Array.isArray(parsed) ? (parsed as OutboxRecord[]) : [];
      } catch {
        return [];
      }
    },
    save(records, user) {
      try {
        if (records.length) target()?.setItem(`${key}:${user}`, JSON.stringify(records));
        else target()?.removeItem(`${key}:${user}`);
      } catch {
        // quota exceeded or storage disabled: the in-memory outbox still works
      }
    },
  };
}
