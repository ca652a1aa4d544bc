// What every PushStore must do (features/notification/pushStore.ts), run against each
// implementation: memory and Redis (pushStores.test.ts).
import { expect, it, type describe } from 'vitest';
import type { PushStore, StoredPushSubscription } from '../src/features/notification/pushStore';

const sub = (endpoint: string, createdAt: number, p256dh = 'key'): StoredPushSubscription => ({ endpoint: `https://push.example/${endpoint}`, keys: { p256dh, auth: 'secret' }, createdAt });
const endpoints = (list: StoredPushSubscription[]) => list.map((item) => item.endpoint.slice('https://push.example/'.length));
const bounds = { maxPerUser: 3, maxTotal: 5 };

/** Registers the contract tests; `make` gives a fresh, empty store for each test. */
export function pushStoreContract(describeFn: typeof describe, name: string, make: () => PushStore | Promise<PushStore>): void {
  describeFn(`${name}: PushStore contract`, () => {
    it('keeps several subscriptions per user, oldest first, dropping the oldest beyond maxPerUser', async () => {
      const store = await make();
      expect(await store.addPushSubscription('ana', sub('a1', 10), bounds)).toEqual({ dropped: [] });
      expect(await store.addPushSubscription('ana', sub('a2', 20), bounds)).toEqual({ dropped: [] });
      expect(await store.addPushSubscription('ana', sub('a3', 30), bounds)).toEqual({ dropped: [] });
      expect(await store.addPushSubscription('ana', sub('a4', 40), bounds)).toEqual({ dropped: ['https://push.example/a1'] });
      expect(endpoints(await store.pushSubscriptions('ana'))).toEqual(['a2', 'a3', 'a4']);
      expect(await store.pushSubscriptions('ben')).toEqual([]);
      expect(await store.pushSubscriptionCount()).toBe(3);
    });

    it('registering an endpoint again replaces its keys and keeps its place', async () => {
      const store = await make();
      await store.addPushSubscription('ana', sub('a1', 10), bounds);
      await store.addPushSubscription('ana', sub('a2', 20), bounds);
      await store.addPushSubscription('ana', sub('a1', 30, 'new-key'), bounds);
      const list = await store.pushSubscriptions('ana');
      expect(endpoints(list)).toEqual(['a1', 'a2']);
      expect(list[0]).toEqual(sub('a1', 10, 'new-key'));
      expect(await store.pushSubscriptionCount()).toBe(2);
    });

    it('an endpoint belongs to one user: registering it for another moves it', async () => {
      const store = await make();
      await store.addPushSubscription('ana', sub('shared', 10), bounds);
      await store.addPushSubscription('ben', sub('shared', 20), bounds);
      expect(await store.pushSubscriptions('ana')).toEqual([]);
      expect(endpoints(await store.pushSubscriptions('ben'))).toEqual(['shared']);
      expect(await store.removePushSubscription('ana', 'https://push.example/shared')).toBe(false);
      expect(await store.pushSubscriptionCount()).toBe(1);
    });

    it('refuses a new endpoint beyond maxTotal, never an endpoint it has', async () => {
      const store = await make();
      for (let i = 0; i < 5; i++) await store.addPushSubscription(`u${i}`, sub(`e${i}`, i), bounds);
      expect(await store.addPushSubscription('u9', sub('e9', 9), bounds)).toBe('full');
      expect(await store.addPushSubscription('u0', sub('e0', 10), bounds)).toEqual({ dropped: [] });
      expect(await store.addPushSubscription('u9', sub('e1', 11), bounds)).toEqual({ dropped: [] }); // moved, not new
      expect(await store.pushSubscriptionCount()).toBe(5);
    });

    it('removes only the user’s own subscription', async () => {
      const store = await make();
      await store.addPushSubscription('ana', sub('a1', 10), bounds);
      expect(await store.removePushSubscription('ben', 'https://push.example/a1')).toBe(false);
      expect(await store.removePushSubscription('ana', 'https://push.example/a1')).toBe(true);
      expect(await store.removePushSubscription('ana', 'https://push.example/a1')).toBe(false);
      expect(await store.pushSubscriptions('ana')).toEqual([]);
      expect(await store.pushSubscriptionCount()).toBe(0);
    });

    it('tracks open connections per user', async () => {
      const store = await make();
      expect(await store.isConnected('ana')).toBe(false);
      await store.connectSession('ana', 's1');
      await store.connectSession('ana', 's2');
      await store.disconnectSession('ana', 's1');
      expect(await store.isConnected('ana')).toBe(true);
      expect(await store.isConnected('ben')).toBe(false);
      await store.disconnectSession('ana', 's2');
      await store.disconnectSession('ana', 's2'); // twice: no change
      expect(await store.isConnected('ana')).toBe(false);
      store.close?.();
    });
  });
}
