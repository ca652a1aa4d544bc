// Fault injection through a TCP proxy: cuts, stalls and delays between client and server.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultProxy, type FaultProxy } from '../test-utils/faultProxy';
import { connect, record, sleep, startServer, until } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(options);
  cleanups.push(() => s.close());
  const proxy: FaultProxy = await createFaultProxy({ targetPort: s.port });
  cleanups.push(() => proxy.close());
  return { s, proxy, url: `ws://127.0.0.1:${proxy.port}/ws` };
}

describe('fault injection', () => {
  it('a stalled connection is detected by the heartbeat and replaced', async () => {
    const { proxy, url } = await setup();
    const c = connect(url, 'staller', { heartbeat: { intervalMs: 100, timeoutMs: 150 } });
    cleanups.push(() => c.close());
    const r = record(c, 'demo:stall');
    await until(() => r.room.getSnapshot().status === 'joined');
    const before = proxy.accepted();
    proxy.stall(true);
    const stalledAt = Date.now();
    await until(() => c.state !== 'open', 3000);
    const detectedAfterMs = Date.now() - stalledAt;
    // Bounded by interval + timeout (250 ms here); the slack is for a loaded CI machine — the
    // point is that a silent connection is found by the heartbeat, not by TCP minutes later.
    expect(detectedAfterMs).toBeLessThan(2500);
    expect(c.getSnapshot().error?.code).toBe('timeout');
    proxy.stall(false);
    await until(() => c.state === 'open' && r.room.getSnapshot().status === 'joined');
    expect(proxy.accepted()).toBeGreaterThan(before);
    await r.room.publish('demo:message', { from: 'staller', n: 1 }).done;
    await until(() => r.items.length === 1);
  });

  it('works over a slow link (200 ms each way) with order intact', async () => {
    const { proxy, url } = await setup();
    proxy.setDelay(100);
    const c = connect(url, 'slow');
    cleanups.push(() => c.close());
    const r = record(c, 'demo:slow');
    await until(() => r.room.getSnapshot().status === 'joined');
    const acks = Array.from({ length: 30 }, (_, i) => r.room.publish('demo:message', { from: 'slow', n: i + 1 }).done);
    await Promise.all(acks);
    await until(() => r.items.length === 30);
    expect(r.items.map((i) => i.n)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('20 cuts in a row while two clients exchange 500 events: nothing lost, nothing duplicated', async () => {
    // Rate limits are not under test here (see the next test); keep them out of the way.
    const { proxy, url } = await setup({ limits: { messagesPerSecond: 10_000, burst: 10_000 } });
    const alice = connect(url, 'alice');
    const bob = connect(url, 'bob');
    cleanups.push(() => alice.close(), () => bob.close());
    const a = record(alice, 'demo:storm');
    const b = record(bob, 'demo:storm');
    await until(() => a.room.getSnapshot().status === 'joined' && b.room.getSnapshot().status === 'joined');

    let cuts = 0;
    const cutter = (async () => {
      while (cuts < 20) {
        await sleep(60 + Math.random() * 60);
        proxy.cutAll();
        cuts++;
      }
    })();
    const commands = [];
    for (let n = 1; n <= 250; n++) {
      commands.push(a.room.publish('demo:message', { from: 'alice', n }));
      commands.push(b.room.publish('demo:message', { from: 'bob', n }));
      if (n % 10 === 0) await sleep(10);
    }
    await cutter;
    const results = await Promise.all(commands.map((c) => c.done));
    expect(results).toHaveLength(500);
    expect(commands.every((c) => c.status === 'acked')).toBe(true);
    await until(() => a.items.length >= 500 && b.items.length >= 500, 20_000);
    await sleep(300);

    for (const items of [a.items, b.items]) {
      expect(items).toHaveLength(500);
      expect(items.map((i) => i.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      const keys = new Set(items.map((i) => `${i.from}:${i.n}`));
      expect(keys.size).toBe(500);
      // Each sender's own messages arrive in the order they were sent.
      for (const from of ['alice', 'bob']) expect(items.filter((i) => i.from === from).map((i) => i.n)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    }
    expect(a.items).toEqual(b.items);
    // Acked seqs are unique: every command executed exactly once.
    const seqs = results.map((r) => (r as { seq: number }).seq);
    expect(new Set(seqs).size).toBe(500);
    expect(cuts).toBe(20);
  });

  it('a balancer that accepts and closes at once: the status probe never holds back the backoff schedule', async () => {
    // A dead backend behind an L4 balancer: TCP accepted, closed at once. Node's first fetch
    // to such a peer hangs until aborted, so the probe must not stand in the way.
    const balancer = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => balancer.close(resolve)));
    const { port } = balancer.address() as net.AddressInfo;
    const c = connect(`ws://127.0.0.1:${port}/ws`, 'x', { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    cleanups.push(() => c.close());
    const retries: number[] = [];
    c.subscribe(() => {
      const { state, retryAt } = c.getSnapshot();
      if (state === 'reconnecting' && retryAt !== undefined && retryAt !== retries[retries.length - 1]) retries.push(retryAt);
    });
    // Attempts follow the backoff (at most 200 ms apart), not the probe (hung for seconds).
    await until(() => c.getSnapshot().attempt >= 6, 5000);
    expect(c.state).toBe('reconnecting');
    expect(c.getSnapshot().error?.code).toBe('unavailable');
  });

  it('rate-limited commands are retried after retryAfterMs: all land, each once', async () => {
    const { url } = await setup({ limits: { messagesPerSecond: 40, burst: 10 } });
    const writer = connect(url, 'hasty');
    const reader = connect(url, 'reader');
    cleanups.push(() => writer.close(), () => reader.close());
    const w = record(writer, 'demo:limited');
    const r = record(reader, 'demo:limited');
    await until(() => w.room.getSnapshot().status === 'joined' && r.room.getSnapshot().status === 'joined');
    const commands = Array.from({ length: 40 }, (_, i) => w.room.publish('demo:message', { from: 'hasty', n: i + 1 }));
    await Promise.all(commands.map((c) => c.done));
    await until(() => r.items.length === 40);
    await sleep(100);
    expect(new Set(r.items.map((i) => i.n)).size).toBe(40);
    expect(r.items.map((i) => i.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
