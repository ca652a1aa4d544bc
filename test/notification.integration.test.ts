// Notifications: priorities, quiet hours, rate limits, read marks, reconnects, saved
// searches, paging, and the wiring with property updates. Time is a fake clock moved by
// hand (`now` option), the delivery tick is real and short.
import { fetchJson } from '@sinyal/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { SinyalClient } from '../packages/client/src/client';
import { notificationsStore } from '../packages/client/src/notification/notificationsStore';
import type { Notification, NotificationCommands, NotificationEvents, NotificationInput } from '../packages/protocol/src/schema/notification';
import { notificationFeature, propertyAlertFor, type NotificationFeatureOptions } from '../packages/server/src/features/notification';
import { platformFeatures } from '../packages/server/src/features/platform';
import { propertyFeature } from '../packages/server/src/features/property';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, sleep, startServer, until } from '../test-utils/harness';

const SECRET = 'notification-publisher-secret';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type Client = SinyalClient<NotificationEvents, NotificationCommands>;

const alert = (title: string, priority: NotificationInput['priority'] = 'instant'): NotificationInput => ({
  category: 'message',
  type: 'agent_reply',
  title,
  body: `${title} body`,
  priority,
});

async function setup(options: NotificationFeatureOptions = {}, extraFeatures: Array<ReturnType<typeof propertyFeature>> = []) {
  let time = Date.UTC(2025, 0, 6, 12, 0); // a Monday, 12:00 UTC
  const clock = { now: () => time, set: (to: number) => void (time = to), advance: (ms: number) => void (time += ms) };
  const notifications = notificationFeature({ tickMs: 10, batchWindowMs: 50, digestIntervalMs: 200, now: clock.now, onError: () => {}, ...options });
  const server = await startServer({ features: [notifications, ...extraFeatures], publishSecret: SECRET });
  cleanups.push(() => server.close());
  const client = (user: string, url = server.url): Client => {
    const c = connect(url, user);
    cleanups.push(() => c.close());
    return c as unknown as Client;
  };
  /** A joined notifications store for `user`, and every batch event its feed receives. */
  const inbox = async (user: string, c = client(user)) => {
    const store = notificationsStore(c as unknown as SinyalClient<object, object>);
    store.subscribe(() => {});
    const batches: NotificationEvents['notification:batch'][] = [];
    c.room(`user:${user}`).on('notification:batch', (batch) => batches.push(batch));
    await until(() => store.getSnapshot().status === 'ready');
    return { client: c, store, batches, titles: () => store.getSnapshot().items.map((item) => item.title) };
  };
  const api = (method: string, path: string, body?: unknown, secret: string | null = SECRET) =>
    fetch(`${server.httpUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(secret === null ? {} : { authorization: `Bearer ${secret}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { notifications, server, clock, client, inbox, api };
}

describe('notifications', () => {
  it('instant ones arrive at once, only to their user, with the unread count', async () => {
    const { notifications, inbox } = await setup();
    const ana = await inbox('ana');
    const ben = await inbox('ben');
    expect(ana.store.getSnapshot()).toMatchObject({ items: [], unreadCount: 0, hasMore: false });
    const outcome = await notifications.notify('ana', { ...alert('Budi replied'), data: { conversationId: 'c-1' } });
    expect(outcome.delivery).toBe('delivered');
    await until(() => ana.store.getSnapshot().unreadCount === 1);
    expect(ana.store.getSnapshot().items).toEqual([
      { id: outcome.notification.id, category: 'message', type: 'agent_reply', title: 'Budi replied', body: 'Budi replied body', data: { conversationId: 'c-1' }, priority: 'instant', createdAt: outcome.notification.createdAt },
    ]);
    await sleep(50);
    expect(ben.store.getSnapshot().items).toEqual([]);
    await expect(notifications.notify('ana', { ...alert('x'), category: 'spam' as never })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(notifications.notify('ana', { ...alert('x'), title: '' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(notifications.notify('ana', { ...alert('x'), body: 'x'.repeat(2001) })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(notifications.notify('', alert('x'))).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('batched ones arrive together after the window; digest ones at the digest interval', async () => {
    const { notifications, inbox, clock } = await setup();
    const ana = await inbox('ana');
    for (const title of ['b1', 'b2', 'b3']) await notifications.notify('ana', alert(title, 'batched'));
    await notifications.notify('ana', alert('d1', 'digest'));
    clock.advance(30);
    await notifications.notify('ana', alert('b4', 'batched')); // same window, started by b1
    await sleep(60);
    expect(ana.store.getSnapshot().items).toEqual([]);
    clock.advance(25); // 55 ms after b1
    await until(() => ana.batches.length === 1);
    expect(ana.batches[0]!.reason).toBe('batched');
    expect(ana.batches[0]!.items.map((item) => item.title)).toEqual(['b1', 'b2', 'b3', 'b4']);
    await until(() => ana.store.getSnapshot().unreadCount === 4);
    clock.advance(200);
    await until(() => ana.batches.length === 2);
    expect(ana.batches[1]).toMatchObject({ reason: 'digest', items: [{ title: 'd1' }] });
    await until(() => ana.store.getSnapshot().unreadCount === 5);
    expect(new Set(ana.titles())).toEqual(new Set(['b1', 'b2', 'b3', 'b4', 'd1']));
    // newest first by creation time
    const created = ana.store.getSnapshot().items.map((item) => item.createdAt);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('quiet hours defer non-instant notifications until they end, never dropping them', async () => {
    const { notifications, inbox, clock } = await setup();
    const ana = await inbox('ana');
    const prefs = await ana.client.request('notification:set_preferences', { quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: 420 });
    expect(prefs).toEqual({ quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: 420 });
    await expect(ana.client.request('notification:set_preferences', { quietHours: { start: '25:00', end: '07:00' } })).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(ana.client.request('notification:get_preferences', {})).resolves.toEqual(prefs);

    clock.set(Date.UTC(2025, 0, 6, 16, 0)); // 23:00 in UTC+7
    await notifications.notify('ana', alert('quiet batched', 'batched'));
    await notifications.notify('ana', alert('quiet digest', 'digest'));
    clock.advance(250); // both lanes due, but it is night
    await sleep(80);
    expect(ana.titles()).toEqual([]);
    await notifications.notify('ana', alert('urgent')); // instant: not held by quiet hours
    await until(() => ana.titles().length === 1);

    clock.set(Date.UTC(2025, 0, 6, 23, 59)); // 06:59 local: still quiet
    await sleep(80);
    expect(ana.titles()).toEqual(['urgent']);
    clock.set(Date.UTC(2025, 0, 7, 0, 0)); // 07:00 local
    await until(() => ana.titles().length === 3);
    expect(ana.batches.at(-1)).toMatchObject({ reason: 'deferred' });
    expect(ana.batches.at(-1)!.items.map((item) => item.title)).toEqual(['quiet batched', 'quiet digest']);
    expect(ana.store.getSnapshot().unreadCount).toBe(3);
  });

  it('the rate limit defers the excess to the next window', async () => {
    const { notifications, inbox, clock } = await setup({ rateLimit: { maxPerHour: 2, maxPerDay: 100, hourMs: 1000, dayMs: 1_000_000 } });
    const ana = await inbox('ana');
    for (const title of ['r1', 'r2', 'r3']) await notifications.notify('ana', alert(title, 'batched'));
    clock.advance(60);
    await until(() => ana.titles().length === 2);
    expect(ana.batches[0]!.items.map((item) => item.title)).toEqual(['r1', 'r2']);
    await notifications.notify('ana', alert('instant over the limit'));
    await until(() => ana.titles().length === 3);
    await sleep(80);
    expect(ana.titles()).not.toContain('r3');
    clock.advance(1000); // next "hour"
    await until(() => ana.titles().includes('r3'));
    expect(ana.batches.at(-1)).toMatchObject({ reason: 'deferred', items: [{ title: 'r3' }] });
  });

  it('unread count, mark read and mark all read, in sync across tabs', async () => {
    const { notifications, inbox, client } = await setup();
    const tab1 = await inbox('ana');
    const tab2 = await inbox('ana', client('ana'));
    const ids: string[] = [];
    for (const title of ['n1', 'n2', 'n3']) ids.push((await notifications.notify('ana', alert(title))).notification.id);
    await until(() => tab1.store.getSnapshot().unreadCount === 3 && tab2.store.getSnapshot().unreadCount === 3);

    const read = tab1.store.markRead(ids[0]!);
    expect(tab1.store.getSnapshot().unreadCount).toBe(2); // optimistic
    await expect(read.done).resolves.toEqual({ unreadCount: 2 });
    await until(() => tab2.store.getSnapshot().unreadCount === 2);
    expect(tab2.store.getSnapshot().items.find((item) => item.id === ids[0])?.readAt).toBeTypeOf('number');

    await expect(tab1.client.request('notification:mark_read', { ids: ['no-such-id', ids[0]!] })).resolves.toEqual({ unreadCount: 2 });
    await expect(tab1.client.request('notification:mark_read', { ids: [] })).rejects.toMatchObject({ code: 'invalid_frame' });
    await expect(tab1.client.request('notification:mark_read', { ids: 'all' } as never)).rejects.toMatchObject({ code: 'invalid_frame' });

    await tab2.store.markAllRead().done;
    await until(() => tab1.store.getSnapshot().unreadCount === 0);
    expect(tab1.store.getSnapshot().items.every((item) => item.readAt !== undefined)).toBe(true);
    // A notification delivered after "mark all read" is unread.
    await notifications.notify('ana', alert('n4'));
    await until(() => tab1.store.getSnapshot().unreadCount === 1 && tab2.store.getSnapshot().unreadCount === 1);
    expect(tab1.store.getSnapshot().items[0]).toMatchObject({ title: 'n4' });
    expect(tab1.store.getSnapshot().items[0]!.readAt).toBeUndefined();
  });

  it('notifications sent while the connection is down arrive after it comes back', async () => {
    const { notifications, server, inbox, client, clock } = await setup();
    const proxy = await createFaultProxy({ targetPort: server.port });
    cleanups.push(() => proxy.close());
    const ana = await inbox('ana', client('ana', `ws://127.0.0.1:${proxy.port}/ws`));
    await notifications.notify('ana', alert('before'));
    await until(() => ana.titles().length === 1);

    proxy.refuse(true);
    proxy.cutAll();
    await until(() => ana.client.state !== 'open');
    await notifications.notify('ana', alert('while away 1'));
    await notifications.notify('ana', alert('while away 2', 'batched'));
    clock.advance(60);
    await notifications.notify('ana', alert('while away 3'));
    await sleep(50); // the batch is delivered (into the feed) while the client is away
    proxy.refuse(false);

    await until(() => ana.titles().length === 4);
    expect(new Set(ana.titles())).toEqual(new Set(['before', 'while away 1', 'while away 2', 'while away 3']));
    expect(ana.store.getSnapshot().unreadCount).toBe(4);
  });

  it('a new listing notifies only users whose saved search matches', async () => {
    const { inbox, api, clock } = await setup({ listingAlertPriority: 'instant' });
    const users = await Promise.all(['ana', 'ben', 'cy', 'dee'].map((user) => inbox(user)));
    const [ana, ben, cy, dee] = users as [Awaited<ReturnType<typeof inbox>>, Awaited<ReturnType<typeof inbox>>, Awaited<ReturnType<typeof inbox>>, Awaited<ReturnType<typeof inbox>>];
    const save = (c: Client, body: unknown) => fetchJson(c.options, '/api/saved-searches', { body });
    await save(ana.client, { criteria: { city: 'Jakarta Selatan', maxPrice: 5_000_000_000, minBedrooms: 3 }, name: 'Kemang' });
    await save(ana.client, { criteria: { type: 'house', city: 'jakarta selatan' } }); // a second match: still one alert
    await save(ben.client, { criteria: { city: 'Bandung' } });
    await save(cy.client, { criteria: { type: 'apartment' } });
    await save(dee.client, { criteria: { city: 'Jakarta Selatan', maxPrice: 3_000_000_000 } });

    await expect(save(ana.client, { criteria: {} })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(save(ana.client, { criteria: { maxPrice: -1 } })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(save(ana.client, { criteria: { colour: 'red' } })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(fetchJson({ url: ana.client.options.url }, '/api/saved-searches', { body: { criteria: { city: 'X' } } })).rejects.toMatchObject({ code: 'unauthorized' });
    const listed = await fetchJson<{ items: Array<{ id: string }> }>(ana.client.options, '/api/saved-searches');
    expect(listed.items).toHaveLength(2);

    const listing = { id: 'l-1', title: 'Rumah Kemang', city: 'jakarta selatan', price: 4_500_000_000, bedrooms: 4, type: 'house' };
    expect((await api('POST', '/api/listings', listing, null)).status).toBe(401);
    expect((await api('POST', '/api/listings', { ...listing, price: 'cheap' })).status).toBe(400);
    const answer = await api('POST', '/api/listings', listing);
    expect(await answer.json()).toEqual({ notified: ['ana'] });
    await until(() => ana.titles().length === 1);
    expect(ana.store.getSnapshot().items[0]).toMatchObject({ category: 'property_alert', type: 'new_listing', data: { listingId: 'l-1' } });
    expect((ana.store.getSnapshot().items[0]!.data as { savedSearchIds: string[] }).savedSearchIds).toHaveLength(2);

    const apartment = await api('POST', '/api/listings', { id: 'l-2', title: 'Apartemen Dago', city: 'Bandung', price: 900_000_000, bedrooms: 2, type: 'apartment' });
    expect(new Set(((await apartment.json()) as { notified: string[] }).notified)).toEqual(new Set(['ben', 'cy']));
    await until(() => ben.titles().length === 1 && cy.titles().length === 1);
    clock.advance(1000);
    await sleep(50);
    expect(dee.titles()).toEqual([]);
    expect(ana.titles()).toHaveLength(1);

    // Deleting a search stops its alerts.
    const benSearch = (await fetchJson<{ items: Array<{ id: string }> }>(ben.client.options, '/api/saved-searches')).items[0]!;
    await fetchJson(ben.client.options, `/api/saved-searches/${benSearch.id}`, { method: 'DELETE' });
    await expect(fetchJson(ben.client.options, `/api/saved-searches/${benSearch.id}`, { method: 'DELETE' })).rejects.toMatchObject({ code: 'not_found' });
    const again = await api('POST', '/api/listings', { id: 'l-3', title: 'Rumah Dago', city: 'Bandung', price: 1, bedrooms: 1, type: 'house' });
    expect(await again.json()).toEqual({ notified: [] });
  });

  it('lists notifications by page over REST; the publisher endpoint needs the secret', async () => {
    const { notifications, inbox, api, clock } = await setup();
    const ana = await inbox('ana');
    for (let i = 0; i < 25; i++) {
      await notifications.notify('ana', alert(`n${i}`));
      if (i % 2 === 0) clock.advance(1); // some share a creation time
    }
    await until(() => ana.store.getSnapshot().unreadCount === 25);

    const pages: Notification[][] = [];
    let before: string | null = '';
    while (before !== null) {
      const page: { items: Notification[]; unreadCount: number; nextBefore: string | null } = await fetchJson(
        ana.client.options,
        `/api/notifications?limit=10${before ? `&before=${encodeURIComponent(before)}` : ''}`,
      );
      expect(page.unreadCount).toBe(25);
      pages.push(page.items);
      before = page.nextBefore;
    }
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    const all = pages.flat();
    expect(new Set(all.map((item) => item.id)).size).toBe(25);
    expect(all.map((item) => item.title).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `n${i}`).sort());
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.createdAt).toBeGreaterThanOrEqual(all[i]!.createdAt);

    await expect(fetchJson(ana.client.options, '/api/notifications?limit=0')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(fetchJson(ana.client.options, '/api/notifications?limit=abc')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(fetchJson(ana.client.options, '/api/notifications?before=garbage')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(fetchJson({ url: ana.client.options.url }, '/api/notifications')).rejects.toMatchObject({ code: 'unauthorized' });

    // The store pages too.
    const paged = notificationsStore(connect(ana.client.options.url, 'ana') as unknown as SinyalClient<object, object>, { pageSize: 10 });
    paged.subscribe(() => {});
    await until(() => paged.getSnapshot().status === 'ready');
    expect(paged.getSnapshot()).toMatchObject({ hasMore: true, unreadCount: 25 });
    expect(paged.getSnapshot().items).toHaveLength(10);
    await paged.loadMore();
    await paged.loadMore();
    expect(paged.getSnapshot()).toMatchObject({ hasMore: false });
    expect(paged.getSnapshot().items.map((item) => item.id)).toEqual(all.map((item) => item.id));

    const body = { userId: 'ana', category: 'transaction', type: 'offer_accepted', title: 'Offer accepted', body: 'Selamat!', priority: 'instant' };
    expect((await api('POST', '/api/notifications', body, null)).status).toBe(401);
    expect((await api('POST', '/api/notifications', body, 'wrong')).status).toBe(401);
    expect((await api('POST', '/api/notifications', { ...body, priority: 'whenever' })).status).toBe(400);
    expect((await api('POST', '/api/notifications', { ...body, userId: undefined })).status).toBe(400);
    const sent = await api('POST', '/api/notifications', body);
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ delivery: 'delivered', notification: { title: 'Offer accepted' } });
    await until(() => ana.store.getSnapshot().unreadCount === 26);
  });

  it('scheduled over REST: a client receives the reminder live when it fires; reschedule and cancel by key, publisher only', async () => {
    const { inbox, api, clock } = await setup();
    const ana = await inbox('ana');
    const start = clock.now();
    const viewing = { userId: 'ana', category: 'appointment', type: 'viewing_reminder', title: 'Viewing in 3 hours', body: 'Rumah Kemang', data: { viewingId: '123' } };
    const scheduled = await api('POST', '/api/notifications', { ...viewing, at: start + 3_600_000, key: 'viewing:123:h-3h' });
    expect(scheduled.status).toBe(200);
    const outcome = (await scheduled.json()) as { notification: Notification; delivery: string; dueAt: number; key: string };
    expect(outcome).toMatchObject({ delivery: 'scheduled', dueAt: start + 3_600_000, key: 'viewing:123:h-3h' });
    await api('POST', '/api/notifications', { ...viewing, title: 'Viewing tomorrow', at: start + 1_800_000, key: 'viewing:123:h-1d' });
    await api('POST', '/api/notifications', { ...viewing, title: 'Payment due', at: start + 1_000, key: 'payment:9' });
    // The viewing moves an hour later: its reminders are scheduled again under the same keys.
    const moved = await api('POST', '/api/notifications', { ...viewing, title: 'Viewing in 3 hours (moved)', at: start + 7_200_000, key: 'viewing:123:h-3h' });
    const movedId = ((await moved.json()) as { notification: Notification }).notification.id;
    const listed = (await (await api('GET', '/api/notifications/scheduled?userId=ana')).json()) as { items: Array<{ key: string; at: number }> };
    expect(listed.items.map((entry) => [entry.key, entry.at - start])).toEqual([
      ['payment:9', 1_000],
      ['viewing:123:h-1d', 1_800_000],
      ['viewing:123:h-3h', 7_200_000],
    ]);
    expect(await (await api('DELETE', '/api/notifications/scheduled?userId=ana&key=payment:9')).json()).toEqual({ cancelled: ['payment:9'] });
    expect(await (await api('DELETE', `/api/notifications/scheduled?userId=ana&prefix=${encodeURIComponent('viewing:123:h-1')}`)).json()).toEqual({ cancelled: ['viewing:123:h-1d'] });

    expect((await api('POST', '/api/notifications', { ...viewing, at: start + 1 }, null)).status).toBe(401);
    expect((await api('DELETE', '/api/notifications/scheduled?userId=ana&key=x', undefined, null)).status).toBe(401);
    expect((await api('GET', '/api/notifications/scheduled?userId=ana', undefined, null)).status).toBe(401);
    expect((await api('POST', '/api/notifications', { ...viewing, at: 'tomorrow' })).status).toBe(400);
    expect((await api('POST', '/api/notifications', { ...viewing, at: start + 0.5 })).status).toBe(400);
    expect((await api('POST', '/api/notifications', { ...viewing, key: 'k' })).status).toBe(400); // a key without a time
    expect((await api('POST', '/api/notifications', { ...viewing, at: start + 367 * 86_400_000 })).status).toBe(400);
    expect((await api('DELETE', '/api/notifications/scheduled?userId=ana')).status).toBe(400);
    expect((await api('DELETE', '/api/notifications/scheduled?userId=ana&key=a&prefix=a')).status).toBe(400);
    expect((await api('DELETE', '/api/notifications/scheduled?key=a')).status).toBe(400);

    clock.advance(3_600_000); // the old time of the moved reminder
    await sleep(80);
    expect(ana.titles()).toEqual([]);
    clock.advance(3_600_000);
    await until(() => ana.titles().length === 1);
    expect(ana.store.getSnapshot().items[0]).toMatchObject({ id: movedId, title: 'Viewing in 3 hours (moved)', category: 'appointment', data: { viewingId: '123' } });
    expect(ana.store.getSnapshot().unreadCount).toBe(1);
    clock.advance(86_400_000);
    await sleep(80);
    expect(ana.titles()).toEqual(['Viewing in 3 hours (moved)']);
    expect(await (await api('GET', '/api/notifications/scheduled?userId=ana')).json()).toEqual({ items: [] });
  });

  it('watched property updates become property alerts when the two features are wired', async () => {
    let wired: ReturnType<typeof notificationFeature> | undefined;
    const properties = propertyFeature({
      onError: () => {},
      onUpdate: async (change, watchers) => {
        const input = propertyAlertFor(change);
        if (input && wired) await wired.notifyMany(watchers, input);
      },
    });
    const setupResult = await setup({}, [properties]);
    wired = setupResult.notifications;
    const { inbox, clock } = setupResult;
    await properties.register('p-1', { status: 'available', price: 5_500_000_000 });
    const ana = await inbox('ana');
    await (ana.client as unknown as SinyalClient<object, Record<string, { data: unknown; result: unknown }>>).request('property:watch', { propertyId: 'p-1' });

    await properties.changeStatus('p-1', 'under_offer'); // instant
    await until(() => ana.titles().length === 1);
    expect(ana.store.getSnapshot().items[0]).toMatchObject({ category: 'property_alert', type: 'status_change', data: { propertyId: 'p-1', to: 'under_offer' } });
    await properties.updatePrice('p-1', 5_200_000_000); // a drop: batched
    await properties.markFeatured('p-1'); // no alert
    clock.advance(60);
    await until(() => ana.titles().length === 2);
    expect(ana.store.getSnapshot().items[0]).toMatchObject({ type: 'price_drop', body: 'IDR 5,500,000,000 → 5,200,000,000 (-5.5%)' });
    await sleep(50);
    expect(ana.titles()).toHaveLength(2);
  });

  it('formatPrice writes the prices of price-change alerts (platformFeatures) and new-listing alerts as the app shows them', async () => {
    const formatPrice = (amount: number, currency: string) => new Intl.NumberFormat('en-GB', { style: 'currency', currency, currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(amount);
    expect(propertyAlertFor({ type: 'price_updated', propertyId: 'p-1', oldPrice: 5_500_000_000, newPrice: 5_200_000_000, currency: 'IDR', percentage: -5.5, isPriceDrop: true, at: 0, version: 2 }, { formatPrice })).toMatchObject({
      body: 'Rp\u00a05,500,000,000 → Rp\u00a05,200,000,000 (-5.5%)',
    });
    const platform = platformFeatures({ notification: { formatPrice, tickMs: 10, batchWindowMs: 20, listingAlertPriority: 'instant', onError: () => {} } });
    const server = await startServer({ features: platform.features, publishSecret: SECRET });
    cleanups.push(() => server.close());
    const c = connect(server.url, 'ana') as unknown as Client;
    cleanups.push(() => c.close());
    const store = notificationsStore(c as unknown as SinyalClient<object, object>);
    store.subscribe(() => {});
    await until(() => store.getSnapshot().status === 'ready');
    await platform.property.register('p-1', { status: 'available', price: 5_500_000_000 });
    await (c as unknown as SinyalClient<object, Record<string, { data: unknown; result: unknown }>>).request('property:watch', { propertyId: 'p-1' });
    await platform.property.updatePrice('p-1', 5_200_000_000);
    await until(() => store.getSnapshot().items.length === 1);
    expect(store.getSnapshot().items[0]).toMatchObject({ type: 'price_drop', body: 'Rp\u00a05,500,000,000 → Rp\u00a05,200,000,000 (-5.5%)' });

    await fetchJson(c.options, '/api/saved-searches', { body: { criteria: { city: 'Jakarta Selatan' } } });
    await platform.notification.announceListing({ id: 'l-1', title: 'Rumah Kemang', city: 'Jakarta Selatan', price: 4_500_000_000, bedrooms: 4, type: 'house' });
    await until(() => store.getSnapshot().items.length === 2);
    expect(store.getSnapshot().items[0]).toMatchObject({ type: 'new_listing', body: 'Rumah Kemang · Jakarta Selatan · 4 BR · Rp\u00a04,500,000,000' });
  });
});
