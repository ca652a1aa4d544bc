/**
 * Runs async tasks one at a time per key (a property id, a user id, a session id), in
 * call order, and concurrently across keys — so on this node the order of state changes
 * is also the order of the events they publish, even with a networked store whose calls
 * could otherwise overtake each other. A failing task does not block the ones after it.
 * Shared by the features (presence, property, notification).
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
