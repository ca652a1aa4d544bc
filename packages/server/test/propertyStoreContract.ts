// The behaviour every PropertyStore must have, run against each implementation
// (propertyStores.test.ts), so the memory store and the Redis store stay equivalent.
import type { PropertyState } from '@sinyal/protocol/schema';
import { describe, expect, it } from 'vitest';
import type { PropertyStore } from '../src/features/property/store';

/** Makes an empty store; the suite creates one per test. */
export type PropertyStoreFactory = () => PropertyStore | Promise<PropertyStore>;

export const propertyState = (id: string, version: number, price = 1): PropertyState => ({
  id,
  status: 'available',
  price,
  currency: 'IDR',
  lastChange: null,
  priceHistory: [],
  photos: [],
  openHouse: null,
  featured: false,
  featuredUntil: null,
  version,
});

export function propertyStoreContract(name: string, makeStore: PropertyStoreFactory): void {
  describe(`${name} (PropertyStore contract)`, () => {
    it('compare-and-set refuses a stale version', async () => {
      const store = await makeStore();
      const state = propertyState('p', 1);
      expect(await store.get('p')).toBeUndefined();
      expect(await store.compareAndSet('p', 1, state)).toBe(false); // not stored yet: version 0
      expect(await store.compareAndSet('p', 0, state)).toBe(true);
      expect(await store.compareAndSet('p', 0, { ...state, price: 2 })).toBe(false);
      expect(await store.compareAndSet('p', 2, { ...state, price: 2, version: 3 })).toBe(false);
      expect(await store.compareAndSet('p', 1, { ...state, price: 3, version: 2 })).toBe(true);
      expect((await store.get('p'))?.price).toBe(3);
      expect(await store.get('other')).toBeUndefined();
    });

    it('returns exactly what was written, as a copy', async () => {
      const store = await makeStore();
      const state: PropertyState = {
        id: 'p-42',
        status: 'under_offer',
        price: 999_999_999_999_999.9,
        currency: 'IDR',
        lastChange: {
          type: 'price_updated',
          propertyId: 'p-42',
          oldPrice: 123_456_789_012_345.67,
          newPrice: 999_999_999_999_999.9,
          currency: 'IDR',
          percentage: 709.9,
          isPriceDrop: false,
          at: 9_007_199_254_740_991,
          version: 7,
        },
        priceHistory: [
          { price: 5_500_000_000.25, at: 1_712_345_678_901 },
          { price: 0.1 + 0.2, at: 1_712_345_678_902 },
        ],
        photos: [{ url: 'https://cdn.example/p-42/1.jpg?a="b"', caption: 'Taman 🌳 "depan"\n\\' }, { url: 'http://x.example/2.jpg' }],
        openHouse: { startsAt: 1_712_345_678_901, endsAt: 1_712_349_278_901, note: 'Sabtu 10:00 — ü' },
        featured: true,
        featuredUntil: 4_102_444_800_000,
        version: 7,
      };
      expect(await store.compareAndSet('p-42', 0, state)).toBe(true);
      const read = await store.get('p-42');
      expect(read).toEqual(state);
      read!.photos.push({ url: 'https://mutated.example/x.jpg' });
      read!.version = 99;
      expect(await store.get('p-42')).toEqual(state);
      expect(await store.compareAndSet('p-42', 7, { ...state, version: 8 })).toBe(true);
      expect((await store.get('p-42'))!.version).toBe(8);
    });

    it('keeps watch lists and watchers in step, bounded per user, in the order of adding', async () => {
      const store = await makeStore();
      expect(await store.watchlist('u')).toEqual([]);
      expect(await store.watchers('a')).toEqual([]);
      expect(await store.watch('u', 'a', 2)).toBe('added');
      expect(await store.watch('u', 'a', 2)).toBe('already_watching');
      expect(await store.watch('u', 'b', 2)).toBe('added');
      expect(await store.watch('u', 'c', 2)).toBe('full');
      expect(await store.watch('u', 'a', 2)).toBe('already_watching'); // even when full
      expect(await store.watchers('a')).toEqual(['u']);
      expect(await store.watchers('c')).toEqual([]);
      expect(await store.unwatch('u', 'a')).toBe(true);
      expect(await store.unwatch('u', 'a')).toBe(false);
      expect(await store.unwatch('nobody', 'a')).toBe(false);
      expect(await store.watchers('a')).toEqual([]);
      expect(await store.watchlist('u')).toEqual(['b']);
      // Watching again puts the id at the end.
      expect(await store.watch('u', 'c', 3)).toBe('added');
      expect(await store.watch('u', 'a', 3)).toBe('added');
      expect(await store.watchlist('u')).toEqual(['b', 'c', 'a']);
      expect(await store.unwatch('u', 'c')).toBe(true);
      expect(await store.watch('u', 'c', 3)).toBe('added');
      expect(await store.watchlist('u')).toEqual(['b', 'a', 'c']);
      expect(await store.watch('u', 'd', 0)).toBe('full');
      // Several users per property (a set: compared without order).
      for (const user of ['v', 'w']) expect(await store.watch(user, 'a', 5)).toBe('added');
      expect((await store.watchers('a')).sort()).toEqual(['u', 'v', 'w']);
      expect(await store.unwatch('v', 'a')).toBe(true);
      expect((await store.watchers('a')).sort()).toEqual(['u', 'w']);
      expect(await store.watchlist('v')).toEqual([]);
    });
  });
}
