// Client ↔ real server over real sockets on 127.0.0.1: delivery, resume, reset, outbox.
import { MemoryStore } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultProxy, type FaultProxy } from '../test-utils/faultProxy';
import { connect, record, sleep, startServer, until } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(options: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(options);
  cleanups.push(() => s.close());
  return s;
}
async function proxyTo(port: number): Promise<FaultProxy> {
  const p = await createFaultProxy({ targetPort: port });
  cleanups.push(() => p.close());
  return p;
}
function client(...args: Parameters<typeof connect>) {
  const c = connect(...args);
  cleanups.push(() => c.close());
  return c;
}
const seqsOf = (items: Array<{ seq: number | undefined }>) => items.map((i) => i.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('rooms over real sockets', () => {
  it('two clients exchange events in a room, in one order, with seq 1..n', async () => {
    const s = await server();
    const alice = client(s.url, 'alice');
    const bob = client(s.url, 'bob');
    const a = record(alice, 'demo:lobby');
    const b = record(bob, 'demo:lobby');
    await until(() => a.room.getSnapshot().status === 'joined' && b.room.getSnapshot().status === 'joined');
    const sends = [];
    for (let n = 1; n <= 10; n++) sends.push((n % 2 ? a : b).room.publish('demo:message', { from: n % 2 ? 'alice' : 'bob', n }).done);
    const results = await Promise.all(sends);
    expect(results.every((r) => r !== null)).toBe(true);
    await until(() => a.items.length === 10 && b.items.length === 10);
    expect(seqsOf(a.items)).toEqual(range(1, 10));
    expect(a.items).toEqual(b.items);
  });

  it('a cut client re-joins and receives every missed event once, in order', async () => {
    const s = await server();
    const proxy = await proxyTo(s.port);
    const listener = client(`ws://127.0.0.1:${proxy.port}/ws`, 'listener');
    const publisher = client(s.url, 'publisher');
    const l = record(listener, 'demo:feed');
    const p = record(publisher, 'demo:feed');
    await until(() => l.room.getSnapshot().status === 'joined' && p.room.getSnapshot().status === 'joined');
    const acks = [];
    for (let n = 1; n <= 60; n++) {
      if (n === 20) proxy.cutAll();
      acks.push(p.room.publish('demo:message', { from: 'publisher', n }).done);
      if (n % 10 === 0) await sleep(20);
    }
    await Promise.all(acks);
    await until(() => l.items.length >= 60);
    await sleep(100);
    expect(l.items.map((i) => i.n)).toEqual(range(1, 60));
    expect(seqsOf(l.items)).toEqual(range(1, 60));
    expect(l.resets).toEqual([]);
    expect(proxy.accepted()).toBeGreaterThanOrEqual(2);
  });

  it('server restarted on the same port with the same store: clients resume without gap or duplicate', async () => {
    const store = new MemoryStore();
    const first = await startServer({ store });
    const port = first.port;
    const listener = client(first.url, 'listener');
    const l = record(listener, 'demo:feed');
    await until(() => l.room.getSnapshot().status === 'joined');
    for (let n = 1; n <= 5; n++) await first.publish('demo:feed', 'demo:message', { from: 'backend', n });
    await until(() => l.items.length === 5);
    await first.close();
    await until(() => listener.state !== 'open');

    const second = await server({ store, port });
    // Published before the listener is back: must be replayed on re-join.
    for (let n = 6; n <= 10; n++) await second.publish('demo:feed', 'demo:message', { from: 'backend', n });
    await until(() => listener.state === 'open' && l.items.length === 10);
    for (let n = 11; n <= 12; n++) await second.publish('demo:feed', 'demo:message', { from: 'backend', n });
    await until(() => l.items.length === 12);
    expect(l.items.map((i) => i.n)).toEqual(range(1, 12));
    expect(seqsOf(l.items)).toEqual(range(1, 12));
    expect(l.resets).toEqual([]);
  });

  it('server restarted with a fresh store: the client gets an explicit reset, never a silent gap', async () => {
    const first = await startServer({ store: new MemoryStore() });
    const port = first.port;
    const listener = client(first.url, 'listener');
    const l = record(listener, 'demo:feed');
    await until(() => l.room.getSnapshot().status === 'joined');
    for (let n = 1; n <= 3; n++) await first.publish('demo:feed', 'demo:message', { from: 'backend', n });
    await until(() => l.items.length === 3);
    await first.close();
    await until(() => listener.state !== 'open');

    const second = await server({ store: new MemoryStore(), port });
    await until(() => l.resets.length === 1);
    expect(l.resets).toEqual(['epoch_changed']);
    await second.publish('demo:feed', 'demo:message', { from: 'backend', n: 100 });
    await until(() => l.items.length === 4);
    expect(l.items[3]).toMatchObject({ n: 100, seq: 1 });
  });

  it('commands issued while disconnected are delivered once, in order, after reconnect', async () => {
    const s = await server();
    const proxy = await proxyTo(s.port);
    const writer = client(`ws://127.0.0.1:${proxy.port}/ws`, 'writer');
    const reader = client(s.url, 'reader');
    const w = record(writer, 'demo:queue');
    const r = record(reader, 'demo:queue');
    await until(() => w.room.getSnapshot().status === 'joined' && r.room.getSnapshot().status === 'joined');
    proxy.refuse(true);
    proxy.cutAll();
    await until(() => writer.state === 'reconnecting');
    const commands = range(1, 15).map((n) => w.room.publish('demo:message', { from: 'writer', n }));
    expect(commands.every((c) => c.status === 'queued')).toBe(true);
    expect(writer.outbox.getSnapshot()).toHaveLength(15);
    await sleep(150);
    proxy.refuse(false);
    await Promise.all(commands.map((c) => c.done));
    expect(commands.every((c) => c.status === 'acked')).toBe(true);
    await until(() => r.items.length === 15 && w.items.length === 15);
    await sleep(100);
    expect(r.items.map((i) => i.n)).toEqual(range(1, 15));
    expect(w.items).toEqual(r.items);
    expect(writer.outbox.getSnapshot()).toHaveLength(0);
  });

  it('a command retried with the same id is executed once', async () => {
    let executed = 0;
    const s = await server({
      commands: {
        'demo:count': async () => {
          executed++;
          await sleep(150);
          return { executed };
        },
      },
    });
    const proxy = await proxyTo(s.port);
    const c = client(`ws://127.0.0.1:${proxy.port}/ws`, 'counter');
    await until(() => c.state === 'open');
    // Same id twice on purpose: the second gets the first's answer.
    const first = await c.request('demo:count' as never, {} as never, { id: 'fixed-1' });
    const second = await c.request('demo:count' as never, {} as never, { id: 'fixed-1' });
    expect(first).toEqual({ executed: 1 });
    expect(second).toEqual({ executed: 1 });
    // In flight when the connection dies: the client resends the id after reconnect.
    const inFlight = c.command('demo:count' as never, {} as never);
    await until(() => executed === 2);
    proxy.cutAll();
    expect(await inFlight.done).toEqual({ executed: 2 });
    await sleep(200);
    expect(executed).toBe(2);
  });

  it('request() resolves with the server answer and rejects with typed errors', async () => {
    const s = await server({
      commands: {
        'demo:echo': ({ data }) => data,
      },
    });
    const c = client(s.url, 'echo');
    await expect(c.request('demo:echo' as never, { hi: 1 } as never)).resolves.toEqual({ hi: 1 });
    await expect(c.request('demo:nope' as never, {} as never)).rejects.toMatchObject({ name: 'SinyalError', code: 'not_found' });
    c.close();
    await expect(c.request('demo:echo' as never, {} as never, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'timeout' });
    expect(c.outbox.getSnapshot()).toHaveLength(0);
  });
});
