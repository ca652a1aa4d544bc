// A signed-in user trying to exhaust the server: each test is shaped like the attack it
// guards against (a hostile client over a real socket), and failed on the code before the fix.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src';
import { metric, protocolsFor, RawClient, refused, sleep, startServer, token, waitFor } from './helpers';

describe('rate limit is decided on the parsed frame', () => {
  it('frames that merely contain a nested {"t":"leave"} are limited like any other', async () => {
    const server = await startServer({ limits: { messagesPerSecond: 1, burst: 3 }, commands: { 'demo:list': () => ({ items: [] }) } });
    const client = await RawClient.ready(server);
    for (let i = 0; i < 20; i++) client.send(`{"t":"ping","ts":${i},"x":{"t":"leave"}}`);
    for (let i = 0; i < 20; i++) client.send({ t: 'cmd', id: `c${i}`, name: 'demo:list', data: { t: 'leave' } });
    const frames = await client.drain(150);
    const answered = frames.filter((f) => f.t === 'pong' || f.t === 'ack');
    const limited = frames.filter((f) => (f.t === 'error' || f.t === 'nack') && f.code === 'rate_limited');
    expect(answered.length).toBeLessThanOrEqual(4); // the burst (3), plus at most one refilled token
    expect(limited.length).toBeGreaterThanOrEqual(36);
    // A command refused over the limit is answered with its own id.
    expect(frames.find((f) => f.t === 'nack' && f.id === 'c19')).toMatchObject({ code: 'rate_limited' });
  });

  it('a real leave over the limit is still honoured', async () => {
    const server = await startServer({ limits: { messagesPerSecond: 1, burst: 2 }, rooms: { demo: {} } });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j1', room: 'demo:a' });
    await client.next('joined');
    for (let i = 0; i < 5; i++) client.send({ t: 'ping', ts: i });
    client.send({ t: 'leave', room: 'demo:a' });
    await waitFor(() => server.localMembers('demo:a') === 0);
  });
});

