import { useMemo } from 'react';
import { useStore, type ExternalStore } from './useStore';

const actionsByStore = new WeakMap<object, object>();

/**
 * @internal The store's methods `names`, bound once per store (each store type is used by
 * one hook, with one list of names), so they keep their identity across renders and can
 * sit in dependency arrays.
 */
export function actionsOf<Store extends object, Name extends keyof Store>(store: Store, names: readonly Name[]): Pick<Store, Name> {
  let actions = actionsByStore.get(store) as Pick<Store, Name> | undefined;
  if (!actions) {
    actions = {} as Pick<Store, Name>;
    for (const name of names) actions[name] = (store[name] as (...args: unknown[]) => unknown).bind(store) as Store[Name];
    actionsByStore.set(store, actions);
  }
  return actions;
}

/**
 * @internal {@link useStore} plus the store's actions: `{ ...snapshot, ...actions }`, a new
 * object only when the store publishes a new snapshot.
 */
export function useStoreView<Store extends ExternalStore<object>, Name extends keyof Store>(store: Store, names: readonly Name[]): ReturnType<Store['getSnapshot']> & Pick<Store, Name> {
  const snapshot = useStore(store);
  return useMemo(() => ({ ...(snapshot as ReturnType<Store['getSnapshot']>), ...actionsOf(store, names) }), [snapshot, store]);
}
