// Leak check: thousands of connect / join / publish / leave / disconnect cycles — the real
// client, raw clients that leave politely, raw sockets that vanish mid-session, refused
// upgrades — against a server with every platform feature mounted. Afterwards the
// connection count, the room registry (rooms this node is subscribed to), the active
// handles and timers, and the heap after a full GC must be back at their baseline.
// Heap figures are taken after full GCs (support.ts turns --expose-gc on at run time).
import { createDevToken, platformFeatures, type SinyalServer } from '@sinyal/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, record, SECRET, sleep, startServer, until } from '../../test-utils/harness';
import { rawClient } from '../../test-utils/rawClient';
import { TrackingStore } from '../../test-utils/trackingStore';
import { encodeFrame, rawConnect, rawSession, sinyalProtocols, upgradeRequest } from '../../test-utils/wsFrames';
import { report, scale } from './scale';
import { gc } from './support';

const ROOMS = 20;
const USERS = 100;

interface Snapshot {
  connections: number;
  subscribedRooms: number;
  members: number;
  resources: Record<string, number>;
  handles: number;
  heapMb: number;
}

describe('resource leaks', () => {
  let server: SinyalServer;
  const store = new TrackingStore();
  const tokens: string[] = [];

  beforeAll(async () => {
    const platform = platformFeatures();
    server = await startServer({
      store,
      features: platform.features,
      // A short heartbeat makes the periodic sweep (which also prunes rate-limit buckets) run every second.
      // Command outcomes are kept for dedupeWindowMs by design; 1 s keeps that retained state out of the heap figure.
      limits: { heartbeatTimeoutMs: 2000, messagesPerSecond: 100_000, burst: 100_000, dedupeWindowMs: 1000 },
    });
    for (let u = 0; u < USERS; u++) tokens.push(await createDevToken(SECRET, `leaky-${u}`));
  });

  afterAll(async () => {
    await server.close();
  });

  async function snapshot(): Promise<Snapshot> {
    await until(() => server.connections() === 0 && store.subscribed.size === 0, 20_000);
    // Let heartbeat sweeps, presence coalescing and close timers run out.
    await sleep(1500);
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(20);
    }
    const resources: Record<string, number> = {};
    for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
    let members = 0;
    for (let r = 0; r < ROOMS; r++) members += server.localMembers(`demo:leak-${r}`) + server.localMembers(`viewers:p-${r}`);
    return {
      connections: server.connections(),
      subscribedRooms: store.subscribed.size,
      members,
      resources,
      handles: (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length,
      heapMb: Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)),
    };
  }

  /** One cycle; the kind rotates so every way in and out of a session is exercised. */
  async function cycle(i: number): Promise<void> {
    const user = `leaky-${i % USERS}`;
    const token = tokens[i % USERS]!;
    const room = `demo:leak-${i % ROOMS}`;
    switch (i % 5) {
      case 0: {
        // The real client: connect, subscribe (join), publish, unsubscribe (leave), close.
        const client = connect(server.url, user, { rooms: { releaseMs: 0 } } as Parameters<typeof connect>[2]);
        const rec = record(client, room);
        await until(() => rec.room.getSnapshot().status === 'joined', 10_000);
        await rec.room.publish('demo:message', { from: user, n: i }).done;
        rec.off();
        client.close();
        return;
      }
      case 1: {
        // Raw client that leaves politely: two rooms (one with presence hooks), a command, leave, close.
        const c = await rawClient(server.url, SECRET, user);
        await c.join(room);
        await c.join(`viewers:p-${i % ROOMS}`);
        c.send({ t: 'cmd', id: `c${i}`, name: 'publish', room, data: { event: 'demo:message', data: { n: i } } });
        await c.next((f) => f.id === `c${i}`);
        c.send({ t: 'leave', room });
        c.close();
        return;
      }
      case 2: {
        // A socket that vanishes mid-session (no leave, no close frame).
        const raw = await rawSession(server.port, token);
        raw.write(encodeFrame({ payload: JSON.stringify({ t: 'join', id: 'j', room }) }));
        raw.write(encodeFrame({ payload: JSON.stringify({ t: 'join', id: 'k', room: `viewers:p-${i % ROOMS}` }) }));
        await raw.nextMessage((m) => m.id === 'k');
        raw.destroy();
        return;
      }
      case 3: {
        // Refused before the upgrade (bad token), and refused after it (wrong protocol version → 4002).
        const refused = await rawConnect(server.port, upgradeRequest({ protocols: sinyalProtocols('not-a-token') }));
        expect(refused.status).toBe(401);
        refused.destroy();
        const raw = await rawConnect(server.port, upgradeRequest({ protocols: sinyalProtocols(token) }));
        raw.write(encodeFrame({ payload: JSON.stringify({ t: 'hello', v: 2 }) }));
        expect((await raw.ended()).closeCode).toBe(4002);
        raw.destroy();
        return;
      }
      default: {
        // A join refused by authorization, then a half-finished join cut off by the close.
        const c = await rawClient(server.url, SECRET, user);
        c.send({ t: 'join', id: 'p', room: 'private:someone-else' });
        c.send({ t: 'join', id: 'q', room });
        c.close();
      }
    }
  }

  async function run(count: number, offset: number, concurrency = 16): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < count) await cycle(offset + next++);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  it(`${scale.leakCycles} connect/join/leave/disconnect cycles return connections, rooms, handles and heap to baseline`, async () => {
    await run(Math.min(500, scale.leakCycles), 0); // warm-up: JIT, caches, per-room history at steady state
    const baseline = await snapshot();
    const started = Date.now();
    await run(scale.leakCycles, 1_000_000);
    const elapsedMs = Date.now() - started;
    const after = await snapshot();
    report('leaks', {
      cycles: scale.leakCycles,
      elapsedMs,
      cyclesPerSecond: Math.round(scale.leakCycles / (elapsedMs / 1000)),
      baseline,
      after,
      heapGrowthMb: Number((after.heapMb - baseline.heapMb).toFixed(1)),
      heapGrowthPerCycleBytes: Math.round(((after.heapMb - baseline.heapMb) * 2 ** 20) / scale.leakCycles),
    });

    expect(after.connections).toBe(0);
    expect(after.subscribedRooms).toBe(0);
    expect(after.members).toBe(0);
    expect(after.handles).toBeLessThanOrEqual(baseline.handles + 2);
    expect(after.resources.Timeout ?? 0).toBeLessThanOrEqual((baseline.resources.Timeout ?? 0) + 2);
    expect(after.resources.TCPSocketWrap ?? 0).toBeLessThanOrEqual(baseline.resources.TCPSocketWrap ?? 0);
    // A leaked session (socket, ws, buffers, room membership) is tens of KB; 1 KB per cycle catches it with room for noise.
    expect(after.heapMb - baseline.heapMb).toBeLessThan(Math.max(8, (scale.leakCycles * 1024) / 2 ** 20));
  });
});
