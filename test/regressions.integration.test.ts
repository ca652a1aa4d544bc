// Regression tests for bugs found in review of the core (each named after the behaviour it pins).
import net from 'node:net';
import { createClient } from '@sinyal/client';
import { createDevToken, MemoryStore } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, record, SECRET, sleep, startServer, until } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serverWithProxy(options: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(options);
  cleanups.push(() => s.close());
  const proxy = await createFaultProxy({ targetPort: s.port });
  cleanups.push(() => proxy.close());
  return { s, proxy, url: `ws://127.0.0.1:${proxy.port}/ws` };
}

describe('connection', () => {
  it('close() while the handshake is pending raises no uncaught error', async () => {
    const { proxy, url } = await serverWithProxy();
    proxy.stall(true);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    cleanups.push(() => process.off('uncaughtException', onError));
    const c = connect(url, 'alice');
    await sleep(200);
    expect(c.state).toBe('connecting');
    c.close();
    await sleep(100);
    expect(errors).toEqual([]);
    expect(c.state).toBe('closed');
  });

  it('a handshake that never completes times out and is retried (connectTimeoutMs)', async () => {
    const { proxy, url } = await serverWithProxy();
    proxy.stall(true);
    const c = connect(url, 'alice', { connectTimeoutMs: 300 });
    cleanups.push(() => c.close());
    await until(() => c.state === 'reconnecting');
    expect(c.getSnapshot().error?.code).toBe('timeout');
    proxy.stall(false);
    await until(() => c.state === 'open');
  });

  it('an auth probe that never gets an answer does not stop the reconnect loop (found by the soak)', async () => {
    // A host that drops every WebSocket upgrade and leaves plain HTTP requests (the probe
    // that asks "was my token refused?") hanging: what a half-broken network path can do.
    const held: net.Socket[] = [];
    const blackHole = net.createServer((socket) => {
      socket.once('data', (chunk) => {
        if (/upgrade: websocket/i.test(String(chunk))) socket.destroy();
        else held.push(socket); // never answered
      });
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of held) socket.destroy();
      return new Promise((resolve) => blackHole.close(resolve));
    });
    const port = (blackHole.address() as net.AddressInfo).port;
    const c = connect(`ws://127.0.0.1:${port}/ws`, 'alice', { connectTimeoutMs: 300, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    cleanups.push(() => c.close());
    // Each attempt: upgrade dropped → no HTTP answer, so a network problem (`ws` shows every
    // answer, so no probe is sent; a browser's probe would hang, but it runs beside the backoff
    // and is given up after probeTimeoutMs: client.mock.test.ts) → next attempt.
    await until(() => c.getSnapshot().attempt >= 4, 10_000);
    expect(c.state).toBe('reconnecting');
  });

  it('maxAttempts: N gives up after N failed attempts', async () => {
    let sockets = 0;
    class Counting extends WebSocket {
      constructor(url: string, protocols?: string[]) {
        super(url, protocols);
        sockets++;
      }
    }
    const c = createClient({ url: 'ws://127.0.0.1:1/ws', token: 't', WebSocket: Counting as never, authProbe: false, reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 }, onError: () => {} });
    cleanups.push(() => c.close());
    await until(() => c.state === 'failed');
    expect(sockets).toBe(2);
  });
});

describe('outbox', () => {
  it('a command that went on the wire is never reported expired (the server may have run it)', async () => {
    const { s, proxy, url } = await serverWithProxy();
    const c = connect(url, 'alice', { outbox: { ttlMs: 1500 } });
    const observer = connect(s.url, 'bob'); // direct: sees the event before the delayed ack
    cleanups.push(() => c.close(), () => observer.close());
    const r = record(c, 'demo:lobby');
    const o = record(observer, 'demo:lobby');
    await until(() => r.room.getSnapshot().status === 'joined' && o.room.getSnapshot().status === 'joined');
    proxy.setDelay(400); // the answer will be late
    const command = r.room.publish('demo:message', { from: 'alice', n: 1 });
    await until(() => o.items.length === 1); // executed on the server
    proxy.cutAll(); // …and its ack lost
    proxy.refuse(true);
    await sleep(2000); // past the TTL while offline
    expect(command.getSnapshot().error?.code).not.toBe('expired');
    expect(command.status).toBe('queued');
    proxy.setDelay(0);
    proxy.refuse(false);
    await command.done;
    await sleep(100);
    expect(o.items).toHaveLength(1); // re-sent with the same id: executed once
  });

  it('a command small in characters but over the frame limit in bytes fails locally, no reconnect loop', async () => {
    const s = await startServer({ limits: { maxFrameBytes: 4096 } });
    cleanups.push(() => s.close());
    const c = connect(s.url, 'alice');
    cleanups.push(() => c.close());
    const r = record(c, 'demo:lobby');
    await until(() => r.room.getSnapshot().status === 'joined');
    const states: string[] = [];
    c.subscribe(() => states.push(c.state));
    const command = r.room.publish('demo:message', { from: 'alice', n: 1, text: '€'.repeat(2000) });
    await expect(command.done).rejects.toMatchObject({ code: 'too_large' });
    await sleep(300);
    expect(states).not.toContain('reconnecting');
  });

  it('a volatile publish made while offline fails at once and is never queued', async () => {
    const s = await startServer({ rooms: { cursor: { history: 0, publish: ['cursor:move'] } } });
    cleanups.push(() => s.close());
    const c = connect(s.url, 'alice', { autoConnect: false });
    cleanups.push(() => c.close());
    const room = c.room('cursor:1');
    room.on('cursor:move' as never, () => {});
    const command = room.publish('cursor:move' as never, { x: 1 } as never, { volatile: true });
    expect(command.status).toBe('failed');
    expect(command.getSnapshot().error?.code).toBe('unavailable');
    expect(c.outbox.size).toBe(0);
  });

  it('a publish pipelined behind a join the server answered "busy" lands once the join succeeds', async () => {
    const store = new MemoryStore();
    let failHead = 0;
    const head = store.head.bind(store);
    store.head = async (room: string) => {
      if (failHead-- > 0) throw new Error('store blip');
      return head(room);
    };
    const s = await startServer({ store });
    cleanups.push(() => s.close());
    const c = connect(s.url, 'alice');
    cleanups.push(() => c.close());
    await until(() => c.state === 'open');
    failHead = 1;
    const r = record(c, 'demo:lobby');
    const command = r.room.publish('demo:message', { from: 'alice', n: 1 });
    await until(() => r.room.getSnapshot().status === 'joined', 5000);
    await command.done;
    expect(command.status).toBe('acked');
  });
});

