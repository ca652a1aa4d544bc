// The client's HTTP transport (`@sinyal/client/http`) against the real server over real
// sockets on 127.0.0.1: HTTP only (stream and long-poll), the fallback when a middlebox
// refuses upgrades and the move back, a proxy that buffers the stream, and exactly-once
// delivery in order with random cuts of the HTTP connections.
import type { ClientOptions, SinyalClient } from '@sinyal/client';
import { httpFallback, httpTransport } from '@sinyal/client/http';
import type { SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createFaultProxy, type FaultProxy } from '../test-utils/faultProxy';
import { connect, metric, record, sleep, startServer, until, type TestEvents } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(serverOptions: Parameters<typeof startServer>[0] = {}): Promise<{ s: SinyalServer; proxy: FaultProxy; url: string }> {
  const s = await startServer(serverOptions);
  cleanups.push(() => s.close());
  const proxy = await createFaultProxy({ targetPort: s.port });
  cleanups.push(() => proxy.close());
  return { s, proxy, url: `ws://127.0.0.1:${proxy.port}/ws` };
}

function client(url: string, user: string, options: Partial<ClientOptions>): SinyalClient<TestEvents> {
  const c = connect(url, user, options);
  cleanups.push(() => c.close());
  return c;
}

describe('HTTP transport only', () => {
  for (const longPoll of [false, true]) {
    it(`${longPoll ? 'long-poll' : 'stream'}: connects, joins, receives, publishes and gets acks`, async () => {
      const { s, url } = await setup();
      // The harness also passes `WebSocket: ws`; `transports` wins over it.
      const c = client(url, 'alice', { transports: httpTransport({ longPoll }) });
      const rec = record(c, 'demo:http');
      await until(() => c.state === 'open' && rec.room.getSnapshot().status === 'joined');
      expect(await metric(s.httpUrl, 'sinyal_http_connections')).toBe(1);
      expect(s.connections()).toBe(1);
      await s.publish('demo:http', 'demo:message', { from: 'server', n: 1 });
      const sent = rec.room.publish('demo:message', { from: 'alice', n: 2 });
      await sent.done;
      await until(() => rec.items.length === 2);
      expect(rec.items.map((i) => [i.n, i.seq])).toEqual([
        [1, 1],
        [2, 2],
      ]);
      expect(c.user).toBe('alice');
    });
  }

  it('a burst larger than one POST goes out in several batches, in order', async () => {
    const { url } = await setup({ limits: { messagesPerSecond: 1000, burst: 1000 } });
    const requests: string[] = [];
    const spy: typeof fetch = (input, init) => {
      requests.push(String(input).replace(/^.*\/http\//, '').replace(/\?.*$/, ''));
      return fetch(input, init);
    };
    const c = client(url, 'alice', { transports: httpTransport({ fetch: spy }) });
    const rec = record(c, 'demo:burst');
    await until(() => c.state === 'open' && rec.room.getSnapshot().status === 'joined');
    const before = requests.filter((r) => r === 'send').length;
    // 60 messages of ~4 KB: about 240 KB of frames, several POSTs of at most 64 K characters.
    const sent = Array.from({ length: 60 }, (_, n) => rec.room.publish('demo:message', { from: 'alice', n, text: 'z'.repeat(4000) }).done);
    await Promise.all(sent);
    await until(() => rec.items.length === 60);
    expect(rec.items.map((i) => i.n)).toEqual([...Array(60).keys()]);
    expect(requests.filter((r) => r === 'send').length - before).toBeGreaterThanOrEqual(4);
  });

  it('a refused token ends in failed (the status probe reads the refusal), not a reconnect loop', async () => {
    const { url } = await setup();
    const c = client(url, 'alice', { transports: httpTransport(), token: 'not-a-token' });
    await until(() => c.state === 'failed');
    expect(c.getSnapshot().error?.code).toBe('unauthorized');
  });
});

describe('fallback: WebSocket first, HTTP when upgrades fail, back when they work', () => {
  it('the proxy refuses upgrades → HTTP after 2 failures; upgrades allowed again → back on WebSocket, no gap, no duplicate', async () => {
    const { s, proxy, url } = await setup();
    proxy.refuseUpgrades(true);
    const c = client(url, 'alice', { transports: httpFallback({ WebSocket: WebSocket as unknown as ClientOptions['WebSocket'], after: 2, probeIntervalMs: 300 }) });
    const rec = record(c, 'demo:switch');
    await until(() => c.state === 'open' && rec.room.getSnapshot().status === 'joined');
    expect(proxy.upgradesRefused()).toBe(2);
    expect(await metric(s.httpUrl, 'sinyal_http_connections')).toBe(1);

    let n = 0;
    const publishing = (async () => {
      while (n < 200) {
        await s.publish('demo:switch', 'demo:message', { from: 'server', n: n++ });
        await sleep(5);
      }
    })();
    await until(() => rec.items.length >= 20);
    proxy.refuseUpgrades(false);
    // The background probe gets through: the client moves back to WebSocket.
    await vi.waitFor(async () => expect((await metric(s.httpUrl, 'sinyal_http_connections')) === 0 && c.state === 'open').toBe(true), { timeout: 10_000, interval: 50 });
    await publishing;
    await until(() => rec.items.length >= 200);
    await sleep(100);
    expect(rec.items.map((i) => i.n)).toEqual([...Array(200).keys()]);
    expect(rec.resets).toEqual([]);
    expect(s.connections()).toBe(1);
  });

  it('no WebSocket at all → HTTP from the first attempt', async () => {
    const { s, proxy, url } = await setup();
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    delete g.WebSocket;
    cleanups.push(() => (g.WebSocket = saved));
    const c = client(url, 'alice', { transports: httpFallback() });
    await until(() => c.state === 'open');
    expect(proxy.accepted()).toBeGreaterThan(0);
    expect(await metric(s.httpUrl, 'sinyal_http_connections')).toBe(1);
  });
});

describe('a proxy that buffers the stream', () => {
  it('nothing arrives on the stream → long-poll, and everything works', async () => {
    const { s, proxy, url } = await setup();
    proxy.bufferEventStreams(true);
    const requests: string[] = [];
    const spy: typeof fetch = (input, init) => {
      requests.push(String(input).replace(/^.*\/http\//, '').replace(/\?.*$/, ''));
      return fetch(input, init);
    };
    const c = client(url, 'alice', { transports: httpTransport({ streamTimeoutMs: 500, fetch: spy }), connectTimeoutMs: 5000 });
    const rec = record(c, 'demo:buffered');
    await until(() => c.state === 'open' && rec.room.getSnapshot().status === 'joined');
    await rec.room.publish('demo:message', { from: 'alice', n: 1 }).done;
    await s.publish('demo:buffered', 'demo:message', { from: 'server', n: 2 });
    await until(() => rec.items.length === 2);
    expect(rec.items.map((i) => i.n)).toEqual([1, 2]);
    // One stream tried, then a new connection long-polled; never a stream again.
    expect(requests.filter((r) => r === 'stream')).toHaveLength(1);
    expect(requests.slice(0, 2)).toEqual(['stream', 'open']);
    expect(requests).toContain('poll');
  });
});

describe('exactly once, in order, with random cuts of the HTTP connections', () => {
  for (const longPoll of [false, true]) {
    it(`${longPoll ? 'long-poll' : 'stream'}: 1,000 server events and 100 client commands`, async () => {
      const { s, proxy, url } = await setup({ limits: { messagesPerSecond: 1000, burst: 1000 } });
      const c = client(url, 'alice', { transports: httpTransport({ longPoll }) });
      const rec = record(c, 'demo:cuts');
      await until(() => c.state === 'open' && rec.room.getSnapshot().status === 'joined');

      let cuts = 0;
      let cutting = true;
      const cutter = (async () => {
        while (cutting) {
          await sleep(50 + Math.random() * 200);
          if (cutting && proxy.cutAll() > 0) cuts++;
        }
      })();
      let reconnects = 0;
      c.subscribe(() => void (c.state === 'reconnecting' && reconnects++));
      const commands: Array<Promise<unknown>> = [];
      for (let n = 0; n < 1000; n++) {
        await s.publish('demo:cuts', 'demo:message', { from: 'server', n });
        // The client's commands go out meanwhile, through the outbox, cuts or not.
        if (n % 10 === 0) commands.push(rec.room.publish('demo:message', { from: 'alice', n: 10_000 + n / 10 }).done);
        if (n % 4 === 0) await sleep(10);
      }
      await Promise.all(commands);
      cutting = false;
      await cutter;
      await until(() => rec.items.length >= 1100, 30_000);
      await sleep(200);

      const fromServer = rec.items.filter((i) => i.from === 'server').map((i) => i.n);
      const fromClient = rec.items.filter((i) => i.from === 'alice').map((i) => i.n);
      expect(fromServer).toEqual([...Array(1000).keys()]);
      // Each command ran once (the outbox re-sends, the server answers a repeat from memory)
      // and in the order sent.
      expect(fromClient).toEqual(Array.from({ length: 100 }, (_, i) => 10_000 + i));
      const seqs = rec.items.map((i) => i.seq!);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(rec.resets).toEqual([]);
      expect(cuts).toBeGreaterThan(3);
      expect(reconnects).toBeGreaterThan(3);
    });
  }
});
