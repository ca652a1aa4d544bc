// What one user may make a node pass to the others on the HTTP transport (several nodes on
// Redis, no sticky sessions): polls, frame batches and closes for connections another node
// holds are paced per user and bounded in number, so a signed-in user cannot fill a node's
// connection cap with polls or make every node read a flood of made-up requests, while a
// long-polling client that is paced loses nothing. Runs in CI (needs Redis).
import { httpTransport } from '@sinyal/client/http';
import { createDevToken, type SinyalServer } from '@sinyal/server';
import { expect, it } from 'vitest';
import { connect, metric, record, SECRET, sleep, startServer, until } from '../test-utils/harness';
import { redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { closeAfter } = redisTest;

async function twoNodes(limits: Record<string, number>): Promise<[SinyalServer, SinyalServer]> {
  const prefix = redisTest.freshPrefix();
  const start = async () => closeAfter(await startServer({ store: redisTest.node({ prefix }), limits }));
  return [await start(), await start()];
}

const bearer = async (user: string) => ({ authorization: `Bearer ${await createDevToken(SECRET, user)}` });

redisTest.describe('HTTP transport requests passed to other nodes: paced and bounded', () => {
  it('polls held for other nodes are bounded per user: past 2 × maxConnectionsPerUser one is refused 429, other users are not affected', async () => {
    const [a, b] = await twoNodes({ maxConnectionsPerUser: 5 });
    const auth = await bearer('mallory');
    // 30 polls for made-up connections at once, all at b: each would be held until its wait ends.
    const aborts = Array.from({ length: 30 }, () => new AbortController());
    const polls = aborts.map((abort, i) => fetch(`${b.httpUrl}/ws/http/poll?sid=made-up-${i}`, { headers: auth, signal: abort.signal }).catch(() => undefined));
    const settled: Response[] = [];
    for (const p of polls) void p.then((res) => res && settled.push(res));
    await until(() => settled.length >= 20);
    await sleep(100);
    expect(settled.length).toBe(20);
    expect(settled.every((res) => res.status === 429)).toBe(true);
    expect(((await settled[0]!.json()) as { code: string }).code).toBe('rate_limited');
    expect(await metric(b.httpUrl, 'sinyal_http_forwards_held')).toBe(10);
    expect(await metric(b.httpUrl, 'sinyal_http_forwards_held_max_per_user')).toBe(10);
    expect(await metric(b.httpUrl, 'sinyal_rate_limited_total', 'scope="http"')).toBe(20);

    // Another user's connection opened on a, polled and posted to through b, works meanwhile.
    const ana = await bearer('ana');
    const { sid } = (await (await fetch(`${a.httpUrl}/ws/http/open`, { method: 'POST', headers: ana })).json()) as { sid: string };
    const poll = fetch(`${b.httpUrl}/ws/http/poll?sid=${sid}`, { headers: ana });
    const sent = await fetch(`${b.httpUrl}/ws/http/send?sid=${sid}&n=0`, { method: 'POST', headers: { ...ana, 'content-type': 'application/json' }, body: JSON.stringify([JSON.stringify({ t: 'hello', v: 1 })]) });
    expect(sent.status).toBe(204);
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { frames: string[] }).frames.map((f) => (JSON.parse(f) as { t: string }).t)).toEqual(['welcome']);

    // Mallory's polls go away: so does their hold.
    for (const abort of aborts) abort.abort();
    await expect.poll(() => metric(b.httpUrl, 'sinyal_http_forwards_held'), { timeout: 5000 }).toBe(0);
  });

  it('and per client address: many accounts from one address together hold at most 2 × maxConnectionsPerIp', async () => {
    const [, b] = await twoNodes({ maxConnectionsPerIp: 3 });
    const aborts: AbortController[] = [];
    const statuses: number[] = [];
    // 5 users, 2 polls each, all from 127.0.0.1: 10 forwarded polls against a bound of 6.
    for (let u = 0; u < 5; u++) {
      const auth = await bearer(`sybil-${u}`);
      for (let i = 0; i < 2; i++) {
        const abort = new AbortController();
        aborts.push(abort);
        void fetch(`${b.httpUrl}/ws/http/poll?sid=made-up-${u}-${i}`, { headers: auth, signal: abort.signal }).then((res) => statuses.push(res.status), () => {});
      }
    }
    await until(() => statuses.length >= 4);
    await sleep(100);
    expect(statuses).toEqual([429, 429, 429, 429]);
    expect(await metric(b.httpUrl, 'sinyal_http_forwards_held')).toBe(6);
    expect(await metric(b.httpUrl, 'sinyal_http_forwards_held_max_per_address')).toBe(6);
    for (const abort of aborts) abort.abort();
    await expect.poll(() => metric(b.httpUrl, 'sinyal_http_forwards_held'), { timeout: 5000 }).toBe(0);
  });

  it('requests for other nodes are paced per user: past the burst they wait their turn instead of each reaching every node at once', async () => {
    const [, b] = await twoNodes({ httpForwardsPerSecond: 10, httpForwardBurst: 5 });
    const auth = { ...(await bearer('mallory')), 'content-type': 'application/json' };
    const forwarded = async () => (await metric(b.httpUrl, 'sinyal_http_forwarded_total')) ?? 0;
    const started = Date.now();
    const closes = Array.from({ length: 25 }, (_, i) => fetch(`${b.httpUrl}/ws/http/close?sid=made-up-${i}`, { method: 'POST', headers: auth }));
    await sleep(300);
    // The burst at once, then 10 a second: far from all 25.
    const early = await forwarded();
    expect(early).toBeGreaterThanOrEqual(5);
    expect(early).toBeLessThan(25);
    const statuses = (await Promise.all(closes)).map((res) => res.status);
    // Every one answered in its turn (a close for an unknown connection is a no-op on the holder).
    expect(statuses).toEqual(Array(25).fill(204));
    expect(await forwarded()).toBe(25);
    // 20 past the burst at 10 a second: at least ~2 s (the pace is not a timing assertion on
    // the server's speed, only that the requests could not all have gone at once).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await metric(b.httpUrl, 'sinyal_rate_limited_total', 'scope="http"')).toBeUndefined();
  });

  it('a long-polling client whose every request reaches the node not holding its connection, held to a slow pace, gets every event once and in order, and is never refused', async () => {
    const [a, b] = await twoNodes({ httpForwardsPerSecond: 5, httpForwardBurst: 5, messagesPerSecond: 1000, burst: 1000 });
    // Every request of this client goes to the other node than the one before: half of them are forwarded.
    let turn = 0;
    const alternate: typeof fetch = (input, init) => fetch(String(input).replace(/:\d+\//, `:${[a, b][turn++ % 2]!.port}/`), init);
    const client = closeAfter(connect(`ws://127.0.0.1:${a.port}/ws`, 'ana', { transports: httpTransport({ longPoll: true, fetch: alternate }) }));
    const rec = record(client, 'demo:paced');
    await until(() => rec.room.getSnapshot().status === 'joined' && client.state === 'open');
    let leftOpen = 0;
    client.subscribe(() => {
      if (client.state !== 'open') leftOpen++;
    });
    for (let n = 0; n < 200; n++) {
      await a.publish('demo:paced', 'demo:message', { from: 'server', n });
      if (n % 20 === 0) await sleep(20);
    }
    await until(() => rec.items.length >= 200, 30_000);
    await sleep(200);
    expect(rec.items.map((i) => i.n)).toEqual([...Array(200).keys()]);
    expect(rec.resets).toEqual([]);
    expect(leftOpen).toBe(0); // never reconnected: no request of it was refused
    // It was held to the pace: some of its requests waited for their turn.
    const paced = ((await metric(a.httpUrl, 'sinyal_http_forwards_paced_total')) ?? 0) + ((await metric(b.httpUrl, 'sinyal_http_forwards_paced_total')) ?? 0);
    expect(paced).toBeGreaterThan(0);
    expect(await metric(b.httpUrl, 'sinyal_rate_limited_total', 'scope="http"')).toBeUndefined();
    expect(await metric(a.httpUrl, 'sinyal_rate_limited_total', 'scope="http"')).toBeUndefined();
  });
});
