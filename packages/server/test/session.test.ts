import { describe, expect, it } from 'vitest';
import { RawClient, SECRET, sleep, startServer, token } from './helpers';

describe('frame handling', () => {
  it('answers malformed input with typed errors and keeps the connection open', async () => {
    const server = await startServer({ rooms: { demo: {} } });
    const client = await RawClient.ready(server);
    const bystander = await RawClient.ready(server, 'bob');

    client.send('{not json');
    expect(await client.next('error')).toMatchObject({ code: 'invalid_frame', msg: 'frame is not valid JSON' });
    client.send({ t: 'teleport' });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_frame' });
    client.send({ t: 'join', id: 'j1', room: 'no-colon' });
    expect(await client.next('nack')).toMatchObject({ id: 'j1', code: 'invalid_frame', msg: expect.stringContaining('room') });
    client.send({ t: 'cmd', id: 'c1' });
    expect(await client.next('nack')).toMatchObject({ id: 'c1', code: 'invalid_frame' });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_frame', msg: expect.stringContaining('binary') });

    client.send({ t: 'ping', ts: 42 });
    expect(await client.next('pong')).toMatchObject({ ts: 42 });
    bystander.send({ t: 'ping', ts: 1 });
    expect(await bystander.next('pong')).toMatchObject({ ts: 1 });
  });

  it('closes with 1009 on a frame over maxFrameBytes without affecting others', async () => {
    const server = await startServer({ limits: { maxFrameBytes: 1024 } });
    const client = await RawClient.ready(server);
    const bystander = await RawClient.ready(server, 'bob');
    client.send({ t: 'ping', ts: 1, pad: 'x'.repeat(2000) });
    expect((await client.closed).code).toBe(1009);
    bystander.send({ t: 'ping', ts: 2 });
    expect(await bystander.next('pong')).toMatchObject({ ts: 2 });
  });

  it('closes with 4011 when the first frame is not hello', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server);
    client.send({ t: 'ping', ts: 1 });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_frame' });
    expect((await client.closed).code).toBe(4011);
  });

  it('answers a wrong protocol version with unsupported_version and closes with 4002', async () => {
    const server = await startServer();
    const client = await RawClient.connect(server);
    client.send({ t: 'hello', v: 2 });
    expect(await client.next('error')).toMatchObject({ code: 'unsupported_version' });
    expect((await client.closed).code).toBe(4002);
  });

  it('processes pipelined joins and commands strictly in arrival order, async joins included; a ping is answered at once', async () => {
    const server = await startServer({
      rooms: { demo: { authorize: async ({ id }) => { await sleep(id === 'slow' ? 40 : 0); return true; } } },
      commands: { echo: ({ data }) => data },
    });
    const client = await RawClient.connect(server);
    client.send({ t: 'hello', v: 1 });
    client.send({ t: 'join', id: 'j1', room: 'demo:slow' });
    client.send({ t: 'join', id: 'j2', room: 'demo:fast' });
    client.send({ t: 'cmd', id: 'c1', name: 'echo', data: 1 });
    client.send({ t: 'ping', ts: 7 });
    await client.next('ack');
    // The ping does not wait behind the slow join (a heartbeat must not time out behind a command).
    expect(client.log.map((f) => ('id' in f ? `${f.t}:${f.id}` : f.t))).toEqual(['welcome', 'pong', 'joined:j1', 'joined:j2', 'ack:c1']);
  });

  it('rate limits per user with retryAfterMs; the frame is not processed', async () => {
    const server = await startServer({ limits: { messagesPerSecond: 1, burst: 3 } });
    const client = await RawClient.ready(server);
    for (let i = 0; i < 5; i++) client.send({ t: 'ping', ts: i });
    client.send({ t: 'cmd', id: 'c-over', name: 'nope' });
    const frames = await client.drain(100);
    expect(frames.filter((f) => f.t === 'pong').map((f) => (f as { ts: number }).ts)).toEqual([0, 1, 2]);
    const limited = frames.filter((f) => f.t === 'error');
    expect(limited).toHaveLength(2);
    expect(limited[0]).toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
    expect(frames.find((f) => f.t === 'nack')).toMatchObject({ id: 'c-over', code: 'rate_limited' });

    // The bucket is per user: a second connection of the same user is limited too.
    const second = await RawClient.ready(server);
    second.send({ t: 'ping', ts: 9 });
    expect(await second.next('error')).toMatchObject({ code: 'rate_limited' });
  });

  it('evicts a silent peer with 4010', async () => {
    const server = await startServer({ limits: { heartbeatTimeoutMs: 300 } });
    const silent = await RawClient.ready(server);
    const chatty = await RawClient.ready(server, 'bob');
    const keepAlive = setInterval(() => chatty.send({ t: 'ping', ts: Date.now() }), 100);
    try {
      const started = Date.now();
      expect((await silent.closed).code).toBe(4010);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(chatty.ws.readyState).toBe(chatty.ws.OPEN);
    } finally {
      clearInterval(keepAlive);
    }
  });

  it('closes with 4001 when the token expires on an open connection (at exp + the clock tolerance)', async () => {
    const server = await startServer({ auth: { secret: SECRET, clockToleranceSec: 1 } });
    const client = await RawClient.connect(server, await token('alice', 1));
    client.send({ t: 'hello', v: 1 });
    await client.next('welcome');
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4001, reason: 'token expired' });
  });

  it('close() tells clients 1012 and frees the port', async () => {
    const server = await startServer();
    const a = await RawClient.ready(server);
    const b = await RawClient.ready(server, 'bob');
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await a.closed).code).toBe(1012);
    expect((await b.closed).code).toBe(1012);
    const again = await startServer({ port: server.port });
    expect(again.port).toBe(server.port);
  });
});
