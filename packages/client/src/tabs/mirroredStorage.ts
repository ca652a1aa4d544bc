/**
 * A `Storage` that tells someone about every write: the shared outbox of the SharedWorker
 * path keeps one copy in the worker (which has no `localStorage`) and one in the tabs'
 * `localStorage` (which outlives the worker), and each side mirrors the other's writes.
 * @internal
 */
export class MirroredStorage implements Storage {
  readonly #items: Map<string, string>;
  readonly #onWrite: (key: string, value: string | null) => void;
  readonly #inner: Storage | undefined;

  /**
   * @param onWrite called after every change made through this object (not through {@link apply}).
   * @param inner where the items live (e.g. `localStorage`); a Map of its own when absent.
   */
  constructor(onWrite: (key: string, value: string | null) => void, inner?: Storage) {
    this.#onWrite = onWrite;
    this.#inner = inner;
    this.#items = new Map();
  }

  get length(): number {
    return this.#inner ? this.#inner.length : this.#items.size;
  }

  key(index: number): string | null {
    return this.#inner ? this.#inner.key(index) : ([...this.#items.keys()][index] ?? null);
  }

  getItem(key: string): string | null {
    return this.#inner ? this.#inner.getItem(key) : (this.#items.get(key) ?? null);
  }

  setItem(key: string, value: string): void {
    this.apply(key, value);
    this.#onWrite(key, value);
  }

  removeItem(key: string): void {
    if (this.getItem(key) === null) return;
    this.apply(key, null);
    this.#onWrite(key, null);
  }

  clear(): void {
    const keys: string[] = [];
    for (let i = 0; i < this.length; i++) keys.push(this.key(i)!);
    for (const key of keys) this.removeItem(key);
  }

  /** A change made on the other side: stored here, not reported back. */
  apply(key: string, value: string | null): void {
    if (this.#inner) {
      if (value === null) this.#inner.removeItem(key);
      else this.#inner.setItem(key, value);
    } else if (value === null) this.#items.delete(key);
    else this.#items.set(key, value);
  }
}
