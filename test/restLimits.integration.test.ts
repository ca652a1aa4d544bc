// REST as a hostile signed-in user would use it, over real HTTP on 127.0.0.1: a request flood
// (REST shares the user's rate limit with their socket frames), and wishlist / viewing
// counters for property ids that do not exist.
import { createDevToken, createServer, platformFeatures } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPresenceStore, presenceFeature } from '../packages/server/src/features/presence';
import { metric, SECRET, startServer } from '../test-utils/harness';

const PUBLISH_SECRET = 'rest-limits-publish-secret-0123456789';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function get(url: string, token: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

describe('REST rate limit', () => {
  it('one user flooding a user route gets 429 with Retry-After and a JSON body; another user and the publisher are not affected', async () => {
    const platform = platformFeatures();
    const s = await startServer({ features: platform.features, publishSecret: PUBLISH_SECRET, limits: { messagesPerSecond: 10, burst: 20 } });
    cleanups.push(() => s.close());
    const mallory = await createDevToken(SECRET, 'mallory');
    const alice = await createDevToken(SECRET, 'alice');

    const answers = await Promise.all(Array.from({ length: 120 }, () => get(`${s.httpUrl}/api/watchlist`, mallory)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((st) => st === 200).length).toBeGreaterThanOrEqual(20); // the burst
    expect(statuses).toContain(429);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body).toMatchObject({ code: 'rate_limited', msg: 'too many requests' });
    expect(limited.body.retryAfterMs).toBeGreaterThan(0);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await metric(s.httpUrl, 'sinyal_rate_limited_total', 'scope="rest"')).toBe(statuses.filter((st) => st === 429).length);

    // Alice has her own bucket; the publisher's routes are not user-limited.
    expect((await get(`${s.httpUrl}/api/watchlist`, alice)).status).toBe(200);
    const publisherCalls = await Promise.all(Array.from({ length: 60 }, () => get(`${s.httpUrl}/api/auctions/none/audit`, PUBLISH_SECRET)));
    expect(publisherCalls.map((a) => a.status)).not.toContain(429);
  });

  it('the socket and REST draw from one bucket: a user who spent it on REST is rate-limited on the socket too', async () => {
    const s = await startServer({ limits: { messagesPerSecond: 1, burst: 10 }, routes: [{ method: 'GET', path: '/api/me', auth: 'user', handler: ({ user }) => ({ id: user!.id }) }] });
    cleanups.push(() => s.close());
    const token = await createDevToken(SECRET, 'mallory');
    const answers = await Promise.all(Array.from({ length: 12 }, () => get(`${s.httpUrl}/api/me`, token)));
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(2);
    const { rawClient } = await import('../test-utils/rawClient');
    const c = await rawClient(s.url, SECRET, 'mallory');
    cleanups.push(() => c.close());
    c.send({ t: 'cmd', id: 'x1', name: 'nothing' });
    expect(await c.next((f) => f.id === 'x1')).toMatchObject({ t: 'nack', code: 'rate_limited' });
  });
});

describe('social-proof counters exist only for real properties', () => {
  it('wishlist and viewing posts for made-up ids are 404 and create no counter; registered ones count', async () => {
    const presenceStore = new MemoryPresenceStore();
    const counted: string[] = [];
    const recordActivity = presenceStore.recordActivity.bind(presenceStore);
    presenceStore.recordActivity = (kind, propertyId, window, actor) => {
      counted.push(propertyId);
      return recordActivity(kind, propertyId, window, actor);
    };
    const platform = platformFeatures({ presence: { store: presenceStore } });
    const s = await startServer({ features: platform.features, publishSecret: PUBLISH_SECRET });
    cleanups.push(() => s.close());
    await platform.property.register('rumah-1', { status: 'available', price: 5_000_000_000 });
    const token = await createDevToken(SECRET, 'mallory');
    const post = async (id: string, kind: 'wishlist' | 'viewings') => {
      const res = await fetch(`${s.httpUrl}/api/properties/${id}/${kind}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    for (let i = 0; i < 40; i++) {
      const made = await post(`fake-${i}`, i % 2 ? 'wishlist' : 'viewings');
      expect(made).toMatchObject({ status: 404, body: { code: 'not_found' } });
    }
    expect(counted).toEqual([]);
    expect(await post('rumah-1', 'wishlist')).toMatchObject({ status: 200, body: { counted: true, wishlistToday: 1 } });
    expect(counted).toEqual(['rumah-1']);
  });

  it('presence alone with user-counted activity must be told which properties exist', async () => {
    expect(() => presenceFeature({})).toThrow(/propertyExists/);
    expect(() => presenceFeature({ activityAuth: 'publisher' })).not.toThrow();
    await expect(createServer({ port: 0, auth: { secret: SECRET }, logger: null, features: [presenceFeature({ propertyExists: () => false })] }).then((s) => s.close())).resolves.toBeUndefined();
  });
});