describe('rooms', () => {
  it('a room released during roomReleaseMs and re-subscribed after a reconnect joins again', async () => {
    const { s, proxy, url } = await serverWithProxy();
    const c = connect(url, 'alice', { roomReleaseMs: 2000 });
    cleanups.push(() => c.close());
    const room = c.room('demo:lobby');
    const off = room.on('demo:message', () => {});
    await until(() => room.getSnapshot().status === 'joined');
    off(); // release timer armed
    const states: string[] = [];
    c.subscribe(() => states.push(c.state));
    proxy.cutAll();
    // The reconnect can be quicker than a poll: watch the transitions instead.
    await until(() => states.includes('reconnecting') && c.state === 'open');
    const got: number[] = [];
    room.on('demo:message', (m) => got.push(m.n));
    await until(() => room.getSnapshot().status === 'joined');
    await s.publish('demo:lobby', 'demo:message', { from: 'x', n: 1 });
    await until(() => got.length === 1);
  });

  it('a state listener also waits roomReleaseMs before leaving', async () => {
    const s = await startServer();
    cleanups.push(() => s.close());
    const c = connect(s.url, 'alice', { roomReleaseMs: 5000 });
    cleanups.push(() => c.close());
    const room = c.room('demo:lobby');
    const unsubscribe = room.subscribe(() => {});
    await until(() => room.getSnapshot().status === 'joined');
    unsubscribe();
    expect(room.getSnapshot().status).toBe('joined');
  });

  it('the same handler function registered twice counts as two subscriptions', async () => {
    const s = await startServer();
    cleanups.push(() => s.close());
    const c = connect(s.url, 'alice');
    cleanups.push(() => c.close());
    const room = c.room('demo:lobby');
    const got: number[] = [];
    const shared = (m: { n: number }) => got.push(m.n);
    const offA = room.on('demo:message', shared);
    const offB = room.on('demo:message', shared);
    await until(() => room.getSnapshot().status === 'joined');
    offA();
    await s.publish('demo:lobby', 'demo:message', { from: 'x', n: 1 });
    await until(() => got.length === 1);
    offB();
    expect(room.getSnapshot().status).toBe('idle');
  });
});

describe('server', () => {
  it('a leave over the rate limit is still honoured', async () => {
    const s = await startServer({ limits: { messagesPerSecond: 1, burst: 2 } });
    cleanups.push(() => s.close());
    const token = await createDevToken(SECRET, 'raw');
    const ws = new WebSocket(s.url, ['sinyal.v1', `sinyal.bearer.${Buffer.from(token).toString('base64url')}`]);
    cleanups.push(() => ws.close());
    const got: Array<{ t: string }> = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m)) as { t: string }));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ t: 'hello', v: 1 }));
    ws.send(JSON.stringify({ t: 'join', id: 'j1', room: 'demo:lobby' }));
    ws.send(JSON.stringify({ t: 'ping', ts: 1 }));
    ws.send(JSON.stringify({ t: 'leave', room: 'demo:lobby' }));
    await sleep(300);
    await s.publish('demo:lobby', 'demo:message', { from: 'x', n: 1 });
    await sleep(200);
    expect(got.some((f) => f.t === 'event')).toBe(false);
  });

  it('the auth probe answers a refused origin readably (so a browser stops instead of retrying)', async () => {
    const s = await startServer({ origins: ['https://good.example'] });
    cleanups.push(() => s.close());
    const preflight = await fetch(`${s.httpUrl}/ws`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-headers': 'authorization' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://evil.example');
    const probe = await fetch(`${s.httpUrl}/ws`, { headers: { origin: 'https://evil.example', authorization: 'Bearer x' } });
    expect(probe.status).toBe(403);
    expect(probe.headers.get('access-control-allow-origin')).toBe('https://evil.example');
  });
});
