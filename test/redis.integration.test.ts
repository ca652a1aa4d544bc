// Several server nodes in one process sharing one real Redis: cross-node fan-out in one
// order, dedupe across nodes, and what a node does when it loses Redis.
import type { SinyalServer } from '@sinyal/server';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, record, SECRET, sleep, startServer, until } from '../test-utils/harness';
import { rawClient } from '../test-utils/rawClient';
import { REDIS_URL, redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { cleanup } = redisTest;

async function node(url = REDIS_URL): Promise<SinyalServer> {
  const store = redisTest.node({ url });
  const server = await startServer({ store, limits: { messagesPerSecond: 10_000, burst: 10_000 } });
  cleanup(() => server.close());
  return server;
}
const client = (...args: Parameters<typeof connect>) => redisTest.closeAfter(connect(...args));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
const health = async (s: SinyalServer) => {
  const res = await fetch(`${s.httpUrl}/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

redisTest.describe('several nodes on one Redis', () => {
  it('clients on three nodes see one room in one order, seq 1..n', async () => {
    const nodes = await Promise.all([node(), node(), node()]);
    const recs = ['alice', 'bob', 'carol'].map((user, i) => record(client(nodes[i]!.url, user), 'demo:lobby'));
    await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'));
    const sends = [];
    for (let n = 1; n <= 60; n++) sends.push(recs[n % 3]!.room.publish('demo:message', { from: `u${n % 3}`, n }).done);
    await Promise.all(sends);
    await until(() => recs.every((r) => r.items.length >= 60));
    await sleep(100);
    for (const r of recs) {
      expect(r.items.map((i) => i.seq)).toEqual(range(1, 60));
      expect(r.items).toEqual(recs[0]!.items);
    }
    expect((await health(nodes[0]!)).body).toMatchObject({ status: 'ok', redis: 'up' });
  });

  it('server.publish, publishToUser and volatile events cross nodes', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const bob = client(b.url, 'bob');
    const r = record(bob, 'demo:feed');
    const feed = bob.room('user:bob');
    const notes: unknown[] = [];
    feed.on('demo:message' as never, (data: unknown) => notes.push(data));
    const typing: unknown[] = [];
    r.room.on('demo:typing' as never, (data: unknown) => typing.push(data));
    await until(() => r.room.getSnapshot().status === 'joined' && feed.getSnapshot().status === 'joined');
    expect(await a.publish('demo:feed', 'demo:message', { from: 'backend', n: 1 })).toMatchObject({ seq: 1 });
    await a.publishToUser('bob', 'demo:message', { text: 'for bob' });
    await a.publish('demo:feed', 'demo:typing', { who: 'x' }, { volatile: true });
    await a.publish('demo:feed', 'demo:typing', { who: 'bob-self' }, { volatile: true, exceptUser: 'bob' });
    await until(() => r.items.length === 1 && notes.length === 1 && typing.length === 1);
    await sleep(100);
    expect(typing).toEqual([{ who: 'x' }]);
    expect(b.localMembers('demo:feed')).toBe(1);
    expect(a.localMembers('demo:feed')).toBe(0);
  });

  it('a localOnly volatile event reaches this node\'s members only; localOnly refuses durable events', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const onA = client(a.url, 'ann');
    const onB = client(b.url, 'bob');
    const got = { ann: [] as unknown[], bob: [] as unknown[] };
    const ra = onA.room('demo:local');
    const rb = onB.room('demo:local');
    ra.on('demo:typing' as never, (data: unknown) => got.ann.push(data));
    rb.on('demo:typing' as never, (data: unknown) => got.bob.push(data));
    await until(() => ra.getSnapshot().status === 'joined' && rb.getSnapshot().status === 'joined');
    await a.publish('demo:local', 'demo:typing', { from: 'a' }, { volatile: true, localOnly: true });
    await b.publish('demo:local', 'demo:typing', { from: 'b' }, { volatile: true, localOnly: true });
    await a.publish('demo:local', 'demo:typing', { from: 'everywhere' }, { volatile: true });
    await until(() => got.ann.length === 2 && got.bob.length === 2);
    await sleep(200);
    expect(got).toEqual({ ann: [{ from: 'a' }, { from: 'everywhere' }], bob: [{ from: 'b' }, { from: 'everywhere' }] });
    await expect(a.publish('demo:local', 'demo:message', { from: 'a', n: 1 }, { localOnly: true })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('a client resuming on another node gets exactly what it missed', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const proxy = await createFaultProxy({ targetPort: a.port });
    cleanup(() => proxy.close());
    const listener = client(`ws://127.0.0.1:${proxy.port}/ws`, 'listener');
    const l = record(listener, 'demo:move');
    await until(() => l.room.getSnapshot().status === 'joined');
    for (let n = 1; n <= 5; n++) await b.publish('demo:move', 'demo:message', { from: 'b', n });
    await until(() => l.items.length === 5);
    proxy.refuse(true);
    proxy.cutAll();
    for (let n = 6; n <= 10; n++) await b.publish('demo:move', 'demo:message', { from: 'b', n });
    await sleep(100);
    // The "load balancer" now sends it to node b.
    await proxy.close();
    const moved = await createFaultProxy({ targetPort: b.port, port: proxy.port });
    cleanup(() => moved.close());
    await until(() => l.items.length >= 10);
    await sleep(100);
    expect(l.items.map((i) => i.n)).toEqual(range(1, 10));
    expect(l.items.map((i) => i.seq)).toEqual(range(1, 10));
    expect(l.resets).toEqual([]);
  });

  it('a command id sent to two nodes at once runs once; both get the same answer', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const x = await rawClient(a.url, SECRET, 'dana');
    const y = await rawClient(b.url, SECRET, 'dana');
    cleanup(() => x.close(), () => y.close());
    await Promise.all([x.join('demo:dup'), y.join('demo:dup')]);
    const cmd = { t: 'cmd', id: 'same-id', name: 'publish', room: 'demo:dup', data: { event: 'demo:message', data: { from: 'dana', n: 1 } } };
    x.send(cmd);
    y.send(cmd);
    const [ackX, ackY] = await Promise.all([x.next((f) => f.t === 'ack'), y.next((f) => f.t === 'ack')]);
    expect(ackX).toEqual(ackY);
    expect(ackX).toMatchObject({ data: { seq: 1 } });
    await sleep(200);
    expect(x.frames.filter((f) => f.t === 'event')).toHaveLength(1);
    expect(y.frames.filter((f) => f.t === 'event')).toHaveLength(1);
    expect(await a.publish('demo:dup', 'demo:message', { from: 'z', n: 2 })).toMatchObject({ seq: 2 });
  });

  it('a node pointed at an unreachable Redis is unhealthy, turns new connections away (503) and server.publish throws `unavailable`', async () => {
    const down = await node('redis://127.0.0.1:1');
    await eventually(async () => (await health(down)).status === 503);
    expect(await health(down)).toMatchObject({ status: 503, body: { status: 'degraded', redis: 'down' } });
    // Not let in only to have every join refused: the client retries, through the balancer, elsewhere.
    await expect(rawClient(down.url, SECRET, 'erin')).rejects.toThrow(/503/);
    await expect(down.publish('demo:x', 'demo:message', {})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('a node that loses Redis goes unhealthy, drops its clients, and recovers: they resume without gap', async () => {
    const redisPort = Number(new URL(REDIS_URL).port || 6379);
    const link = await createFaultProxy({ targetPort: redisPort, targetHost: new URL(REDIS_URL).hostname });
    cleanup(() => link.close());
    const flaky = await node(`redis://127.0.0.1:${link.port}`);
    const steady = await node();
    const c = client(flaky.url, 'frank');
    const r = record(c, 'demo:flaky');
    await until(() => r.room.getSnapshot().status === 'joined');
    await steady.publish('demo:flaky', 'demo:message', { from: 's', n: 1 });
    await until(() => r.items.length === 1);

    link.refuse(true);
    link.cutAll();
    await eventually(async () => (await health(flaky)).status === 503);
    for (let n = 2; n <= 4; n++) await steady.publish('demo:flaky', 'demo:message', { from: 's', n });
    const pending = r.room.publish('demo:message', { from: 'frank', n: 5 });
    await sleep(300);
    expect(pending.status).not.toBe('acked');

    link.refuse(false);
    await until(() => r.items.length >= 5, 15_000);
    await pending.done;
    await sleep(100);
    expect((await health(flaky)).body).toMatchObject({ status: 'ok', redis: 'up' });
    expect(r.items.map((i) => i.n)).toEqual(range(1, 5));
    expect(r.items.map((i) => i.seq)).toEqual(range(1, 5));
    expect(r.resets).toEqual([]);
  });
});
