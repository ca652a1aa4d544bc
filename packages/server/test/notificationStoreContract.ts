// What every NotificationStore must do (features/notification/store.ts), run against each
// implementation: memoryNotificationStore.test.ts (memory) and notificationStores.test.ts (Redis).
import { expect, it, type describe } from 'vitest';
import type { Notification, SavedSearch } from '@sinyal/protocol/schema';
import type { NotificationStore, ScheduledNotification } from '../src/features/notification/store';

export const item = (id: string, createdAt: number, extra: Partial<Notification> = {}): Notification => ({
  id,
  category: 'message',
  type: 't',
  title: id,
  body: '',
  priority: 'batched',
  createdAt,
  ...extra,
});

const search = (id: string, createdAt: number, city?: string, extra: Partial<SavedSearch['criteria']> = {}): SavedSearch => ({
  id,
  criteria: { ...(city === undefined ? {} : { city }), ...extra },
  createdAt,
});

export const scheduledEntry = (userId: string, key: string, at: number, title = key): ScheduledNotification => ({
  userId,
  key,
  at,
  notification: item(`${userId}-${key}`.replace(/[^a-z0-9]/gi, ''), at, { title, priority: 'instant', data: { price: 4_500_000_000.5, ratio: 0.1 + 0.2 } }),
});

const keysOf = (list: ScheduledNotification[]) => list.map((entry) => `${entry.userId}/${entry.key}@${entry.at}`);

const sortCandidates = (list: Array<{ userId: string; search: SavedSearch }>) =>
  [...list].sort((a, b) => (a.userId + a.search.id < b.userId + b.search.id ? -1 : 1));

