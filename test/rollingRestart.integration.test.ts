// A rolling restart: two server processes on one Redis behind a round-robin load balancer;
// each node in turn gets SIGTERM (graceful: stop accepting, finish the running command,
// close 1012, close Redis, exit 0) while its clients have commands on the wire and queued,
// and is replaced by a fresh process. Nothing may be lost, nothing executed twice.
import { expect, it } from 'vitest';
import { createLoadBalancer } from '../test-utils/loadBalancer';
import { startNode, type NodeProcess } from '../test-utils/nodeCluster';
import { connect, record, SECRET, sleep, until } from '../test-utils/harness';
import { REDIS_URL, redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { prefix, cleanup } = redisTest;

async function node(): Promise<NodeProcess> {
  const started = await startNode({ redisUrl: REDIS_URL, prefix, secret: SECRET });
  cleanup(() => started.kill());
  return started;
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

redisTest.describe('rolling restart of two server processes (SIGTERM)', () => {
  it('restarts each node in turn while its clients have queued commands: nothing lost, nothing run twice', async () => {
    let nodes = [await node(), await node()];
    const lb = await createLoadBalancer({ backends: nodes.map((n) => n.port) });
    cleanup(() => lb.close());
    const users = ['r0', 'r1', 'r2', 'r3'];
    const recs = users.map((user) => {
      const c = connect(`ws://127.0.0.1:${lb.port}/ws`, user);
      cleanup(() => c.close());
      return record(c, 'demo:rolling');
    });
    await until(() => recs.every((r) => r.room.getSnapshot().status === 'joined'));
    expect([...lb.routed.values()]).toEqual([2, 2]); // two clients on each node

    /** SIGTERM node `i`, check it exited cleanly, replace it with a fresh process. */
    const restart = async (i: number) => {
      const old = nodes[i]!;
      await old.stop();
      expect(old.child.signalCode).toBeNull();
      expect(old.child.exitCode).toBe(0); // graceful: drained and closed Redis, no forced exit
      const fresh = await node();
      nodes = nodes.map((n, j) => (j === i ? fresh : n));
      lb.setBackends(nodes.map((n) => n.port));
    };

    const commands: Array<ReturnType<(typeof recs)[number]['room']['publish']>> = [];
    let publishes = 0;
    const publishRound = (n: number) => {
      for (const [i, r] of recs.entries()) commands.push(r.room.publish('demo:message', { from: users[i]!, n }));
      publishes++;
    };
    let restarting: Promise<void> | undefined;
    for (let n = 1; n <= 60; n++) {
      if (n === 15 || n === 40) {
        await restarting;
        // A burst right before the signal: commands on the wire, in the node's queue, and
        // in the clients' outboxes while they reconnect.
        for (let k = 0; k < 5; k++) publishRound(n * 100 + k);
        restarting = restart(n === 15 ? 0 : 1);
      }
      publishRound(n);
      await sleep(15);
    }
    await restarting;

    const results = await Promise.all(commands.map((c) => c.done));
    expect(commands.every((c) => c.status === 'acked')).toBe(true);
    const total = publishes * users.length;
    await until(() => recs.every((r) => r.items.length >= total), 30_000);
    await sleep(300);

    for (const r of recs) {
      expect(r.items.map((i) => i.seq)).toEqual(range(1, total)); // no gap, no duplicate
      expect(r.items).toEqual(recs[0]!.items); // one order for everyone
      expect(r.resets).toEqual([]);
    }
    const keys = new Set(recs[0]!.items.map((i) => `${i.from}:${i.n}`));
    expect(keys.size).toBe(total);
    expect(new Set(results.map((r) => (r as { seq: number }).seq)).size).toBe(total); // each command ran once
    // Every client of a restarted node reconnected through the balancer (4 initial + 2 + 2 at least).
    expect([...lb.routed.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(8);
  });
});
