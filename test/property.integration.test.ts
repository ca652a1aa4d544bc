// Property updates: the page store, watching through the user feed, the publish API,
// transitions, and a watcher cut off in the middle.
import { fetchJson } from '@sinyal/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { SinyalClient } from '../packages/client/src/client';
import { propertyStore } from '../packages/client/src/property/propertyStore';
import { watchlistStore } from '../packages/client/src/property/watchlistStore';
import type { PropertyChange } from '../packages/protocol/src/schema/property';
import { propertyFeature, type PropertyFeatureOptions } from '../packages/server/src/features/property';
import { SinyalServerError } from '../packages/server/src/errors';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, sleep, startServer, until } from '../test-utils/harness';

const SECRET = 'property-publisher-secret';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: PropertyFeatureOptions = {}) {
  const properties = propertyFeature({ onError: () => {}, ...options });
  const server = await startServer({ features: [properties], publishSecret: SECRET });
  cleanups.push(() => server.close());
  await properties.register('p-1', { status: 'available', price: 5_500_000_000 });
  const client = (user: string, url = server.url) => {
    const c = connect(url, user);
    cleanups.push(() => c.close());
    return c as unknown as SinyalClient<object, object>;
  };
  /** `secret: null` sends no Authorization header. */
  const api = (method: string, path: string, body?: unknown, secret: string | null = SECRET) =>
    fetch(`${server.httpUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { properties, server, client, api };
}

describe('property updates', () => {
  it('a page viewer gets the state on join and every update in order', async () => {
    const { properties, client } = await setup();
    const viewer = client('ana');
    const store = propertyStore(viewer, 'p-1');
    expect(propertyStore(viewer, 'p-1')).toBe(store); // one store per (client, id)
    const changes: string[] = [];
    let last = store.getSnapshot();
    const stop = store.subscribe(() => {
      const snapshot = store.getSnapshot();
      if (snapshot.lastChange && snapshot.lastChange !== last.lastChange) changes.push(snapshot.lastChange.type);
      last = snapshot;
    });
    await until(() => store.getSnapshot().ready);
    expect(store.getSnapshot()).toMatchObject({ status: 'available', price: 5_500_000_000, currency: 'IDR', lastChange: null });
    expect(store.getSnapshot()).toBe(store.getSnapshot()); // stable until something changes

    const drop = await properties.updatePrice('p-1', 5_200_000_000);
    expect(drop).toMatchObject({ oldPrice: 5_500_000_000, newPrice: 5_200_000_000, percentage: -5.5, isPriceDrop: true, currency: 'IDR' });
    await properties.changeStatus('p-1', 'under_offer');
    await properties.addPhotos('p-1', [{ url: 'https://img.example/1.jpg', caption: 'Kitchen' }]);
    const startsAt = Date.now() + 86_400_000;
    await properties.scheduleOpenHouse('p-1', { startsAt, endsAt: startsAt + 7_200_000, note: 'Sabtu pagi' });
    await properties.markFeatured('p-1');
    await properties.changeStatus('p-1', 'sold');

    await until(() => store.getSnapshot().status === 'sold');
    expect(changes).toEqual(['price_updated', 'status_changed', 'new_photos_added', 'open_house_scheduled', 'property_featured', 'status_changed']);
    expect(store.getSnapshot()).toMatchObject({
      price: 5_200_000_000,
      featured: true,
      photos: [{ url: 'https://img.example/1.jpg', caption: 'Kitchen' }],
      openHouse: { startsAt, endsAt: startsAt + 7_200_000, note: 'Sabtu pagi' },
      lastChange: { type: 'status_changed', from: 'under_offer', to: 'sold' },
    });
    expect(store.getSnapshot().priceHistory.map((p) => p.price)).toEqual([5_500_000_000, 5_200_000_000]);

    // A late viewer gets all of it from the join state alone.
    const late = propertyStore(client('ben'), 'p-1');
    late.subscribe(() => {});
    await until(() => late.getSnapshot().ready);
    const { ready: _r1, error: _e1, ...fromEvents } = store.getSnapshot();
    const { ready: _r2, error: _e2, ...fromJoin } = late.getSnapshot();
    expect(fromJoin).toEqual(fromEvents);
    stop();
  });

  it('price increases are positive and not drops; featured expires by itself', async () => {
    const { properties, client } = await setup();
    const rise = await properties.updatePrice('p-1', 6_050_000_000);
    expect(rise).toMatchObject({ percentage: 10, isPriceDrop: false });
    const store = propertyStore(client('cy'), 'p-1');
    store.subscribe(() => {});
    await until(() => store.getSnapshot().ready);
    await properties.markFeatured('p-1', Date.now() + 300);
    await until(() => store.getSnapshot().featured);
    await until(() => !store.getSnapshot().featured);
    expect((await properties.get('p-1')).featured).toBe(false);
  });

  it('a watcher gets updates through their feed while the page is closed; onUpdate sees the watchers', async () => {
    const hooked: Array<{ change: PropertyChange; watchers: readonly string[] }> = [];
    const { properties, client, server } = await setup({ onUpdate: (change, watchers) => void hooked.push({ change, watchers }) });
    await properties.register('p-2', { status: 'available', price: 900_000_000 });
    const tab1 = client('dee');
    const tab2 = client('dee');
    const wishlist = watchlistStore(tab1);
    const otherTab = watchlistStore(tab2);
    wishlist.subscribe(() => {});
    otherTab.subscribe(() => {});
    await until(() => wishlist.getSnapshot().ready && otherTab.getSnapshot().ready);
    await wishlist.watch('p-1').done;
    await wishlist.watch('p-2').done;
    expect(wishlist.getSnapshot().watched).toEqual(['p-1', 'p-2']);
    await until(() => otherTab.getSnapshot().watched.length === 2); // the other tab follows through the feed

    await properties.updatePrice('p-2', 810_000_000);
    await properties.changeStatus('p-1', 'under_offer');
    await until(() => wishlist.getSnapshot().updates.length === 2);
    expect(wishlist.getSnapshot().updates.map((u) => [u.type, u.propertyId])).toEqual([
      ['status_changed', 'p-1'],
      ['price_updated', 'p-2'],
    ]);
    expect(server.localMembers('property:p-1')).toBe(0); // no page open
    expect(hooked.map((h) => [h.change.type, h.watchers])).toEqual([
      ['price_updated', ['dee']],
      ['status_changed', ['dee']],
    ]);

    await wishlist.unwatch('p-1').done;
    await properties.changeStatus('p-1', 'sold');
    await sleep(100);
    expect(wishlist.getSnapshot().updates).toHaveLength(2);
    expect(hooked.at(-1)?.watchers).toEqual([]);

    await expect(fetchJson(tab1.options, '/api/watchlist')).resolves.toEqual({ watched: ['p-2'] });
    await expect(fetchJson({ url: server.url }, '/api/watchlist')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses invalid transitions, unknown properties and bad input', async () => {
    const { properties, client } = await setup();
    await expect(properties.changeStatus('p-1', 'sold')).rejects.toMatchObject({ code: 'conflict' });
    await expect(properties.changeStatus('p-1', 'available')).rejects.toMatchObject({ code: 'conflict' });
    await properties.changeStatus('p-1', 'under_offer');
    await properties.changeStatus('p-1', 'sold');
    await expect(properties.changeStatus('p-1', 'available')).rejects.toBeInstanceOf(SinyalServerError);
    await expect(properties.updatePrice('p-404', 1)).rejects.toMatchObject({ code: 'not_found' });
    await expect(properties.updatePrice('p-1', -5)).rejects.toMatchObject({ code: 'bad_request' });
    await expect(properties.updatePrice('p-1', 5_500_000_000)).rejects.toMatchObject({ code: 'conflict' });
    await expect(properties.addPhotos('p-1', [{ url: 'javascript:alert(1)' }])).rejects.toMatchObject({ code: 'bad_request' });
    await expect(properties.scheduleOpenHouse('p-1', { startsAt: Date.now() + 10_000, endsAt: Date.now() + 5_000 })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(properties.changeStatus('bad id!', 'sold')).rejects.toMatchObject({ code: 'bad_request' });

    const c = client('eve') as unknown as SinyalClient<object, Record<string, { data: unknown; result: unknown }>>;
    await expect(c.request('property:watch', { propertyId: 'p-404' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(c.request('property:watch', { propertyId: 42 })).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(c.request('property:watch', {})).rejects.toMatchObject({ code: 'invalid_frame' });
    // An invalid property id cannot be joined.
    const store = propertyStore(c as unknown as SinyalClient<object, object>, 'no:such:id');
    store.subscribe(() => {});
    await until(() => store.getSnapshot().error !== undefined);
    expect(store.getSnapshot().error?.code).toBe('bad_request');
  });

  it('a store subscribing to a room someone else already joined loads the state over HTTP', async () => {
    const { properties, client } = await setup();
    const c = client('jo');
    const room = c.room('property:p-1');
    const release = room.retain();
    await until(() => room.getSnapshot().status === 'joined');
    await properties.updatePrice('p-1', 5_400_000_000);
    const store = propertyStore(c, 'p-1');
    store.subscribe(() => {});
    await until(() => store.getSnapshot().ready);
    expect(store.getSnapshot()).toMatchObject({ status: 'available', price: 5_400_000_000, lastChange: { type: 'price_updated' } });
    await properties.changeStatus('p-1', 'under_offer');
    await until(() => store.getSnapshot().status === 'under_offer');
    release();
  });

  it('a full watch list is refused', async () => {
    const { properties, client } = await setup({ maxWatchedPerUser: 1 });
    await properties.register('p-2', { status: 'available', price: 1 });
    const c = client('fin') as unknown as SinyalClient<object, Record<string, { data: unknown; result: unknown }>>;
    await c.request('property:watch', { propertyId: 'p-1' });
    await c.request('property:watch', { propertyId: 'p-1' }); // idempotent
    await expect(c.request('property:watch', { propertyId: 'p-2' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('the publish endpoints need the publisher secret and validate the body', async () => {
    const { api, client } = await setup();
    const viewer = propertyStore(client('gus'), 'p-1');
    viewer.subscribe(() => {});
    await until(() => viewer.getSnapshot().ready);

    expect((await api('POST', '/api/properties/p-1/events', { type: 'status_changed', to: 'under_offer' }, null)).status).toBe(401);
    expect((await api('POST', '/api/properties/p-1/events', { type: 'status_changed', to: 'under_offer' }, 'wrong')).status).toBe(401);
    expect((await api('PUT', '/api/properties/p-9', { status: 'available', price: 1 }, 'wrong')).status).toBe(401);
    expect((await api('POST', '/api/properties/p-1/events', { type: 'status_changed', to: 'sold' })).status).toBe(409);
    expect((await api('POST', '/api/properties/p-1/events', { type: 'teleported' })).status).toBe(400);
    expect((await api('POST', '/api/properties/p-404/events', { type: 'price_updated', newPrice: 1 })).status).toBe(404);
    expect((await api('PUT', '/api/properties/p-9', { status: 'haunted', price: 1 })).status).toBe(400);

    const ok = await api('POST', '/api/properties/p-1/events', { type: 'price_updated', newPrice: 4_950_000_000 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ type: 'price_updated', percentage: -10, isPriceDrop: true });
    await until(() => viewer.getSnapshot().price === 4_950_000_000);

    expect((await api('PUT', '/api/properties/p-9', { status: 'rented', price: 15_000_000, currency: 'USD' })).status).toBe(200);
    const user = client('ida');
    await expect(fetchJson(user.options, '/api/properties/p-9')).resolves.toMatchObject({ id: 'p-9', status: 'rented', price: 15_000_000, currency: 'USD', version: 1 });
    await expect(fetchJson(user.options, '/api/properties/bad%20id')).rejects.toMatchObject({ code: 'bad_request' });
    expect((await api('GET', '/api/properties/p-9', undefined, null)).status).toBe(401); // users only
    expect((await api('GET', '/api/properties/p-9')).status).toBe(401); // the publisher secret is not a user token
  });

  it('a watcher and a viewer cut off in the middle get every missed update after reconnecting', async () => {
    const { properties, server, client } = await setup();
    const proxy = await createFaultProxy({ targetPort: server.port });
    cleanups.push(() => proxy.close());
    const c = client('hal', `ws://127.0.0.1:${proxy.port}/ws`);
    const wishlist = watchlistStore(c);
    const page = propertyStore(c, 'p-1');
    wishlist.subscribe(() => {});
    page.subscribe(() => {});
    await until(() => wishlist.getSnapshot().ready && page.getSnapshot().ready);
    await wishlist.watch('p-1').done;
    await properties.updatePrice('p-1', 5_000_000_000);
    await until(() => wishlist.getSnapshot().updates.length === 1);

    proxy.refuse(true);
    proxy.cutAll();
    await until(() => (c as unknown as { state: string }).state !== 'open');
    await properties.changeStatus('p-1', 'under_offer');
    await properties.updatePrice('p-1', 4_800_000_000);
    await properties.addPhotos('p-1', [{ url: 'https://img.example/2.jpg' }]);
    proxy.refuse(false);

    await until(() => wishlist.getSnapshot().updates.length === 4);
    expect(wishlist.getSnapshot().updates.map((u) => u.type)).toEqual(['new_photos_added', 'price_updated', 'status_changed', 'price_updated']);
    await until(() => page.getSnapshot().photos.length === 1);
    expect(page.getSnapshot()).toMatchObject({ status: 'under_offer', price: 4_800_000_000 });
    expect(page.getSnapshot().priceHistory.map((p) => p.price)).toEqual([5_500_000_000, 5_000_000_000, 4_800_000_000]);
  });
});
