import { describe, expect, it } from 'vitest';
import { MemoryNotificationStore } from '../src/features/notification/memoryStore';
import type { Notification } from '../../protocol/src/schema/notification';

const item = (id: string, createdAt: number): Notification => ({ id, category: 'message', type: 't', title: id, body: '', priority: 'batched', createdAt });

describe('MemoryNotificationStore', () => {
  it('a lane keeps the due time of its first notification and is taken once', async () => {
    const store = new MemoryNotificationStore();
    expect(await store.hold('u', 'batched', [item('a', 1)], 100)).toBe(100);
    expect(await store.hold('u', 'batched', [item('b', 2)], 150)).toBe(100);
    expect(await store.hold('u', 'deferred', [item('c', 0)], 500)).toBe(500);
    expect(await store.takeDue(99)).toEqual([]);
    const due = await store.takeDue(100);
    expect(due).toEqual([{ userId: 'u', lane: 'batched', dueAt: 100, items: [item('a', 1), item('b', 2)] }]);
    expect(await store.takeDue(100)).toEqual([]);
    expect((await store.takeDue(1000)).map((lane) => lane.lane)).toEqual(['deferred']);
  });

  it('grants quota up to the tightest window, forced deliveries count too', async () => {
    const store = new MemoryNotificationStore();
    const windows = [{ max: 3, windowMs: 1000 }, { max: 5, windowMs: 10_000 }];
    expect(await store.consumeQuota('u', 2, windows, 0, false)).toBe(2);
    expect(await store.consumeQuota('u', 1, windows, 10, true)).toBe(1);
    expect(await store.consumeQuota('u', 4, windows, 20, false)).toBe(0); // hour full
    expect(await store.consumeQuota('u', 4, windows, 1000, false)).toBe(2); // new hour, day has 2 left
    expect(await store.consumeQuota('u', 1, windows, 2000, false)).toBe(0); // day full
    expect(await store.consumeQuota('v', 1, windows, 2000, false)).toBe(1); // per user
  });

  it('lists newest first after a cursor and counts unread', async () => {
    const store = new MemoryNotificationStore();
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
  });
});
