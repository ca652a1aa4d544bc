import type { PropertyState } from '@sinyal/protocol/schema';
import type { PropertyStore, WatchOutcome } from './store';

/**
 * The default {@link PropertyStore}: process memory, one node. States are copied through
 * JSON on the way in and out, as a networked store would, so callers cannot mutate it.
 */
export class MemoryPropertyStore implements PropertyStore {
  readonly #properties = new Map<string, string>();
  readonly #watchlists = new Map<string, Set<string>>();
  readonly #watchers = new Map<string, Set<string>>();

  async get(propertyId: string): Promise<PropertyState | undefined> {
    const json = this.#properties.get(propertyId);
    return json === undefined ? undefined : (JSON.parse(json) as PropertyState);
  }

  async compareAndSet(propertyId: string, expectedVersion: number, next: PropertyState): Promise<boolean> {
    const json = this.#properties.get(propertyId);
    const version = json === undefined ? 0 : (JSON.parse(json) as PropertyState).version;
    if (version !== expectedVersion) return false;
    this.#properties.set(propertyId, JSON.stringify(next));
    return true;
  }

  async watch(userId: string, propertyId: string, maxPerUser: number): Promise<WatchOutcome> {
    let list = this.#watchlists.get(userId);
    if (list?.has(propertyId)) return 'already_watching';
    if ((list?.size ?? 0) >= maxPerUser) return 'full';
    if (!list) this.#watchlists.set(userId, (list = new Set()));
    list.add(propertyId);
    let watchers = this.#watchers.get(propertyId);
    if (!watchers) this.#watchers.set(propertyId, (watchers = new Set()));
    watchers.add(userId);
    return 'added';
  }

  async unwatch(userId: string, propertyId: string): Promise<boolean> {
    const list = this.#watchlists.get(userId);
    if (!list?.delete(propertyId)) return false;
    if (list.size === 0) this.#watchlists.delete(userId);
    const watchers = this.#watchers.get(propertyId);
    watchers?.delete(userId);
    if (watchers?.size === 0) this.#watchers.delete(propertyId);
    return true;
  }

  async watchlist(userId: string): Promise<string[]> {
    return [...(this.#watchlists.get(userId) ?? [])];
  }

  async watchers(propertyId: string): Promise<string[]> {
    return [...(this.#watchers.get(propertyId) ?? [])];
  }
}
