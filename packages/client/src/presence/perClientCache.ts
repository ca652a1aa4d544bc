import type { SinyalClient } from '../client';

/**
 * Wraps a store constructor so each (client, key) pair gets one instance: fifty
 * components showing the same property's viewers share one store and one room join.
 * Keyed by the client object in a WeakMap, so a discarded client takes its stores with it.
 */
export function perClientCache<Store>(create: (client: SinyalClient<object, object>, key: string) => Store) {
  const storesByClient = new WeakMap<object, Map<string, Store>>();
  return <E extends object, C extends object>(client: SinyalClient<E, C>, key: string): Store => {
    let stores = storesByClient.get(client);
    if (!stores) storesByClient.set(client, (stores = new Map()));
    let store = stores.get(key);
    if (!store) stores.set(key, (store = create(client as unknown as SinyalClient<object, object>, key)));
    return store;
  };
}
