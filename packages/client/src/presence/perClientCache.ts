import type { SinyalClient } from '../client';
import { cachedStore } from '../storeCache';

/**
 * Wraps a store constructor so each (client, key) pair gets one instance: fifty
 * components showing the same property's viewers share one store and one room join.
 * Keyed by the client object in a WeakMap, so a discarded client takes its stores with it.
 */
export function perClientCache<Store>(create: (client: SinyalClient<object, object>, key: string) => Store) {
  const storesByClient = new WeakMap<object, Map<string, Store>>();
  return <E extends object, C extends object>(client: SinyalClient<E, C>, key: string): Store =>
    cachedStore(storesByClient, client, key, () => create(client as unknown as SinyalClient<object, object>, key));
}
