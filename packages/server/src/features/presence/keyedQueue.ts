/**
 * Runs tasks one after another per key and concurrently across keys: the joins, leaves,
 * connects and disconnects of one session reach the presence store in the order they
 * happened, even with a networked store whose calls could otherwise overtake each other.
 * A failed task does not block the ones after it.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
