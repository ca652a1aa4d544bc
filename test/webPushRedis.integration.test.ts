// Web Push across nodes on Redis: subscriptions registered on one node are used by another,
// and a user connected to one node is not pushed what another node delivers.
import { fetchJson, type SinyalClient } from '@sinyal/client';
import { createDevToken, createServer, generateVapidKeys, platformFeatures } from '@sinyal/server';
import { expect, it } from 'vitest';
import { notificationsStore } from '../packages/client/src/notification/notificationsStore';
import { connect, SECRET, until } from '../test-utils/harness';
import { startMockPushService } from '../test-utils/mockPushService';
import { redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();

redisTest.describe('Web Push on several nodes', () => {
  it('a user connected to node A is not pushed what node B delivers; once they leave, B pushes to the device registered on A', async () => {
    const service = await startMockPushService();
    redisTest.cleanup(() => service.close());
    const prefix = redisTest.freshPrefix();
    const vapid = { ...generateVapidKeys(), subject: 'mailto:alerts@rumah.example' };
    const node = async () => {
      const redis = redisTest.node({ prefix });
      const platform = platformFeatures({ redis, notification: { push: { vapid, allowInsecureLocalEndpoints: true }, onError: () => {} } });
      const server = redisTest.closeAfter(await createServer({ auth: { secret: SECRET }, logger: null, store: redis, features: platform.features }));
      return { server, notifications: platform.notification };
    };
    const a = await node();
    const b = await node();

    const device = service.subscribe();
    await fetchJson({ url: a.server.url, token: () => createDevToken(SECRET, 'ana') }, '/api/notifications/push-subscriptions', { body: device });

    const ana = redisTest.closeAfter(connect(a.server.url, 'ana') as unknown as SinyalClient<object, object>);
    const inbox = notificationsStore(ana);
    redisTest.cleanup(inbox.subscribe(() => {}));
    await until(() => inbox.getSnapshot().status === 'ready');
    await b.notifications.notify('ana', { category: 'message', type: 'agent_reply', title: 'while on A', body: '' });
    await until(() => inbox.getSnapshot().items.length === 1);
    await b.notifications.push!.idle();
    expect(service.received).toEqual([]);

    ana.close();
    await until(() => a.server.connections() === 0);
    // A's removal of the session reaches Redis right after the close; B then sees her away.
    await expect
      .poll(async () => {
        await b.notifications.notify('ana', { category: 'message', type: 'agent_reply', title: 'while away', body: '' });
        await b.notifications.push!.idle();
        return service.received.length;
      }, { timeout: 5_000, interval: 100 })
      .toBeGreaterThan(0);
    expect(service.received.map((push) => (push.payload as { title: string }).title)).toEqual(['while away']);
    expect(service.rejected).toEqual([]);
  });
});
