// The HTTP transport on two nodes sharing Redis, behind a round-robin load balancer with no
// sticky sessions: a stream is held by the node that served it, and a POST that reaches the
// other node is passed to it through the fan-out, in order. Runs in CI (needs Redis).
import { httpTransport } from '@sinyal/client/http';
import type { SinyalServer } from '@sinyal/server';
import { expect, it } from 'vitest';
import { connect, record, sleep, startServer, until } from '../test-utils/harness';
import { createLoadBalancer } from '../test-utils/loadBalancer';
import { redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { cleanup, closeAfter } = redisTest;

async function metric(s: SinyalServer, name: string): Promise<number> {
  const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

redisTest.describe('HTTP transport on two nodes without sticky sessions', () => {
  it('events and commands exactly once, in order, while POSTs land on the node that does not hold the stream', async () => {
    const prefix = redisTest.freshPrefix();
    const nodes: SinyalServer[] = [];
    for (let i = 0; i < 2; i++) nodes.push(closeAfter(await startServer({ store: redisTest.node({ prefix }), limits: { messagesPerSecond: 1000, burst: 1000 } })));
    const lb = await createLoadBalancer({ backends: nodes.map((n) => n.port) });
    cleanup(() => lb.close());
    const users = ['ana', 'ben'];
    const clients = users.map((user) => closeAfter(connect(`ws://127.0.0.1:${lb.port}/ws`, user, { WebSocket: httpTransport() })));
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
    // The POSTs did cross nodes (the client's keep-alive connection for them is not the stream's).
    const forwarded = (await metric(nodes[0]!, 'sinyal_http_forwarded_total')) + (await metric(nodes[1]!, 'sinyal_http_forwarded_total'));
    expect(forwarded).toBeGreaterThan(0);
    expect([...lb.routed.values()].every((count) => count > 0)).toBe(true);
  });
});
