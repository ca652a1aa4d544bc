/**
 * One store per (client, key), created on first use: fifty components showing the same
 * conversation share one store, one join and one set of listeners. Keyed weakly by the
 * client, so the stores go away with it.
 */
export function cachedStore<Store>(cache: WeakMap<object, Map<string, Store>>, client: object, key: string, create: () => Store): Store {
  let stores = cache.get(client);
  if (!stores) cache.set(client, (stores = new Map()));
  let store = stores.get(key);
  if (!store) stores.set(key, (store = create()));
  return store;
}
