// The HTTP transport on two nodes sharing Redis, behind a round-robin load balancer with no
// sticky sessions: a connection is held by the node that opened it; a POST or a long-poll that
// reaches the other node is passed to it through the fan-out (the poll's answer comes back the
// same way), in order. Runs in CI (needs Redis).
import { httpTransport } from '@sinyal/client/http';
import { createDevToken, type SinyalServer } from '@sinyal/server';
import { expect, it } from 'vitest';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, metric, record, SECRET, sleep, startServer, until } from '../test-utils/harness';
import { createLoadBalancer } from '../test-utils/loadBalancer';
import { REDIS_URL, redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { cleanup, closeAfter } = redisTest;

redisTest.describe('HTTP transport on two nodes without sticky sessions', () => {
  for (const longPoll of [false, true]) it(`${longPoll ? 'long-poll' : 'stream'}: events and commands exactly once, in order, while requests land on the node that does not hold the connection`, async () => {
    const prefix = redisTest.freshPrefix();
    const nodes: SinyalServer[] = [];
    for (let i = 0; i < 2; i++) nodes.push(closeAfter(await startServer({ store: redisTest.node({ prefix }), limits: { messagesPerSecond: 1000, burst: 1000 } })));
    const lb = await createLoadBalancer({ backends: nodes.map((n) => n.port) });
    cleanup(() => lb.close());
    // An HTTP (layer 7) balancer without stickiness: each request to the next node in turn. (The
    // TCP balancer alone would keep a client's keep-alive connection on one node by accident.)
    const balanced = (): typeof fetch => {
      let turn = 0;
      return (input, init) => fetch(String(input).replace(`:${lb.port}/`, `:${nodes[turn++ % 2]!.port}/`), init);
    };
    const users = ['ana', 'ben'];
    const clients = users.map((user) => closeAfter(connect(`ws://127.0.0.1:${lb.port}/ws`, user, { transports: httpTransport({ longPoll, fetch: balanced() }) })));
    const recs = clients.map((c) => record(c, 'demo:lb'));
    await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined') && clients.every((c) => c.state === 'open'));

    const commands: Array<Promise<unknown>> = [];
    for (let n = 0; n < 300; n++) {
      await nodes[n % 2]!.publish('demo:lb', 'demo:message', { from: 'server', n });
      if (n % 5 === 0) for (const [i, r] of recs.entries()) commands.push(r.room.publish('demo:message', { from: users[i]!, n }).done);
      if (n % 10 === 0) await sleep(5);
    }
    await Promise.all(commands);
    const total = 300 + 2 * 60;
    await until(() => recs.every((r) => r.items.length >= total), 30_000);
    await sleep(200);
    for (const r of recs) {
      expect(r.items.map((i) => i.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(r.items).toEqual(recs[0]!.items); // one order for everyone
      expect(r.items.filter((i) => i.from === 'server').map((i) => i.n)).toEqual([...Array(300).keys()]);
      for (const user of users) expect(r.items.filter((i) => i.from === user).map((i) => i.n)).toEqual(Array.from({ length: 60 }, (_, k) => k * 5));
      expect(r.resets).toEqual([]);
    }
    // About every other request reached the node not holding its connection.
    const forwarded = ((await metric(nodes[0]!.httpUrl, 'sinyal_http_forwarded_total')) ?? 0) + ((await metric(nodes[1]!.httpUrl, 'sinyal_http_forwarded_total')) ?? 0);
    expect(forwarded).toBeGreaterThan(10);
    expect(nodes.map((n) => n.connections()).reduce((a, b) => a + b)).toBe(2);
  });

  it('a connection opened on one node, polled and posted to only through the other', async () => {
    const prefix = redisTest.freshPrefix();
    const [a, b] = [closeAfter(await startServer({ store: redisTest.node({ prefix }) })), closeAfter(await startServer({ store: redisTest.node({ prefix }) }))];
    const auth = { authorization: `Bearer ${await createDevToken(SECRET, 'cleo')}` };
    const { sid } = (await (await fetch(`${a.httpUrl}/ws/http/open`, { method: 'POST', headers: auth })).json()) as { sid: string };
    const viaB = (path: string, init: RequestInit = {}) => fetch(`${b.httpUrl}/ws/http/${path}`, { ...init, headers: { ...auth, 'content-type': 'application/json' } });
    const batch = (n: number, ...frames: object[]) => viaB(`send?sid=${sid}&n=${n}`, { method: 'POST', body: JSON.stringify(frames.map((f) => JSON.stringify(f))) });
    const received: Array<{ t: string; [k: string]: unknown }> = [];
    const poll = async () => {
      const res = await viaB(`poll?sid=${sid}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { frames: string[]; close?: { code: number } };
      received.push(...body.frames.map((f) => JSON.parse(f) as { t: string }));
      return body;
    };
    const waiting = poll(); // held by b, answered by a through Redis
    expect((await batch(0, { t: 'hello', v: 1 }, { t: 'join', id: 'j1', room: 'demo:cross' })).status).toBe(204);
    await waiting;
    while (!received.some((f) => f.t === 'joined')) await poll();
    expect(received.map((f) => f.t)).toEqual(['welcome', 'joined']);
    expect(a.connections()).toBe(1);
    expect(b.connections()).toBe(0);
    const next = poll();
    await sleep(50);
    await b.publish('demo:cross', 'demo:message', { from: 'server', n: 1 });
    await next;
    expect(received.at(-1)).toMatchObject({ t: 'event', seq: 1, data: { n: 1 } });
    // Closed through b as well.
    expect((await viaB(`close?sid=${sid}`, { method: 'POST' })).status).toBe(204);
    await until(() => a.connections() === 0);
    expect((await metric(b.httpUrl, 'sinyal_http_forwarded_total')) ?? 0).toBeGreaterThanOrEqual(5);
  });

  it('a node still subscribing to the control channel admits no connection yet: a request forwarded to its first connection is not lost', async () => {
    // Node a reaches Redis through a slow link: its subscriber is ready, and its SUBSCRIBE to
    // the control channel confirmed, well after it listens. A connection it admitted before
    // that would miss what b forwards to it (this poll waited 30 s for nothing, then 404).
    const redis = new URL(REDIS_URL);
    const link = await createFaultProxy({ targetPort: Number(redis.port || 6379), targetHost: redis.hostname });
    cleanup(() => link.close());
    link.setDelay(300);
    const prefix = redisTest.freshPrefix();
    const a = closeAfter(await startServer({ store: redisTest.node({ prefix, url: `redis://127.0.0.1:${link.port}` }) }));
    const b = closeAfter(await startServer({ store: redisTest.node({ prefix }) }));
    const auth = { authorization: `Bearer ${await createDevToken(SECRET, 'dita')}` };
    const opened = await fetch(`${a.httpUrl}/ws/http/open`, { method: 'POST', headers: auth });
    expect(opened.status).toBe(200);
    const { sid } = (await opened.json()) as { sid: string };
    const viaB = (path: string, init: RequestInit = {}) => fetch(`${b.httpUrl}/ws/http/${path}`, { ...init, headers: { ...auth, 'content-type': 'application/json' } });
    const started = Date.now();
    const poll = viaB(`poll?sid=${sid}`);
    expect((await viaB(`send?sid=${sid}&n=0`, { method: 'POST', body: JSON.stringify([JSON.stringify({ t: 'hello', v: 1 })]) })).status).toBe(204);
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { frames: string[] }).frames.map((f) => (JSON.parse(f) as { t: string }).t)).toEqual(['welcome']);
    expect(Date.now() - started).toBeLessThan(20_000); // answered, not timed out
  });
});
