import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RawClient, protocolsFor, startServer, token } from './helpers';

/** A raw client that offers permessage-deflate (compressing everything it sends). */
async function deflateClient(url: string, user = 'alice'): Promise<WebSocket> {
  const ws = new WebSocket(url, protocolsFor(await token(user)), { perMessageDeflate: { threshold: 0 } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

function nextFrame(ws: WebSocket, match: (frame: { t: string; [k: string]: unknown }) => boolean = () => true): Promise<{ t: string; [k: string]: unknown }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as { t: string };
      if (!match(frame)) return;
      ws.off('message', onMessage);
      resolve(frame);
    };
    ws.on('message', onMessage);
  });
}

describe('per-action rate limits', () => {
  it('limits one command name per user with a token bucket, answering rate_limited + retryAfterMs', async () => {
    let runs = 0;
    const server = await startServer({
      rateLimits: { 'chat:send': { perSecond: 1, burst: 2 } },
      commands: { 'chat:send': () => ++runs, 'chat:read': () => 'read' },
    });
    const client = await RawClient.ready(server);
    for (let i = 1; i <= 4; i++) client.send({ t: 'cmd', id: `s${i}`, name: 'chat:send' });
    client.send({ t: 'cmd', id: 'r1', name: 'chat:read' });
    client.send({ t: 'cmd', id: 's1', name: 'chat:send' }); // a repeat of an answered id: its answer, no token
    const answers = await Promise.all(['s1', 's2', 's3', 's4', 'r1'].map((id) => client.next(undefined, (f) => 'id' in f && f.id === id)));
    expect(answers.map((f) => f.t)).toEqual(['ack', 'ack', 'nack', 'nack', 'ack']);
    expect(answers[2]).toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
    expect((answers[2] as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect((answers[2] as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(1000);
    expect(await client.next('ack', (f) => f.id === 's1')).toMatchObject({ data: 1 });
    expect(runs).toBe(2);

    // Per user: another user has a bucket of their own; the same user's other connection does not.
    const bob = await RawClient.ready(server, 'bob');
    bob.send({ t: 'cmd', id: 'b1', name: 'chat:send' });
    expect(await bob.next()).toMatchObject({ t: 'ack', id: 'b1' });
    const alice2 = await RawClient.ready(server, 'alice');
    alice2.send({ t: 'cmd', id: 'a2', name: 'chat:send' });
    expect(await alice2.next()).toMatchObject({ t: 'nack', id: 'a2', code: 'rate_limited' });

    // A rate-limited command is not remembered: once the bucket refills, the retry runs.
    const retryAfter = (answers[2] as { retryAfterMs: number }).retryAfterMs;
    await new Promise((r) => setTimeout(r, retryAfter + 50));
    client.send({ t: 'cmd', id: 's3', name: 'chat:send' });
    expect(await client.next(undefined, (f) => 'id' in f && f.id === 's3')).toMatchObject({ t: 'ack' });
  });

  it("'*' limits every other command, each name in its own bucket", async () => {
    const server = await startServer({
      rateLimits: { '*': { perSecond: 0.01, burst: 1 }, free: { perSecond: 1000 } },
      commands: { a: () => 'a', b: () => 'b', free: () => 'free' },
    });
    const client = await RawClient.ready(server);
    for (const [id, name] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['f1', 'free'], ['f2', 'free']]) client.send({ t: 'cmd', id, name });
    const answers = await Promise.all(['a1', 'a2', 'b1', 'f1', 'f2'].map((id) => client.next(undefined, (f) => 'id' in f && f.id === id)));
    expect(answers.map((f) => f.t)).toEqual(['ack', 'nack', 'ack', 'ack', 'ack']);
  });

  it('rejects malformed limits at startup', async () => {
    await expect(startServer({ rateLimits: { x: { perSecond: 0 } } })).rejects.toThrow(/perSecond/);
    await expect(startServer({ rateLimits: { x: { perSecond: 1, burst: 0.5 } } })).rejects.toThrow(/burst/);
  });
});

describe('permessage-deflate', () => {
  it('is off by default even when the client offers it', async () => {
    const server = await startServer();
    const ws = await deflateClient(server.url);
    expect(ws.extensions).toBe('');
    ws.close();
  });

  it('can be turned on, with a threshold below which frames go uncompressed', async () => {
    const server = await startServer({ perMessageDeflate: { threshold: 256 }, rooms: { demo: {} } });
    const ws = await deflateClient(server.url);
    expect(ws.extensions).toContain('permessage-deflate');
    ws.send(JSON.stringify({ t: 'hello', v: 1 }));
    await nextFrame(ws, (f) => f.t === 'welcome');
    ws.send(JSON.stringify({ t: 'join', id: 'j', room: 'demo:r' }));
    await nextFrame(ws, (f) => f.t === 'joined');
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    const before = socket.bytesRead;
    const text = 'y'.repeat(20_000);
    const got = nextFrame(ws, (f) => f.t === 'event');
    await server.publish('demo:r', 'demo:big', { text });
    expect(((await got).data as { text: string }).text).toBe(text);
    expect(socket.bytesRead - before).toBeLessThan(2000); // compressed on the wire
    ws.close();
  });

  it('refuses a compression bomb with 1009: the inflated size counts against maxFrameBytes', async () => {
    const server = await startServer({ perMessageDeflate: true, limits: { maxFrameBytes: 4096 } });
    const bystander = await RawClient.ready(server, 'bob');
    const ws = await deflateClient(server.url);
    ws.send(JSON.stringify({ t: 'hello', v: 1 }));
    await nextFrame(ws, (f) => f.t === 'welcome');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    const before = socket.bytesWritten;
    // 4 MB of zeros: a few KB once compressed, 1000 × the limit once inflated.
    ws.send(JSON.stringify({ t: 'ping', ts: 1, pad: '0'.repeat(4 * 1024 * 1024) }));
    expect(await closed).toBe(1009);
    expect(socket.bytesWritten - before).toBeLessThan(4096 * 2); // the frame itself was small on the wire
    // The server is healthy: others carry on, new connections work.
    bystander.send({ t: 'ping', ts: 2 });
    expect(await bystander.next('pong')).toMatchObject({ ts: 2 });
    const again = await RawClient.ready(server, 'carol');
    again.send({ t: 'ping', ts: 3 });
    expect(await again.next('pong')).toMatchObject({ ts: 3 });
    expect((await fetch(`${server.httpUrl}/health`)).status).toBe(200);
  });

  it('rejects malformed deflate options', async () => {
    await expect(startServer({ perMessageDeflate: { level: 12 } })).rejects.toThrow(/level/);
    await expect(startServer({ perMessageDeflate: { threshold: -1 } })).rejects.toThrow(/threshold/);
  });
});

describe('graceful close', () => {
  it('lets a running command finish and acknowledges it before closing with 1012; queued frames are skipped', async () => {
    const ran: string[] = [];
    let release!: () => void;
    const started = new Promise<void>((resolve) => (release = resolve));
    const server = await startServer({
      commands: {
        slow: async ({ data }) => {
          ran.push(String(data));
          release();
          await new Promise((r) => setTimeout(r, 150));
          return 'done';
        },
      },
    });
    const client = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'c1', name: 'slow', data: 'first' });
    client.send({ t: 'cmd', id: 'c2', name: 'slow', data: 'queued' });
    await started;
    await server.close();
    expect((await client.closed).code).toBe(1012);
    expect(client.log.filter((f) => f.t === 'ack')).toEqual([{ t: 'ack', id: 'c1', data: 'done' }]);
    expect(ran).toEqual(['first']); // the queued one is re-sent by the client after reconnecting
  });

  it('does not wait for a stuck command longer than shutdownTimeoutMs', async () => {
    const server = await startServer({ limits: { shutdownTimeoutMs: 300 }, commands: { stuck: () => new Promise(() => {}) } });
    const client = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'c1', name: 'stuck' });
    await new Promise((r) => setTimeout(r, 50));
    await server.close(); // resolves (after ~shutdownTimeoutMs) although the handler never does
    expect((await client.closed).code).toBe(1012);
  });
});
