import { useCallback, useSyncExternalStore } from 'react';
import { useSinyalContext } from './useSinyal';

/** Anything with the client's store shape: every Sinyal store, room, command and the client itself. */
export interface ExternalStore<Snapshot> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): Snapshot;
}

/**
 * Binds a Sinyal store to React with `useSyncExternalStore`. Unsubscribing is delayed by
 * the provider's `releaseMs`, so StrictMode's mount/unmount/mount never leaves a room the
 * component still uses. During server rendering the store's current (initial) snapshot
 * is rendered and nothing subscribes, so nothing touches the network.
 */
export function useStore<Snapshot>(store: ExternalStore<Snapshot>): Snapshot {
  const { releaseMs } = useSinyalContext();
  const subscribe = useCallback(
    (onChange: () => void) => {
      const unsubscribe = store.subscribe(onChange);
      return () => void setTimeout(unsubscribe, releaseMs);
    },
    [store, releaseMs],
  );
  const getSnapshot = useCallback(() => store.getSnapshot(), [store]);
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
