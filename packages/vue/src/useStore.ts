import { shallowRef, type ShallowRef } from 'vue';
import { useSinyalInjection } from './plugin';
import { whileMounted } from './whileMounted';

/** Anything with the client's store shape: every Sinyal store, room, command and the client itself. */
export interface ExternalStore<Snapshot> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): Snapshot;
}

/**
 * Binds a Sinyal store to a `shallowRef`: the ref holds the store's snapshot and is
 * replaced whenever the store changes. In a component the subscription starts on mount
 * (so server-side rendering never subscribes or touches the network) and ends, after
 * the plugin's `releaseMs`, when the component's scope is disposed; in a bare
 * `effectScope` it starts at once.
 */
export function useStore<Snapshot>(store: ExternalStore<Snapshot>): Readonly<ShallowRef<Snapshot>> {
  const state = shallowRef(store.getSnapshot());
  whileMounted(() => {
    const unsubscribe = store.subscribe(() => (state.value = store.getSnapshot()));
    state.value = store.getSnapshot(); // it may have changed before we listened
    return unsubscribe;
  }, useSinyalInjection().releaseMs);
  return state;
}