/** Registers the contract tests; `make` gives a fresh, empty store for each test. */
export function notificationStoreContract(describeFn: typeof describe, name: string, make: () => NotificationStore | Promise<NotificationStore>): void {
  describeFn(`${name}: NotificationStore contract`, () => {
    it('a lane keeps the due time of its first notification and is taken once', async () => {
      const store = await make();
      expect(await store.hold('u', 'batched', [item('a', 1)], 100)).toBe(100);
      expect(await store.hold('u', 'batched', [item('b', 2)], 150)).toBe(100);
      expect(await store.hold('u', 'deferred', [item('c', 0)], 500)).toBe(500);
      expect(await store.takeDue(99)).toEqual([]);
      const due = await store.takeDue(100);
      expect(due).toEqual([{ userId: 'u', lane: 'batched', dueAt: 100, items: [item('a', 1), item('b', 2)] }]);
      expect(await store.takeDue(100)).toEqual([]);
      expect((await store.takeDue(1000)).map((lane) => lane.lane)).toEqual(['deferred']);
    });

    it('an earlier due time moves the lane forward; items come out oldest first; lanes are per user and lane', async () => {
      const store = await make();
      expect(await store.hold('u', 'digest', [item('late', 30), item('early', 10)], 5000)).toBe(5000);
      expect(await store.hold('u', 'digest', [item('mid', 20)], 4000)).toBe(4000);
      expect(await store.hold('v:w', 'digest', [item('x', 1)], 4000)).toBe(4000);
      expect(await store.hold('u', 'batched', [], 4000)).toBe(4000);
      const due = await store.takeDue(4000);
      const byKey = Object.fromEntries(due.map((lane) => [`${lane.lane}/${lane.userId}`, lane]));
      expect(Object.keys(byKey).sort()).toEqual(['batched/u', 'digest/u', 'digest/v:w']);
      expect(byKey['digest/u']).toEqual({ userId: 'u', lane: 'digest', dueAt: 4000, items: [item('early', 10), item('mid', 20), item('late', 30)] });
      expect(byKey['batched/u']!.items).toEqual([]);
      expect(await store.takeDue(Number.MAX_SAFE_INTEGER)).toEqual([]);
    });

    it('grants quota up to the tightest window, forced deliveries count too', async () => {
      const store = await make();
      const windows = [
        { max: 3, windowMs: 1000 },
        { max: 5, windowMs: 10_000 },
      ];
      expect(await store.consumeQuota('u', 2, windows, 0, false)).toBe(2);
      expect(await store.consumeQuota('u', 1, windows, 10, true)).toBe(1);
      expect(await store.consumeQuota('u', 4, windows, 20, false)).toBe(0); // hour full
      expect(await store.consumeQuota('u', 4, windows, 1000, false)).toBe(2); // new hour, day has 2 left
      expect(await store.consumeQuota('u', 1, windows, 2000, false)).toBe(0); // day full
      expect(await store.consumeQuota('v', 1, windows, 2000, false)).toBe(1); // per user
      expect(await store.consumeQuota('u', 3, windows, 2000, true)).toBe(3); // forced: over the limit, still counted
      expect(await store.consumeQuota('u', 1, windows, 10_000, false)).toBe(1); // new day
    });

    it('lists newest first after a cursor and counts unread', async () => {
      const store = await make();
      await store.saveDelivered('u', [item('a', 1), item('b', 2), item('c', 2), item('d', 3)], 3);
      const first = await store.list('u', { limit: 2 });
      expect(first.items.map((n) => n.id)).toEqual(['d', 'c']);
      expect(first.hasMore).toBe(true);
      const second = await store.list('u', { limit: 2, before: { createdAt: 2, id: 'c' } });
      expect(second).toEqual({ items: [item('b', 2)], hasMore: false }); // 'a' fell out (maxInbox 3)
      expect(await store.markRead('u', ['b', 'zzz'], 9)).toEqual(['b']);
      expect(await store.markRead('u', ['b'], 10)).toEqual([]);
      expect(await store.unreadCount('u')).toBe(2);
      expect(await store.markAllRead('u', 11)).toBe(2);
      expect(await store.unreadCount('u')).toBe(0);
      expect(await store.markAllRead('u', 12)).toBe(0);
      expect((await store.list('u', { limit: 10 })).items.map((n) => [n.id, n.readAt])).toEqual([
        ['d', 11],
        ['c', 11],
        ['b', 9],
      ]);
    });

    it('pages with cursors that are not in the inbox, and past its end', async () => {
      const store = await make();
      await store.saveDelivered('u', [item('a', 10), item('b', 20), item('c', 20), item('d', 30)], 100);
      const ids = async (before: { createdAt: number; id: string } | undefined, limit = 10) =>
        (await store.list('u', { limit, ...(before ? { before } : {}) })).items.map((n) => n.id);
      expect(await ids({ createdAt: 25, id: 'zz' })).toEqual(['c', 'b', 'a']);
      expect(await ids({ createdAt: 20, id: 'bb' })).toEqual(['b', 'a']);
      expect(await ids({ createdAt: 20, id: 'a' })).toEqual(['a']);
      expect(await ids({ createdAt: 99, id: '' })).toEqual(['d', 'c', 'b', 'a']);
      expect(await store.list('u', { limit: 1, before: { createdAt: 10, id: 'a' } })).toEqual({ items: [], hasMore: false });
      expect(await store.list('u', { limit: 2, before: { createdAt: 30, id: 'd' } })).toEqual({ items: [item('c', 20), item('b', 20)], hasMore: true });
      expect(await store.list('nobody', { limit: 5 })).toEqual({ items: [], hasMore: false });
    });

    it('keeps a delivered notification once, as saved: exact JSON, read marks from the start', async () => {
      const store = await make();
      const data = { price: 4_500_000_000.5, ratio: 0.1 + 0.2, big: 2 ** 53 - 1, tiny: 5e-324, text: 'Rumah 🏠 "Kemang"\n', nested: { list: [1, 'two', null] } };
      const precise = item('n1', 1_735_689_600_123, { data, priority: 'instant' });
      const alreadyRead = item('n2', 1_735_689_600_124, { readAt: 1_735_689_600_999 });
      await store.saveDelivered('u', [precise, alreadyRead], 10);
      await store.saveDelivered('u', [item('n1', 5, { title: 'replaced?' })], 10); // a known id is not saved again
      expect((await store.list('u', { limit: 10 })).items).toEqual([alreadyRead, precise]);
      expect(await store.unreadCount('u')).toBe(1);
      expect(await store.markRead('u', ['n2', 'n1'], 1_735_689_601_000)).toEqual(['n1']);
      expect((await store.list('u', { limit: 10 })).items[1]).toEqual({ ...precise, readAt: 1_735_689_601_000 });
    });

    it('markRead reports in inbox order (newest first); trimmed notifications are gone for good', async () => {
      const store = await make();
      await store.saveDelivered('u', [item('a', 1), item('b', 2), item('c', 3)], 10);
      expect(await store.markRead('u', ['a', 'c', 'b', 'c'], 7)).toEqual(['c', 'b', 'a']);
      await store.saveDelivered('u', [item('d', 4), item('e', 5)], 2);
      expect((await store.list('u', { limit: 10 })).items.map((n) => n.id)).toEqual(['e', 'd']);
      expect(await store.markRead('u', ['a'], 8)).toEqual([]);
      expect(await store.unreadCount('u')).toBe(2);
      await store.saveDelivered('u', [item('old', 0)], 2); // older than all: falls out at once
      expect((await store.list('u', { limit: 10 })).items.map((n) => n.id)).toEqual(['e', 'd']);
      expect(await store.unreadCount('u')).toBe(2);
    });

    it('stores preferences per user', async () => {
      const store = await make();
      expect(await store.getPreferences('u')).toBeUndefined();
      await store.setPreferences('u', { quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: 420 });
      expect(await store.getPreferences('u')).toEqual({ quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: 420 });
      await store.setPreferences('u', { quietHours: null, utcOffsetMinutes: -300 });
      expect(await store.getPreferences('u')).toEqual({ quietHours: null, utcOffsetMinutes: -300 });
      expect(await store.getPreferences('v')).toBeUndefined();
    });

    it('saves searches up to a limit, lists them in order, removes them', async () => {
      const store = await make();
      const s1 = search('s1', 100, 'Jakarta Selatan', { maxPrice: 4.5e9 });
      const s2 = search('s2', 200, undefined, { minBedrooms: 3 });
      expect(await store.addSavedSearch('u', s1, 2)).toBe(true);
      expect(await store.addSavedSearch('u', s2, 2)).toBe(true);
      expect(await store.addSavedSearch('u', search('s3', 300, 'Bandung'), 2)).toBe(false);
      expect(await store.savedSearches('u')).toEqual([s1, s2]);
      expect(await store.removeSavedSearch('u', 's1')).toBe(true);
      expect(await store.removeSavedSearch('u', 's1')).toBe(false);
      expect(await store.removeSavedSearch('v', 's2')).toBe(false); // another user's
      expect(await store.savedSearches('u')).toEqual([s2]);
      expect(await store.addSavedSearch('u', search('s3', 300, 'Bandung'), 2)).toBe(true);
      expect((await store.savedSearches('u')).map((s) => s.id)).toEqual(['s2', 's3']);
      expect(await store.savedSearches('nobody')).toEqual([]);
    });

    it('finds candidate searches by city, case-insensitively, plus those without a city', async () => {
      const store = await make();
      const jakarta = search('j', 1, 'Jakarta Selatan');
      const jakartaLower = search('jl', 2, 'jakarta selatan', { type: 'house' });
      const bandung = search('b', 3, 'Bandung');
      const anywhere = search('any', 4, undefined, { maxPrice: 1e9 });
      await store.addSavedSearch('u1', jakarta, 10);
      await store.addSavedSearch('u1', bandung, 10);
      await store.addSavedSearch('u2', jakartaLower, 10);
      await store.addSavedSearch('u3', anywhere, 10);
      expect(sortCandidates(await store.savedSearchCandidates('JAKARTA SELATAN'))).toEqual(
        sortCandidates([
          { userId: 'u1', search: jakarta },
          { userId: 'u2', search: jakartaLower },
          { userId: 'u3', search: anywhere },
        ]),
      );
      expect(await store.savedSearchCandidates('Surabaya')).toEqual([{ userId: 'u3', search: anywhere }]);
      await store.removeSavedSearch('u1', 'j');
      await store.removeSavedSearch('u3', 'any');
      expect(await store.savedSearchCandidates('Jakarta Selatan')).toEqual([{ userId: 'u2', search: jakartaLower }]);
      expect(await store.savedSearchCandidates('bandung')).toEqual([{ userId: 'u1', search: bandung }]);
    });

    it('values are copies: changing what went in or came out does not change the store', async () => {
      const store = await make();
      const n = item('a', 1, { data: { k: 1 } });
      await store.saveDelivered('u', [n], 10);
      (n.data as { k: number }).k = 2;
      const [listed] = (await store.list('u', { limit: 1 })).items;
      (listed!.data as { k: number }).k = 3;
      expect((await store.list('u', { limit: 1 })).items[0]!.data).toEqual({ k: 1 });
      const held = [item('h', 1)];
      await store.hold('u', 'batched', held, 10);
      held[0]!.title = 'changed';
      expect((await store.takeDue(10))[0]!.items[0]!.title).toBe('h');
    });

    it('schedules per (user, key), lists a user\'s soonest first, counts all', async () => {
      const store = await make();
      const limit = { maxPerUser: 10 };
      expect(await store.schedule(scheduledEntry('ana', 'viewing:123:h-1d', 5000), limit)).toBe('added');
      expect(await store.schedule(scheduledEntry('ana', 'viewing:123:h-3h', 9000), limit)).toBe('added');
      expect(await store.schedule(scheduledEntry('ana', 'payment:7', 7000), limit)).toBe('added');
      expect(await store.schedule(scheduledEntry('an', 'aviewing:123:h-1d', 6000), limit)).toBe('added'); // another user, same member bytes if not length-prefixed
      expect(keysOf(await store.scheduledFor('ana'))).toEqual(['ana/viewing:123:h-1d@5000', 'ana/payment:7@7000', 'ana/viewing:123:h-3h@9000']);
      expect(keysOf(await store.scheduledFor('an'))).toEqual(['an/aviewing:123:h-1d@6000']);
      expect(await store.scheduledFor('nobody')).toEqual([]);
      expect(await store.scheduledCount()).toBe(4);
      // Exactly as stored, numbers included.
      expect((await store.scheduledFor('an'))[0]).toEqual(scheduledEntry('an', 'aviewing:123:h-1d', 6000));
    });

    it('scheduling a key again replaces it: the old time no longer fires, the new one does', async () => {
      const store = await make();
      const limit = { maxPerUser: 10 };
      await store.schedule(scheduledEntry('ana', 'viewing:123:h-1d', 5000, 'old'), limit);
      expect(await store.schedule(scheduledEntry('ana', 'viewing:123:h-1d', 8000, 'new'), limit)).toBe('replaced');
      expect(await store.scheduledCount()).toBe(1);
      expect(await store.takeDueScheduled(7999, 100)).toEqual([]);
      const due = await store.takeDueScheduled(8000, 100);
      expect(due).toEqual([scheduledEntry('ana', 'viewing:123:h-1d', 8000, 'new')]);
      expect(await store.scheduledCount()).toBe(0);
    });

    it('onlyIfAbsent keeps a taken key; a new key beyond maxPerUser is refused, a replacement is not', async () => {
      const store = await make();
      await store.schedule(scheduledEntry('ana', 'a', 100, 'first'), { maxPerUser: 2 });
      expect(await store.schedule(scheduledEntry('ana', 'a', 200, 'second'), { maxPerUser: 2, onlyIfAbsent: true })).toBe('kept');
      expect(await store.schedule(scheduledEntry('ana', 'b', 200), { maxPerUser: 2, onlyIfAbsent: true })).toBe('added');
      expect(await store.schedule(scheduledEntry('ana', 'c', 300), { maxPerUser: 2 })).toBe('full');
      expect(await store.schedule(scheduledEntry('ana', 'b', 400), { maxPerUser: 2 })).toBe('replaced');
      expect(await store.schedule(scheduledEntry('ben', 'c', 300), { maxPerUser: 2 })).toBe('added'); // per user
      expect(keysOf(await store.scheduledFor('ana'))).toEqual(['ana/a@100', 'ana/b@400']);
      expect((await store.scheduledFor('ana'))[0]!.notification.title).toBe('first');
      await store.cancelScheduled('ana', { key: 'a' });
      expect(await store.schedule(scheduledEntry('ana', 'c', 300), { maxPerUser: 2 })).toBe('added'); // room again
    });

    it('cancels by key and by prefix, only the user\'s own, and says which keys went', async () => {
      const store = await make();
      const limit = { maxPerUser: 10 };
      for (const key of ['viewing:123:h-1d', 'viewing:123:h-3h', 'viewing:1234:h-1d', 'viewing:12:h-1d', 'payment:7']) await store.schedule(scheduledEntry('ana', key, 1000), limit);
      await store.schedule(scheduledEntry('ben', 'viewing:123:h-1d', 1000), limit);
      expect(await store.cancelScheduled('ana', { prefix: 'viewing:123:' })).toEqual(['viewing:123:h-1d', 'viewing:123:h-3h']);
      expect(await store.cancelScheduled('ana', { prefix: 'viewing:123:' })).toEqual([]);
      expect(await store.cancelScheduled('ana', { key: 'payment:7' })).toEqual(['payment:7']);
      expect(await store.cancelScheduled('ana', { key: 'payment:7' })).toEqual([]);
      expect(await store.cancelScheduled('ana', { key: 'viewing:12' })).toEqual([]); // a key is matched whole
      expect(keysOf(await store.scheduledFor('ana'))).toEqual(['ana/viewing:1234:h-1d@1000', 'ana/viewing:12:h-1d@1000']);
      expect(keysOf(await store.scheduledFor('ben'))).toEqual(['ben/viewing:123:h-1d@1000']);
      expect(await store.cancelScheduled('nobody', { prefix: 'v' })).toEqual([]);
      expect((await store.takeDueScheduled(1000, 100)).map((entry) => `${entry.userId}/${entry.key}`).sort()).toEqual(['ana/viewing:1234:h-1d', 'ana/viewing:12:h-1d', 'ben/viewing:123:h-1d']);
    });

    it('takeDueScheduled returns each due one once, soonest first, at most limit at a time', async () => {
      const store = await make();
      const limit = { maxPerUser: 100 };
      for (let i = 0; i < 7; i++) await store.schedule(scheduledEntry(`u${i % 3}`, `k${i}`, 1000 + 10 * (6 - i)), limit);
      expect(await store.takeDueScheduled(999, 100)).toEqual([]);
      const first = await store.takeDueScheduled(1030, 2);
      expect(keysOf(first)).toEqual(['u0/k6@1000', 'u2/k5@1010']);
      const rest = await store.takeDueScheduled(1030, 100);
      expect(keysOf(rest)).toEqual(['u1/k4@1020', 'u0/k3@1030']);
      expect(await store.takeDueScheduled(1030, 100)).toEqual([]);
      expect(await store.takeDueScheduled(5000, 0)).toEqual([]);
      // Concurrent takes on one store: each once.
      const taken = (await Promise.all([store.takeDueScheduled(5000, 1), store.takeDueScheduled(5000, 100), store.takeDueScheduled(5000, 100)])).flat();
      expect(keysOf(taken).sort()).toEqual(['u0/k0@1060', 'u1/k1@1050', 'u2/k2@1040']);
      expect(await store.scheduledCount()).toBe(0);
      expect(await store.scheduledFor('u0')).toEqual([]);
      // A taken key is free again.
      expect(await store.schedule(scheduledEntry('u0', 'k0', 2000), { maxPerUser: 1 })).toBe('added');
    });

    it('scheduled values are copies', async () => {
      const store = await make();
      const entry = scheduledEntry('ana', 'k', 10);
      await store.schedule(entry, { maxPerUser: 10 });
      entry.notification.title = 'changed';
      const [listed] = await store.scheduledFor('ana');
      listed!.notification.title = 'changed too';
      expect((await store.takeDueScheduled(10, 10))[0]!.notification.title).toBe('k');
    });
  });
}
