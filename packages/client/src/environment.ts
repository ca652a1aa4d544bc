/**
 * What the client needs to know about its surroundings: whether the device says it
 * is online, and when to retry at once. Injectable for React Native, workers and
 * tests; {@link browserEnvironment} is the default and does nothing where there is
 * no `window` (Node, SSR).
 */
export interface Environment {
  /** `false` only when the platform is sure there is no network. */
  isOnline(): boolean;
  /**
   * Subscribe to "now is a good moment to retry" (network back, tab visible again)
   * and "the network is gone". Returns the unsubscribe function.
   */
  listen(onWake: () => void, onOffline: () => void): () => void;
}

/** Reads `navigator.onLine` and listens to `online`, `offline` and `visibilitychange`. */
export function browserEnvironment(): Environment {
  const g = globalThis as unknown as {
    navigator?: { onLine?: boolean };
    document?: { visibilityState?: string; addEventListener?: Window['addEventListener']; removeEventListener?: Window['removeEventListener'] };
    addEventListener?: Window['addEventListener'];
    removeEventListener?: Window['removeEventListener'];
  };
  return {
    isOnline: () => g.navigator?.onLine !== false,
    listen(onWake, onOffline) {
      if (typeof g.addEventListener !== 'function') return () => {};
      const onVisible = () => g.document?.visibilityState === 'visible' && onWake();
      g.addEventListener('online', onWake);
      g.addEventListener('offline', onOffline);
      g.document?.addEventListener?.('visibilitychange', onVisible);
      return () => {
        g.removeEventListener?.('online', onWake);
        g.removeEventListener?.('offline', onOffline);
        g.document?.removeEventListener?.('visibilitychange', onVisible);
      };
    },
  };
}
