import { describe, expect, it } from 'vitest';
import { priceChange } from '../src/features/property/priceChange';
import { DEFAULT_TRANSITIONS, transitionError } from '../src/features/property/transitions';
import { MemoryPropertyStore } from '../src/features/property/memoryStore';

describe('priceChange', () => {
  it('rounds to one decimal, negative for drops', () => {
    expect(priceChange(5_500_000_000, 5_200_000_000)).toEqual({ percentage: -5.5, isPriceDrop: true });
    expect(priceChange(1000, 1100)).toEqual({ percentage: 10, isPriceDrop: false });
    expect(priceChange(3, 2)).toEqual({ percentage: -33.3, isPriceDrop: true });
    expect(priceChange(100_000, 99_999)).toEqual({ percentage: 0, isPriceDrop: true }); // no -0
  });
});

describe('status transitions', () => {
  it('allows the lifecycle and refuses the rest', () => {
    expect(transitionError(DEFAULT_TRANSITIONS, 'available', 'under_offer')).toBeUndefined();
    expect(transitionError(DEFAULT_TRANSITIONS, 'under_offer', 'sold')).toBeUndefined();
    expect(transitionError(DEFAULT_TRANSITIONS, 'available', 'rented')).toBeUndefined();
    expect(transitionError(DEFAULT_TRANSITIONS, 'available', 'sold')).toMatch(/cannot/);
    expect(transitionError(DEFAULT_TRANSITIONS, 'sold', 'available')).toMatch(/cannot/);
    expect(transitionError(DEFAULT_TRANSITIONS, 'sold', 'sold')).toMatch(/already/);
  });
});

describe('MemoryPropertyStore', () => {
  it('compare-and-set refuses a stale version', async () => {
    const store = new MemoryPropertyStore();
    const state = { id: 'p', status: 'available' as const, price: 1, currency: 'IDR', lastChange: null, priceHistory: [], photos: [], openHouse: null, featured: false, featuredUntil: null, version: 1 };
    expect(await store.compareAndSet('p', 0, state)).toBe(true);
    expect(await store.compareAndSet('p', 0, { ...state, price: 2 })).toBe(false);
    expect(await store.compareAndSet('p', 1, { ...state, price: 3, version: 2 })).toBe(true);
    expect((await store.get('p'))?.price).toBe(3);
  });

  it('keeps watch lists and watchers in step, bounded per user', async () => {
    const store = new MemoryPropertyStore();
    expect(await store.watch('u', 'a', 2)).toBe('added');
    expect(await store.watch('u', 'a', 2)).toBe('already_watching');
    expect(await store.watch('u', 'b', 2)).toBe('added');
    expect(await store.watch('u', 'c', 2)).toBe('full');
    expect(await store.watchers('a')).toEqual(['u']);
    expect(await store.unwatch('u', 'a')).toBe(true);
    expect(await store.unwatch('u', 'a')).toBe(false);
    expect(await store.watchers('a')).toEqual([]);
    expect(await store.watchlist('u')).toEqual(['b']);
  });
});
