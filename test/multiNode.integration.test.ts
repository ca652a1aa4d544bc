// Three server processes on one Redis behind a round-robin load balancer: one order for
// everyone, dedupe across nodes, and a node killed with SIGKILL mid-flow.
import { expect, it } from 'vitest';
import { createLoadBalancer } from '../test-utils/loadBalancer';
import { startNode, type NodeProcess } from '../test-utils/nodeCluster';
import { connect, record, SECRET, sleep, until } from '../test-utils/harness';
import { rawClient } from '../test-utils/rawClient';
import { REDIS_URL, redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { prefix, cleanup } = redisTest;

async function nodes(count: number, redisUrl = REDIS_URL): Promise<NodeProcess[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startNode({ redisUrl, prefix, secret: SECRET, commandLeaseMs: 2000 })));
  for (const n of started) cleanup(() => n.kill());
  return started;
}
const client = (...args: Parameters<typeof connect>) => redisTest.closeAfter(connect(...args));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

redisTest.describe('three server processes behind a load balancer', () => {
  it('kill -9 of one node mid-flow: its clients move to another node, resume, and nothing is lost or duplicated', async () => {
    const cluster = await nodes(3);
    const lb = await createLoadBalancer({ backends: cluster.map((n) => n.port) });
    cleanup(() => lb.close());
    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
    const recs = users.map((user) => record(client(`ws://127.0.0.1:${lb.port}/ws`, user), 'demo:chat'));
    await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'));
    expect([...lb.routed.values()]).toEqual([2, 2, 2]); // spread over the three nodes

    const rounds = 40;
    const commands = [];
    for (let n = 1; n <= rounds; n++) {
      if (n === 15) await cluster[1]!.kill();
      for (const [i, r] of recs.entries()) commands.push(r.room.publish('demo:message', { from: users[i]!, n }));
      await sleep(15);
    }
    const results = await Promise.all(commands.map((c) => c.done));
    expect(commands.every((c) => c.status === 'acked')).toBe(true);
    const total = rounds * users.length;
    await until(() => recs.every((r) => r.items.length >= total), 30_000);
    await sleep(300);

    for (const r of recs) {
      expect(r.items.map((i) => i.seq)).toEqual(range(1, total));
      expect(r.items).toEqual(recs[0]!.items); // one order for everyone
      expect(r.resets).toEqual([]);
    }
    const keys = new Set(recs[0]!.items.map((i) => `${i.from}:${i.n}`));
    expect(keys.size).toBe(total); // no duplicate
    for (const user of users) expect(recs[0]!.items.filter((i) => i.from === user).map((i) => i.n)).toEqual(range(1, rounds));
    expect(new Set(results.map((r) => (r as { seq: number }).seq)).size).toBe(total); // each command ran once
    const routedTotal = [...lb.routed.values()].reduce((a, b) => a + b, 0);
    expect(routedTotal).toBeGreaterThanOrEqual(8); // the killed node's two clients reconnected elsewhere
  });

  it('the same command id sent to two processes at once runs once', async () => {
    const [a, , c] = await nodes(3);
    const x = await rawClient(a!.url, SECRET, 'dana');
    const y = await rawClient(c!.url, SECRET, 'dana');
    cleanup(() => x.close(), () => y.close());
    await Promise.all([x.join('demo:dedupe'), y.join('demo:dedupe')]);
    for (let i = 1; i <= 10; i++) {
      const cmd = { t: 'cmd', id: `cmd-${i}`, name: 'publish', room: 'demo:dedupe', data: { event: 'demo:message', data: { from: 'dana', n: i } } };
      x.send(cmd);
      y.send(cmd);
    }
    const acks = await Promise.all(range(1, 10).flatMap((i) => [x.next((f) => f.id === `cmd-${i}`), y.next((f) => f.id === `cmd-${i}`)]));
    for (let i = 0; i < 10; i++) expect(acks[2 * i]).toEqual(acks[2 * i + 1]);
    expect(acks.every((f) => f.t === 'ack')).toBe(true);
    await sleep(300);
    for (const r of [x, y]) expect(r.frames.filter((f) => f.t === 'event').map((f) => f.seq)).toEqual(range(1, 10));
  });

  it('a process whose Redis is unreachable reports 503 on /health and turns new connections away (503)', async () => {
    const [down] = await nodes(1, 'redis://127.0.0.1:1');
    let res = await fetch(`${down!.httpUrl}/health`);
    for (let i = 0; i < 100 && res.status !== 503; i++) {
      await sleep(20); // the first connection attempt may still be under way
      res = await fetch(`${down!.httpUrl}/health`);
    }
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'degraded', redis: 'down' });
    await expect(rawClient(down!.url, SECRET, 'erin')).rejects.toThrow(/503/);
  });
});
