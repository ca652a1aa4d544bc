// The feature plumbing every domain feature sits on: join state, membership and
// connection hooks, the per-user feed, REST routes and the publish API.
import { fetchJson, onUserFeed } from '@sinyal/client';
import { userFeedRoom } from '@sinyal/protocol';
import { SinyalServerError, type Feature } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, sleep, startServer, until } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function counterFeature(log: string[]): Feature {
  let count = 0;
  return {
    name: 'counter',
    rooms: {
      counter: {
        snapshot: ({ id }) => ({ id, count }),
        onJoin: ({ user, room }) => void log.push(`join ${user.id} ${room}`),
        onLeave: ({ user, room }) => void log.push(`leave ${user.id} ${room}`),
      },
    },
    commands: {
      'counter:add': async ({ server, data }) => {
        count += Number((data as { by?: number }).by ?? 1);
        await server.publish('counter:main', 'counter:changed', { count });
        return { count };
      },
    },
    routes: [
      { method: 'GET', path: '/api/counter/:id', auth: 'user', handler: ({ params, user }) => ({ id: params.id, count, caller: user!.id }) },
      { method: 'POST', path: '/api/counter/fail', auth: 'user', handler: () => { throw new SinyalServerError('conflict', 'nope'); } },
    ],
    onConnect: ({ user }) => void log.push(`connect ${user.id}`),
    onDisconnect: ({ user }) => void log.push(`disconnect ${user.id}`),
  };
}

describe('features', () => {
  it('join carries the kind snapshot; hooks see joins, leaves, connects and disconnects', async () => {
    const log: string[] = [];
    const s = await startServer({ features: [counterFeature(log)] });
    cleanups.push(() => s.close());
    const c = connect(s.url, 'ann');
    const room = c.room('counter:main');
    const states: unknown[] = [];
    room.onJoined((info) => states.push(info.state));
    const seen: unknown[] = [];
    const off = room.on('counter:changed' as never, (data) => seen.push(data));
    await until(() => states.length === 1);
    expect(states[0]).toEqual({ id: 'main', count: 0 });
    await c.request('counter:add' as never, { by: 2 } as never);
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ count: 2 });
    off();
    await until(() => log.includes('leave ann counter:main'));
    c.close();
    await until(() => log.includes('disconnect ann'));
    expect(log).toEqual(['connect ann', 'join ann counter:main', 'leave ann counter:main', 'disconnect ann']);
  });

  it('a connection that dies leaves its rooms (onLeave) and disconnects (onDisconnect)', async () => {
    const log: string[] = [];
    const s = await startServer({ features: [counterFeature(log)] });
    cleanups.push(() => s.close());
    const c = connect(s.url, 'bo', { reconnect: { initialDelayMs: 60_000 } });
    cleanups.push(() => c.close());
    c.room('counter:x').subscribe(() => {});
    await until(() => log.includes('join bo counter:x'));
    await s.close();
    await until(() => log.includes('disconnect bo'));
    expect(log.slice(-2)).toEqual(['leave bo counter:x', 'disconnect bo']);
  });

  it('publishToUser reaches every connection of that user, and only that user, with replay after reconnect', async () => {
    const s = await startServer();
    cleanups.push(() => s.close());
    const tab1 = connect(s.url, 'cy');
    const tab2 = connect(s.url, 'cy');
    const other = connect(s.url, 'dee');
    cleanups.push(() => tab1.close(), () => tab2.close(), () => other.close());
    const got: Record<string, unknown[]> = { tab1: [], tab2: [], other: [] };
    for (const [name, client] of [['tab1', tab1], ['tab2', tab2], ['other', other]] as const) {
      onUserFeed(client, (feed) => feed.on('notification:new' as never, (data) => got[name]!.push(data)));
    }
    await until(() => [tab1, tab2, other].every((cl) => cl.room(`user:${cl.user}`).getSnapshot().status === 'joined'));
    await s.publishToUser('cy', 'notification:new', { n: 1 });
    await until(() => got.tab1!.length === 1 && got.tab2!.length === 1);
    await sleep(50);
    expect(got.other).toEqual([]);
    // A user may not join someone else's feed.
    const spy = other.room('user:cy');
    spy.subscribe(() => {});
    await until(() => spy.getSnapshot().status === 'error');
    expect(spy.getSnapshot().error?.code).toBe('forbidden');
  });

  it('users whose id has characters a room name cannot hold (auth0|…, a+b@x) still get their own feed', async () => {
    const s = await startServer();
    cleanups.push(() => s.close());
    const odd = connect(s.url, 'auth0|5f7c+x');
    const plain = connect(s.url, 'auth0');
    cleanups.push(() => odd.close(), () => plain.close());
    const got: Record<string, unknown[]> = { odd: [], plain: [] };
    onUserFeed(odd, (feed) => feed.on('notification:new' as never, (data) => got.odd!.push(data)));
    onUserFeed(plain, (feed) => feed.on('notification:new' as never, (data) => got.plain!.push(data)));
    await until(() => odd.room(userFeedRoom('auth0|5f7c+x')).getSnapshot().status === 'joined' && plain.room('user:auth0').getSnapshot().status === 'joined');
    await s.publishToUser('auth0|5f7c+x', 'notification:new', { n: 1 });
    await until(() => got.odd!.length === 1);
    await sleep(50);
    expect(got.plain).toEqual([]);
    expect(userFeedRoom('auth0|5f7c+x')).toMatch(/^user::/);
  });

  it('REST routes authenticate with the user token and map errors to HTTP statuses', async () => {
    const s = await startServer({ features: [counterFeature([])] });
    cleanups.push(() => s.close());
    const c = connect(s.url, 'eli', { autoConnect: false });
    await expect(fetchJson(c.options, '/api/counter/7')).resolves.toEqual({ id: '7', count: 0, caller: 'eli' });
    await expect(fetchJson(c.options, '/api/counter/fail', { body: {} })).rejects.toMatchObject({ code: 'conflict' });
    await expect(fetchJson({ url: s.url }, '/api/counter/7')).rejects.toMatchObject({ code: 'unauthorized' });
    const response = await fetch(`${s.httpUrl}/api/counter/fail`, { method: 'POST', headers: { authorization: 'Bearer x' } });
    expect(response.status).toBe(401);
  });

  it('the publish API needs the publisher secret and delivers to rooms and user feeds', async () => {
    const s = await startServer({ publishSecret: 'backend-secret-123' });
    cleanups.push(() => s.close());
    const c = connect(s.url, 'fay');
    cleanups.push(() => c.close());
    const seen: unknown[] = [];
    c.room('demo:news').on('demo:message', (data) => seen.push(data));
    await until(() => c.room('demo:news').getSnapshot().status === 'joined');
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${s.httpUrl}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const message = { room: 'demo:news', event: 'demo:message', data: { from: 'backend', n: 1 } };
    expect((await post({}, message)).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong' }, message)).status).toBe(401);
    const ok = await post({ authorization: 'Bearer backend-secret-123' }, message);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ seq: 1 });
    expect((await post({ authorization: 'Bearer backend-secret-123' }, { event: 'demo:message' })).status).toBe(400);
    await until(() => seen.length === 1);
    const noSecret = await startServer();
    cleanups.push(() => noSecret.close());
    const disabled = await fetch(`${noSecret.httpUrl}/api/publish`, { method: 'POST', headers: { authorization: 'Bearer x' }, body: '{}' });
    expect(disabled.status).toBe(403);
  });
});