describe('a connection flooding over its rate limit', () => {
  it('is closed with 1008 after its over-limit allowance, without each frame being answered; a bystander is unaffected', async () => {
    const server = await startServer({ limits: { messagesPerSecond: 10, burst: 10, overLimitFrames: 50 } });
    const flooder = await RawClient.ready(server, 'mallory');
    const bystander = await RawClient.ready(server, 'bob');
    const big = JSON.stringify({ t: 'cmd', id: 'x', name: 'nope', data: 'x'.repeat(16 * 1024) });
    for (let i = 0; i < 2000 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.send(big);
    const { code } = await flooder.closed;
    expect(code).toBe(1008);
    const limited = flooder.log.filter((f) => (f.t === 'nack' || f.t === 'error') && f.code === 'rate_limited');
    // Answered until the allowance ran out (plus the refill during the flood), then cut off.
    expect(limited.length).toBeGreaterThanOrEqual(50);
    expect(limited.length).toBeLessThan(200);
    bystander.send({ t: 'ping', ts: 1 });
    expect(await bystander.next('pong')).toMatchObject({ ts: 1 });
    expect(await metric(server.httpUrl, 'sinyal_disconnects_total', 'code="1008"')).toBe(1);
  });

  it("after being cut off for flooding, the user's new connections are refused (429) for floodCooldownMs; others are not", async () => {
    const server = await startServer({ limits: { messagesPerSecond: 10, burst: 10, overLimitFrames: 20, floodCooldownMs: 60_000 } });
    const flooder = await RawClient.ready(server, 'mallory');
    for (let i = 0; i < 200 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.send({ t: 'ping', ts: i });
    expect((await flooder.closed).code).toBe(1008);
    const again = await refused(server.url, protocolsFor(await token('mallory')));
    expect(again).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect(again.body.msg).toMatch(/flooding/);
    const other = await RawClient.ready(server, 'bob');
    other.send({ t: 'ping', ts: 1 });
    expect(await other.next('pong')).toMatchObject({ ts: 1 });
  });

  it('a client that waits retryAfterMs as told is never cut off', async () => {
    const server = await startServer({ limits: { messagesPerSecond: 20, burst: 5, overLimitFrames: 5 }, commands: { echo: ({ data }) => data } });
    const client = await RawClient.ready(server);
    let acked = 0;
    for (let i = 0; i < 30; i++) {
      client.send({ t: 'cmd', id: `c${i}`, name: 'echo', data: i });
      const answer = await client.next(undefined, (f) => (f.t === 'ack' || f.t === 'nack') && f.id === `c${i}`);
      if (answer.t === 'ack') acked++;
      else {
        expect(answer).toMatchObject({ code: 'rate_limited' });
        await sleep((answer as { retryAfterMs?: number }).retryAfterMs ?? 50);
        i--; // send it again
      }
    }
    expect(acked).toBe(30);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});

describe('remembered command outcomes are bounded', () => {
  const bigAnswer = () => ({ rows: 'r'.repeat(64 * 1024) });

  it('a command with a large answer is remembered without its data: a retry is acknowledged, not run again', async () => {
    let runs = 0;
    const server = await startServer({
      commands: {
        'demo:big': () => {
          runs++;
          return bigAnswer();
        },
      },
    });
    const client = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'b1', name: 'demo:big' });
    expect((await client.next('ack')).data).toEqual(bigAnswer());
    client.send({ t: 'cmd', id: 'b1', name: 'demo:big' });
    const retried = await client.next('ack');
    expect(retried.id).toBe('b1');
    expect(retried.data).toBeUndefined();
    expect(runs).toBe(1);
    expect(await metric(server.httpUrl, 'sinyal_dedupe_compacted_total')).toBe(1);
  });

  it('one user repeating a command with a large answer cannot grow the remembered outcomes past their budget', async () => {
    let runs = 0;
    const server = await startServer({
      limits: { maxOutcomeBytes: 8 * 1024, outcomeBytesPerUser: 64 * 1024, outcomeBytesTotal: 256 * 1024, messagesPerSecond: 1000, burst: 1000 },
      commands: { 'demo:page': () => ((runs += 1), { rows: 'r'.repeat(6 * 1024) }) },
    });
    const mallory = await RawClient.ready(server, 'mallory');
    for (let i = 0; i < 400; i++) mallory.send({ t: 'cmd', id: `p${i}`, name: 'demo:page' });
    await waitFor(() => mallory.log.filter((f) => f.t === 'ack').length === 400, 10_000);
    expect(await metric(server.httpUrl, 'sinyal_dedupe_bytes')).toBeLessThanOrEqual(64 * 1024);
    expect(await metric(server.httpUrl, 'sinyal_dedupe_evicted_total', 'bound="user"')).toBeGreaterThan(300);
    // Another user's outcomes are not what pays for mallory's.
    const bob = await RawClient.ready(server, 'bob');
    bob.send({ t: 'cmd', id: 'mine', name: 'demo:page' });
    await bob.next('ack');
    for (let i = 0; i < 50; i++) mallory.send({ t: 'cmd', id: `q${i}`, name: 'demo:page' });
    await waitFor(() => mallory.log.filter((f) => f.t === 'ack').length === 450, 10_000);
    bob.send({ t: 'cmd', id: 'mine', name: 'demo:page' });
    expect((await bob.next('ack')).data).toEqual({ rows: 'r'.repeat(6 * 1024) }); // still remembered whole
    expect(runs).toBe(451);
    // Mallory's oldest outcome was forgotten, so its retry runs again; her newest is remembered.
    mallory.send({ t: 'cmd', id: 'q49', name: 'demo:page' });
    await waitFor(() => mallory.log.filter((f) => f.t === 'ack').length === 451, 10_000);
    expect(runs).toBe(451);
    mallory.send({ t: 'cmd', id: 'p0', name: 'demo:page' });
    await waitFor(() => mallory.log.filter((f) => f.t === 'ack').length === 452, 10_000);
    expect(runs).toBe(452);
  });

  it('idempotent reads keep no outcome record at all', async () => {
    let runs = 0;
    const server = await startServer({
      commands: {
        'demo:read': {
          idempotent: true,
          handler: () => {
            runs++;
            return bigAnswer();
          },
        },
      },
    });
    const client = await RawClient.ready(server);
    for (let i = 0; i < 5; i++) client.send({ t: 'cmd', id: 'same', name: 'demo:read' });
    await waitFor(() => client.log.filter((f) => f.t === 'ack').length === 5);
    expect(runs).toBe(5);
    expect(await metric(server.httpUrl, 'sinyal_dedupe_outcomes')).toBe(0);
  });

  it('unknown commands keep no outcome record', async () => {
    const server = await startServer();
    const client = await RawClient.ready(server);
    for (let i = 0; i < 50; i++) client.send({ t: 'cmd', id: `u${i}`, name: 'no:such' });
    await waitFor(() => client.log.filter((f) => f.t === 'nack').length === 50);
    expect(await metric(server.httpUrl, 'sinyal_dedupe_outcomes')).toBe(0);
  });
});

describe('room history in memory is bounded', () => {
  it('a user creating hundreds of rooms cannot grow the history past maxHistoryBytes; the bound is in /metrics', async () => {
    const store = new MemoryStore({ maxHistoryBytes: 256 * 1024 });
    const server = await startServer({ store, rooms: { demo: { history: 100, publish: ['demo:msg'] } }, limits: { messagesPerSecond: 5000, burst: 5000, joinsPerSecond: 1000, joinBurst: 1000 } });
    const client = await RawClient.ready(server, 'mallory');
    for (let r = 0; r < 300; r++) {
      client.send({ t: 'join', id: `j${r}`, room: `demo:r${r}` });
      for (let i = 0; i < 3; i++) client.send({ t: 'cmd', id: `c${r}-${i}`, name: 'publish', room: `demo:r${r}`, data: { event: 'demo:msg', data: { text: 'x'.repeat(1000) } } });
      client.send({ t: 'leave', room: `demo:r${r}` });
    }
    await waitFor(() => client.log.filter((f) => f.t === 'ack').length === 900, 15_000);
    expect(await metric(server.httpUrl, 'sinyal_history_bytes')).toBeLessThanOrEqual(256 * 1024);
    expect(await metric(server.httpUrl, 'sinyal_history_bytes_max')).toBe(256 * 1024);
    expect(await metric(server.httpUrl, 'sinyal_history_evicted_rooms_total', 'reason="bytes"')).toBeGreaterThan(100);
  });

  it('a client resuming a room whose history was dropped gets reset, never the new numbering as if it followed its own', async () => {
    const store = new MemoryStore({ maxHistoryBytes: 8 * 1024 });
    const server = await startServer({ store, rooms: { demo: { publish: ['demo:msg'] } } });
    for (let i = 0; i < 5; i++) await server.publish('demo:old', 'demo:msg', { n: i });
    const position = await store.head('demo:old'); // seq 5
    // Other rooms push demo:old out of the bound, then it starts again with 7 new events.
    for (let r = 0; r < 20; r++) await server.publish(`demo:filler${r}`, 'demo:msg', { text: 'f'.repeat(1000) });
    for (let i = 0; i < 7; i++) await server.publish('demo:old', 'demo:msg', { n: 100 + i });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j', room: 'demo:old', from: { epoch: position.epoch, seq: 3 } });
    const joined = await client.next('joined');
    expect(joined.resumed).toBe(false);
    expect(await client.next('reset')).toMatchObject({ reason: 'epoch_changed' });
  });
});

describe('new connections per user are rate limited', () => {
  it('a user opening and closing connections in a loop is refused past connectBurst (429 rate_limited, before the handshake) while others connect, and gets in again once the rate allows', async () => {
    const server = await startServer({ limits: { connectsPerSecond: 2, connectBurst: 3 } });
    const mallory = await token('mallory');
    let opened = 0;
    let refusal: { status: number; body: { code: string; msg: string } } | undefined;
    for (let i = 0; i < 20 && !refusal; i++) {
      try {
        refusal = await refused(server.url, protocolsFor(mallory));
      } catch {
        opened++; // the upgrade went through (and `refused` closed it)
      }
    }
    expect(opened).toBeGreaterThanOrEqual(3);
    expect(opened).toBeLessThanOrEqual(4); // the burst, plus at most one refilled token
    expect(refusal).toMatchObject({ status: 429, body: { code: 'rate_limited', msg: expect.stringMatching(/too many new connections/) } });
    expect(await metric(server.httpUrl, 'sinyal_rate_limited_total', 'scope="connect"')).toBeGreaterThanOrEqual(1);
    // Someone else is not affected.
    const alice = await RawClient.ready(server, 'alice');
    // Half a second refills one connection (2 per second).
    await sleep(600);
    const back = await RawClient.ready(server, 'mallory');
    back.close();
    alice.close();
  });
});
