// A node killed (SIGKILL) with commands in flight, with the default claim lease and node
// liveness: its clients move to another node and every command is answered there soon —
// not after the 15 s lease — exactly once, without holding up the connection's other frames.
import { expect, it } from 'vitest';
import { createDevToken } from '@sinyal/server';
import { createClient, type ClientOptions } from '@sinyal/client';
import WebSocket from 'ws';
import { createLoadBalancer } from '../test-utils/loadBalancer';
import { startNode, type NodeProcess } from '../test-utils/nodeCluster';
import { record, SECRET, sleep, until, type TestEvents } from '../test-utils/harness';
import { REDIS_URL, redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { prefix, cleanup } = redisTest;

/** Every claim lease and liveness setting at its default (no commandLeaseMs override). */
async function nodes(count: number): Promise<NodeProcess[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startNode({ redisUrl: REDIS_URL, prefix, secret: SECRET })));
  for (const n of started) cleanup(() => n.kill());
  return started;
}

redisTest.describe('a node killed with commands in flight (default lease and liveness)', () => {
  it('its clients re-join elsewhere and every command is answered once, long before the lease runs out', async () => {
    const cluster = await nodes(3);
    const lb = await createLoadBalancer({ backends: cluster.map((n) => n.port) });
    cleanup(() => lb.close());
    const users = ['k0', 'k1', 'k2'];
    const clients = users.map((user) => {
      const c = createClient<TestEvents>({
        url: `ws://127.0.0.1:${lb.port}/ws`,
        token: () => createDevToken(SECRET, user),
        WebSocket: WebSocket as unknown as NonNullable<ClientOptions['WebSocket']>,
        onError: () => {},
      });
      cleanup(() => c.close());
      return c;
    });
    const recs = clients.map((c) => record(c, 'demo:slow'));
    await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'));
    expect([...lb.routed.values()]).toEqual([1, 1, 1]);

    // Each client starts a slow command, then more commands behind it on the same connection.
    const slow = clients.map((c, i) => (c as unknown as { command(name: string, data: unknown): { done: Promise<unknown>; status: string } }).command('test:slow', { ms: 400, n: i }));
    const behind = recs.map((r, i) => Array.from({ length: 5 }, (_, k) => r.room.publish('demo:message', { from: users[i]!, n: 100 + k })));
    await sleep(150); // the slow commands are claimed and running on their nodes
    const killedAt = Date.now();
    await cluster[0]!.kill();

    await Promise.all([...slow.map((c) => c.done), ...behind.flat().map((c) => c.done)]);
    const answeredAfterMs = Date.now() - killedAt;
    // Taken over when the dead node's liveness key expired, not after the 15 s claim lease.
    expect(answeredAfterMs).toBeLessThan(8000);
    await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'));

    // Each slow command ran exactly once: one event per n in the room, seen by every client.
    await until(() => recs.every((r) => r.items.filter((i) => i.n < 100).length === 3), 10_000);
    await sleep(200);
    for (const r of recs) {
      expect(r.items.filter((i) => i.n < 100).map((i) => i.n).sort()).toEqual([0, 1, 2]);
      expect(r.items.filter((i) => i.n >= 100)).toHaveLength(15);
      expect(new Set(r.items.map((i) => i.seq)).size).toBe(r.items.length);
    }
  });
});
