import { describe, expect, it } from 'vitest';
import type { EventFrame, ServerFrame } from '@sinyal/protocol';
import { MemoryStore, SinyalServerError, type StoredEvent, type StreamHead } from '../src';
import { metric, RawClient, sleep, startServer, waitFor } from './helpers';

const demoRooms = { demo: { publish: ['demo:msg'] } };

function eventsIn(log: ServerFrame[], room: string): EventFrame[] {
  return log.filter((f): f is EventFrame => f.t === 'event' && f.room === room);
}

async function publishMany(server: { publish(room: string, event: string, data?: unknown): Promise<unknown> }, room: string, n: number) {
  for (let i = 0; i < n; i++) await server.publish(room, 'demo:msg', { i });
}

describe('room joins and authorization', () => {
  it('refuses joins beyond maxRoomsPerSession; re-joining a room already held is fine', async () => {
    const server = await startServer({ rooms: demoRooms, limits: { maxRoomsPerSession: 2 } });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'a', room: 'demo:1' });
    expect(await client.next('joined')).toMatchObject({ id: 'a' });
    client.send({ t: 'join', id: 'b', room: 'demo:2' });
    expect(await client.next('joined')).toMatchObject({ id: 'b' });
    client.send({ t: 'join', id: 'c', room: 'demo:3' });
    expect(await client.next('nack')).toMatchObject({ id: 'c', code: 'forbidden' });
    client.send({ t: 'join', id: 'd', room: 'demo:1' });
    expect(await client.next('joined')).toMatchObject({ id: 'd' });
    client.send({ t: 'leave', room: 'demo:2' });
    client.send({ t: 'join', id: 'e', room: 'demo:3' });
    expect(await client.next('joined')).toMatchObject({ id: 'e' });
  });


  it('refuses unknown kinds (not_found) and unauthorized joins (forbidden), re-authorizing every join', async () => {
    let allowed = true;
    const calls: unknown[] = [];
    const server = await startServer({
      rooms: {
        chat: {
          authorize: (ctx) => {
            calls.push({ user: ctx.user.id, room: ctx.room, kind: ctx.kind, id: ctx.id, params: ctx.params });
            return allowed;
          },
        },
      },
    });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j0', room: 'nope:1' });
    expect(await client.next('nack')).toMatchObject({ id: 'j0', code: 'not_found' });

    client.send({ t: 'join', id: 'j1', room: 'chat:42', params: { as: 'buyer' } });
    expect(await client.next('joined')).toMatchObject({ id: 'j1', room: 'chat:42', seq: 0, resumed: false });
    expect(calls).toEqual([{ user: 'alice', room: 'chat:42', kind: 'chat', id: '42', params: { as: 'buyer' } }]);

    allowed = false;
    client.send({ t: 'join', id: 'j2', room: 'chat:42' });
    expect(await client.next('nack')).toMatchObject({ id: 'j2', code: 'forbidden' });
    expect(calls).toHaveLength(2);
    // The refused re-join also removed the membership.
    await server.publish('chat:42', 'chat:message', { text: 'secret' });
    expect(eventsIn(await client.drain(50), 'chat:42')).toEqual([]);

    // A reconnect re-runs authorize too: nothing is cached.
    allowed = true;
    const again = await RawClient.ready(server);
    again.send({ t: 'join', id: 'j3', room: 'chat:42' });
    await again.next('joined');
    expect(calls).toHaveLength(3);
  });

  it('answers a join with unavailable when the store fails, and keeps the connection', async () => {
    class BrokenStore extends MemoryStore {
      override async head(): Promise<StreamHead> {
        throw new Error('store down');
      }
    }
    const server = await startServer({ store: new BrokenStore(), rooms: demoRooms });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j', room: 'demo:r' });
    expect(await client.next('nack')).toMatchObject({ id: 'j', code: 'unavailable' });
    await server.publish('demo:r', 'demo:msg', {}, { volatile: true });
    client.send({ t: 'ping', ts: 1 });
    await client.next('pong');
    expect(client.pending()).toEqual([]); // not left subscribed
  });

  it('turns authorize errors into nacks: SinyalServerError keeps its code, others are internal', async () => {
    const server = await startServer({
      rooms: {
        a: { authorize: () => { throw new SinyalServerError('conflict', 'room archived'); } },
        b: { authorize: async () => { throw new Error('db down'); } },
      },
    });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j1', room: 'a:1' });
    expect(await client.next('nack')).toMatchObject({ id: 'j1', code: 'conflict', msg: 'room archived' });
    client.send({ t: 'join', id: 'j2', room: 'b:1' });
    expect(await client.next('nack')).toMatchObject({ id: 'j2', code: 'internal' });
  });
});

