// The PushStore contract on both stores; on Redis also: a node that dies without closing its
// connections stops counting them within the store's TTL.
import { describe, expect, it } from 'vitest';
import { MemoryPushStore } from '../src/features/notification/pushStore';
import { RedisPushStore } from '../src/features/notification/redisPushStore';
import { redisTestScope } from '../../../test-utils/redis';
import { pushStoreContract } from './pushStoreContract';

pushStoreContract(describe, 'MemoryPushStore', () => new MemoryPushStore());

const redisTest = await redisTestScope();

pushStoreContract(redisTest.describe, 'RedisPushStore', () => new RedisPushStore(redisTest.node({ prefix: redisTest.freshPrefix() })));

redisTest.describe('RedisPushStore across nodes', () => {
  it('every node sees the subscriptions and connections of the others; a dead node’s connections expire', async () => {
    const prefix = redisTest.freshPrefix();
    const a = new RedisPushStore(redisTest.node({ prefix }), { ttlMs: 300 });
    const b = new RedisPushStore(redisTest.node({ prefix }), { ttlMs: 300 });
    await a.addPushSubscription('ana', { endpoint: 'https://push.example/1', keys: { p256dh: 'k', auth: 'a' }, createdAt: 1 }, { maxPerUser: 10, maxTotal: 10 });
    expect((await b.pushSubscriptions('ana')).map((s) => s.endpoint)).toEqual(['https://push.example/1']);
    await a.connectSession('ana', 's1');
    expect(await b.isConnected('ana')).toBe(true);
    // Node a dies: it stops refreshing (close), nobody removes the session.
    a.close();
    await expect.poll(() => b.isConnected('ana'), { timeout: 5_000, interval: 50 }).toBe(false);
    b.close();
  });
});
