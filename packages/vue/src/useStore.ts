import { getCurrentInstance, getCurrentScope, onMounted, onScopeDispose, shallowRef, type ShallowRef } from 'vue';
import { useSinyalInjection } from './plugin';

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
  const { releaseMs } = useSinyalInjection();
  const state = shallowRef(store.getSnapshot());
  let unsubscribe: (() => void) | undefined;
  const start = () => {
    unsubscribe = store.subscribe(() => (state.value = store.getSnapshot()));
    state.value = store.getSnapshot(); // it may have changed before we listened
  };
  if (getCurrentInstance()) onMounted(start);
  else start();
  if (getCurrentScope()) {
    onScopeDispose(() => {
      const stop = unsubscribe;
      if (stop) setTimeout(stop, releaseMs);
    });
  }
  return state;
}