describe('publish and fan-out', () => {
  it('fans durable events out to every member, sender included, with seq 1, 2, 3', async () => {
    const server = await startServer({ rooms: demoRooms });
    const alice = await RawClient.ready(server, 'alice');
    const bob = await RawClient.ready(server, 'bob');
    const outsider = await RawClient.ready(server, 'carol');
    for (const c of [alice, bob]) {
      c.send({ t: 'join', id: 'j', room: 'demo:r' });
      await c.next('joined');
    }
    for (let i = 1; i <= 3; i++) {
      alice.send({ t: 'cmd', id: `p${i}`, name: 'publish', room: 'demo:r', data: { event: 'demo:msg', data: { text: `m${i}` } } });
      const ack = await alice.next('ack');
      expect(ack).toMatchObject({ id: `p${i}`, data: { seq: i, epoch: expect.any(String) } });
    }
    for (const c of [alice, bob]) {
      await c.next('event', (e) => e.seq === 3);
      expect(eventsIn(c.log, 'demo:r').map((e) => [e.seq, e.name, (e.data as { text: string }).text])).toEqual([
        [1, 'demo:msg', 'm1'],
        [2, 'demo:msg', 'm2'],
        [3, 'demo:msg', 'm3'],
      ]);
    }
    expect(eventsIn(outsider.log, 'demo:r')).toEqual([]);
    // The sender sees its own durable event before the ack.
    const order = alice.log.filter((f) => f.t === 'event' || f.t === 'ack').map((f) => f.t);
    expect(order).toEqual(['event', 'ack', 'event', 'ack', 'event', 'ack']);
  });

  it('enforces publish rules: membership, allowed names, the room kind', async () => {
    const server = await startServer({
      rooms: {
        demo: { publish: ['demo:msg'] },
        guarded: { publish: ({ user, data }) => user.id === 'alice' && (data as { ok?: boolean } | undefined)?.ok === true },
      },
    });
    const client = await RawClient.ready(server);
    const pub = (id: string, room: string, event: string, data?: unknown) =>
      client.send({ t: 'cmd', id, name: 'publish', room, data: { event, ...(data === undefined ? {} : { data }) } });

    pub('c1', 'demo:r', 'demo:msg');
    expect(await client.next('nack')).toMatchObject({ id: 'c1', code: 'forbidden' }); // not joined
    client.send({ t: 'join', id: 'j1', room: 'demo:r' });
    client.send({ t: 'join', id: 'j2', room: 'guarded:r' });
    await client.next('joined');
    await client.next('joined');
    pub('c2', 'demo:r', 'demo:other');
    expect(await client.next('nack')).toMatchObject({ id: 'c2', code: 'forbidden' });
    pub('c3', 'demo:r', 'guarded:msg');
    expect(await client.next('nack')).toMatchObject({ id: 'c3', code: 'bad_request' });
    pub('c4', 'guarded:r', 'guarded:x', { ok: false });
    expect(await client.next('nack')).toMatchObject({ id: 'c4', code: 'forbidden' });
    pub('c5', 'guarded:r', 'guarded:x', { ok: true });
    expect(await client.next('ack')).toMatchObject({ id: 'c5', data: { seq: 1 } });
    client.send({ t: 'cmd', id: 'c6', name: 'publish', room: 'demo:r', data: { nope: 1 } });
    expect(await client.next('nack')).toMatchObject({ id: 'c6', code: 'invalid_frame' });
  });

  it('broadcasts volatile events without epoch/seq and answers null', async () => {
    const server = await startServer({ rooms: { demo: { publish: ['demo:typing', 'demo:msg'] }, presence: { history: 0 } } });
    const alice = await RawClient.ready(server);
    const bob = await RawClient.ready(server, 'bob');
    for (const c of [alice, bob]) {
      c.send({ t: 'join', id: 'j1', room: 'demo:r' });
      c.send({ t: 'join', id: 'j2', room: 'presence:p' });
    }
    const joined = await bob.next('joined', (f) => f.room === 'presence:p');
    expect(joined).toMatchObject({ seq: 0, resumed: false, epoch: expect.any(String) });
    await alice.next('joined', (f) => f.room === 'presence:p');

    alice.send({ t: 'cmd', id: 'v1', name: 'publish', room: 'demo:r', data: { event: 'demo:typing', volatile: true } });
    expect(await alice.next('ack')).toEqual({ t: 'ack', id: 'v1', data: null });
    const typing = await bob.next('event', (e) => e.name === 'demo:typing');
    expect(typing).not.toHaveProperty('seq');
    expect(typing).not.toHaveProperty('epoch');

    expect(await server.publish('presence:p', 'presence:count', { n: 2 })).toBeNull();
    expect(await bob.next('event', (e) => e.room === 'presence:p')).toMatchObject({ name: 'presence:count', data: { n: 2 } });
    // Volatile publishes do not consume seqs.
    expect(await server.publish('demo:r', 'demo:msg', {})).toMatchObject({ seq: 1 });
  });

  it('server.publish validates its input', async () => {
    const server = await startServer({ rooms: demoRooms });
    await expect(server.publish('nope:1', 'nope:x')).rejects.toMatchObject({ code: 'not_found' });
    // Server-side publishes may carry any kind's event (a user feed carries auction:outbid…).
    await expect(server.publish('demo:1', 'chat:x')).resolves.toMatchObject({ seq: 1 });
    await expect(server.publish('bad room', 'demo:x')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(server.publish('constructor:1', 'constructor:x')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stops delivering after leave', async () => {
    const server = await startServer({ rooms: demoRooms });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j', room: 'demo:r' });
    await client.next('joined');
    client.send({ t: 'leave', room: 'demo:r' });
    client.send({ t: 'ping', ts: 1 });
    await client.next('pong');
    await server.publish('demo:r', 'demo:msg');
    expect(eventsIn(await client.drain(50), 'demo:r')).toEqual([]);
  });
});

describe('resume', () => {
  it('replays exactly the missed events after from, then live ones', async () => {
    const server = await startServer({ rooms: demoRooms });
    const first = await RawClient.ready(server);
    first.send({ t: 'join', id: 'j', room: 'demo:r' });
    const { epoch } = await first.next('joined');
    await publishMany(server, 'demo:r', 2);
    await first.next('event', (e) => e.seq === 2);
    first.close();
    await first.closed;
    await publishMany(server, 'demo:r', 3); // seq 3, 4, 5 missed

    const second = await RawClient.ready(server);
    second.send({ t: 'join', id: 'j', room: 'demo:r', from: { epoch, seq: 2 } });
    expect(await second.next('joined')).toMatchObject({ resumed: true, epoch, seq: 2 });
    await server.publish('demo:r', 'demo:msg', { live: true });
    await second.next('event', (e) => e.seq === 6);
    expect(second.log.filter((f) => f.t !== 'welcome').map((f) => (f.t === 'event' ? f.seq : f.t))).toEqual(['joined', 3, 4, 5, 6]);
  });

  it('a re-join of a joined room acts as a resync', async () => {
    const server = await startServer({ rooms: demoRooms });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j1', room: 'demo:r' });
    const { epoch } = await client.next('joined');
    await publishMany(server, 'demo:r', 3);
    await client.next('event', (e) => e.seq === 3);
    await client.drain(0);
    client.send({ t: 'join', id: 'j2', room: 'demo:r', from: { epoch, seq: 1 } });
    expect(await client.next('joined', (f) => f.id === 'j2')).toMatchObject({ resumed: true, seq: 1 });
    expect((await client.drain(50)).map((f) => (f as EventFrame).seq)).toEqual([2, 3]);
  });

  it('answers reset history_truncated / position_ahead / epoch_changed with the head position', async () => {
    const store = new MemoryStore();
    const server = await startServer({ store, rooms: { demo: { history: 3 } } });
    await publishMany(server, 'demo:r', 6);
    const epoch = await store.epoch();
    const client = await RawClient.ready(server);

    client.send({ t: 'join', id: 'j1', room: 'demo:r', from: { epoch, seq: 3 } }); // needs 4..6: retained
    expect(await client.next('joined')).toMatchObject({ resumed: true, seq: 3 });
    client.send({ t: 'join', id: 'j2', room: 'demo:r', from: { epoch, seq: 2 } }); // needs 3: trimmed
    expect(await client.next('joined', (f) => f.id === 'j2')).toMatchObject({ resumed: false, epoch, seq: 6 });
    expect(await client.next('reset')).toEqual({ t: 'reset', room: 'demo:r', epoch, seq: 6, reason: 'history_truncated' });
    client.send({ t: 'join', id: 'j3', room: 'demo:r', from: { epoch, seq: 9 } });
    expect(await client.next('reset')).toMatchObject({ seq: 6, reason: 'position_ahead' });
    client.send({ t: 'join', id: 'j4', room: 'demo:r', from: { epoch: 'other', seq: 1 } });
    expect(await client.next('reset')).toMatchObject({ seq: 6, reason: 'epoch_changed' });
    // joined always precedes its reset
    const order = client.log.filter((f) => f.t === 'joined' || f.t === 'reset').map((f) => f.t);
    expect(order).toEqual(['joined', 'joined', 'reset', 'joined', 'reset', 'joined', 'reset']);
  });

  it('after a restart: a new store means epoch_changed, the same store means resume', async () => {
    const store = new MemoryStore();
    const first = await startServer({ store, rooms: demoRooms });
    const port = first.port;
    await publishMany(first, 'demo:r', 2);
    const client = await RawClient.ready(first);
    client.send({ t: 'join', id: 'j', room: 'demo:r' });
    const position = await client.next('joined');
    expect(position.seq).toBe(2);
    await first.close();
    expect((await client.closed).code).toBe(1012);

    const sameStore = await startServer({ port, store, rooms: demoRooms });
    await publishMany(sameStore, 'demo:r', 1);
    const resumed = await RawClient.ready(sameStore);
    resumed.send({ t: 'join', id: 'j', room: 'demo:r', from: { epoch: position.epoch, seq: 2 } });
    expect(await resumed.next('joined')).toMatchObject({ resumed: true, seq: 2 });
    expect(await resumed.next('event')).toMatchObject({ seq: 3 });
    await sameStore.close();

    const fresh = await startServer({ port, rooms: demoRooms });
    const reset = await RawClient.ready(fresh);
    reset.send({ t: 'join', id: 'j', room: 'demo:r', from: { epoch: position.epoch, seq: 2 } });
    expect(await reset.next('joined')).toMatchObject({ resumed: false, seq: 0 });
    expect(await reset.next('reset')).toMatchObject({ reason: 'epoch_changed', seq: 0 });
  });

  it('loses and duplicates nothing when events are published while the store is being read', async () => {
    // A store that lets the test publish in the middle of a join's reads.
    class RacyStore extends MemoryStore {
      duringRead: (() => Promise<void>) | undefined;
      override async head(room: string): Promise<StreamHead> {
        const head = await super.head(room); // snapshot first, then events arrive
        await this.duringRead?.();
        return head;
      }
      override async readAfter(room: string, afterSeq: number): Promise<StoredEvent[] | 'truncated'> {
        await this.duringRead?.(); // events arrive first, then the read sees them too
        return super.readAfter(room, afterSeq);
      }
    }
    const store = new RacyStore();
    const server = await startServer({ store, rooms: demoRooms });
    await publishMany(server, 'demo:r', 2);
    const epoch = await store.epoch();
    store.duringRead = () => publishMany(server, 'demo:r', 2);

    const fresh = await RawClient.ready(server);
    fresh.send({ t: 'join', id: 'j', room: 'demo:r' }); // head → 2 more published
    const joined = await fresh.next('joined');
    expect(joined.seq).toBe(2);
    await fresh.next('event', (e) => e.seq === 4);

    const resuming = await RawClient.ready(server, 'bob');
    resuming.send({ t: 'join', id: 'j', room: 'demo:r', from: { epoch, seq: 1 } }); // head and readAfter → 4 more
    expect(await resuming.next('joined')).toMatchObject({ resumed: true, seq: 1 });
    store.duringRead = undefined;
    await server.publish('demo:r', 'demo:msg'); // seq 9
    await resuming.next('event', (e) => e.seq === 9);
    await fresh.next('event', (e) => e.seq === 9);
    await sleep(20);

    expect(eventsIn(fresh.log, 'demo:r').map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(eventsIn(resuming.log, 'demo:r').map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('event data is serialised once per publish', () => {
  it('refuses data JSON cannot carry (cycle, BigInt, function) or nested over 100 levels as bad_request, and takes no seq', async () => {
    const server = await startServer({ rooms: { demo: {} } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 'leaf';
    for (let i = 0; i < 101; i++) deep = [deep];
    let ok: unknown = 'leaf';
    for (let i = 0; i < 100; i++) ok = { k: ok };
    for (const bad of [cyclic, { n: 10n }, () => 1, deep]) {
      await expect(server.publish('demo:a', 'demo:e', bad)).rejects.toMatchObject({ code: 'bad_request' });
    }
    // Brackets inside strings do not count as nesting; exactly 100 levels is fine.
    expect(await server.publish('demo:a', 'demo:e', { text: '[[[[{{{{'.repeat(100) })).toMatchObject({ seq: 1 });
    expect(await server.publish('demo:a', 'demo:e', ok)).toMatchObject({ seq: 2 });
  });
});

describe('live events held back during a join are bounded', () => {
  /** A store that, having read the head of `demo:busy`, waits until the test opens the gate (a slow store). */
  class GatedStore extends MemoryStore {
    gate: Promise<void> | undefined;
    reading = false;
    override async head(room: string): Promise<StreamHead> {
      const head = await super.head(room);
      if (room === 'demo:busy' && this.gate) {
        this.reading = true;
        await this.gate;
      }
      return head;
    }
  }
  const heldBytes = (server: { httpUrl: string }) => metric(server.httpUrl, 'sinyal_join_held_bytes');
  const payload = 'x'.repeat(1000);

  /** Bob joins `demo:busy` while the store waits, and `n` events of 1 KB are published meanwhile; `open` lets the store answer. */
  async function joinDuringEvents(store: GatedStore, server: Awaited<ReturnType<typeof startServer>>, n: number): Promise<{ bob: RawClient; open: () => void }> {
    let open!: () => void;
    store.gate = new Promise<void>((resolve) => (open = resolve));
    const bob = await RawClient.ready(server, 'bob');
    bob.send({ t: 'join', id: 'j', room: 'demo:busy' });
    await waitFor(() => store.reading);
    for (let i = 0; i < n; i++) await server.publish('demo:busy', 'demo:msg', { i, payload });
    return { bob, open };
  }

  it('under the bound: held while the store is read, delivered once after, and the gauge back to 0', async () => {
    const store = new GatedStore();
    const server = await startServer({ store, rooms: demoRooms, limits: { maxBufferedBytes: 64 * 1024 } });
    const { bob, open } = await joinDuringEvents(store, server, 10);
    expect(await heldBytes(server)).toBeGreaterThan(10 * 1000);
    open();
    expect(await bob.next('joined')).toMatchObject({ resumed: false, seq: 0 });
    await bob.next('event', (e) => e.seq === 10);
    await sleep(20);
    expect(eventsIn(bob.log, 'demo:busy').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await heldBytes(server)).toBe(0);
    await server.close();
  });

  it('past maxBufferedBytes the joining connection is dropped as a slow consumer (4009), the others keep receiving, and a resume gets every event', async () => {
    const store = new GatedStore();
    const server = await startServer({ store, rooms: demoRooms, limits: { maxBufferedBytes: 16 * 1024 } });
    const alice = await RawClient.ready(server, 'alice');
    alice.send({ t: 'join', id: 'j', room: 'demo:busy' });
    await alice.next('joined');
    const { bob, open } = await joinDuringEvents(store, server, 40);
    expect((await bob.closed).code).toBe(4009);
    expect(await heldBytes(server)).toBe(0);
    open();
    store.gate = undefined;
    await alice.next('event', (e) => e.seq === 40);
    expect(eventsIn(alice.log, 'demo:busy').map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Back with its position (it had none: from the start of the room), bob gets every event once.
    const again = await RawClient.ready(server, 'bob');
    again.send({ t: 'join', id: 'j2', room: 'demo:busy', from: { epoch: await store.epoch(), seq: 0 } });
    expect(await again.next('joined')).toMatchObject({ resumed: true, seq: 0 });
    await again.next('event', (e) => e.seq === 40);
    expect(eventsIn(again.log, 'demo:busy').map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await server.close();
  });
});
