/** Called with any exception thrown by application code (listeners, event handlers). */
export type ErrorReporter = (error: unknown) => void;

/** Default reporter: log, never rethrow into the socket loop. */
export const logError: ErrorReporter = (error) => console.error('[sinyal] handler threw:', error);

/**
 * Base for every stateful object (client, room, command, outbox): `subscribe`
 * returns the unsubscribe function, and `getSnapshot` (implemented by subclasses)
 * returns a value that only changes identity when the state changes, so React's
 * `useSyncExternalStore` and Vue's `shallowRef` can sit on it directly.
 */
export class Subscribable<Listener extends (...args: never[]) => void = () => void> {
  /** Wrapped so the same function subscribed twice counts (and unsubscribes) twice. */
  protected listeners = new Set<{ listener: Listener }>();
  protected report: ErrorReporter = logError;

  /** Start listening; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    const entry = { listener };
    this.listeners.add(entry);
    this.onSubscribe();
    return () => {
      if (this.listeners.delete(entry)) this.onUnsubscribe();
    };
  }

  /** Call every listener; a throwing listener is reported and the rest still run. */
  protected notify(...args: Parameters<Listener>): void {
    for (const { listener } of [...this.listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.report(error);
      }
    }
  }

  protected onSubscribe(): void {}
  protected onUnsubscribe(): void {}
}
