import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@sinyal/protocol';
import type { SinyalServer } from '../src';
import { RawClient, startServer } from './helpers';

type WriteFn = (this: Socket, ...args: unknown[]) => void;
const proto = Socket.prototype as unknown as { _write: WriteFn; _writev: WriteFn };
const original = { _write: proto._write, _writev: proto._writev };
afterEach(() => {
  proto._write = original._write;
  proto._writev = original._writev;
});

/**
 * Counts the socket writes (`_write` / `_writev` calls, one system call each) the server
 * makes, i.e. on the sockets whose local port is the server's.
 */
function countServerWrites(server: SinyalServer): { readonly writes: number } {
  const counter = { writes: 0 };
  for (const name of ['_write', '_writev'] as const) {
    const inner = original[name];
    proto[name] = function (this: Socket, ...args: unknown[]) {
      if (this.localPort === server.port) counter.writes++;
      return inner.apply(this, args);
    };
  }
  return counter;
}

/** What a member can observe of a frame: its type, identity and data (less the server's random epoch), never the timing. */
function observable(frame: ServerFrame) {
  const f = frame as { t: string; id?: string; seq?: number; data?: unknown };
  const data = f.data && typeof f.data === 'object' ? { ...(f.data as Record<string, unknown>), epoch: undefined } : f.data;
  return { t: f.t, id: f.id, seq: f.seq, data };
}

async function member(server: SinyalServer, user: string, room: string): Promise<RawClient> {
  const c = await RawClient.ready(server, user);
  c.send({ t: 'join', id: 'j', room });
  await c.next('joined');
  c.log.length = 0;
  return c;
}

describe('batchWrites', () => {
  it('true (default): events published in one tick leave in one socket write, each still its own WebSocket message', async () => {
    const server = await startServer({ rooms: { demo: {} } });
    const bob = await member(server, 'bob', 'demo:r');
    const counter = countServerWrites(server);
    await Promise.all(Array.from({ length: 10 }, (_, i) => server.publish('demo:r', 'demo:msg', { i })));
    for (let i = 0; i < 10; i++) expect(await bob.next('event')).toMatchObject({ seq: i + 1, data: { i } });
    expect(bob.log.filter((f) => f.t === 'event')).toHaveLength(10);
    expect(counter.writes).toBe(1);
  });

  it('false: every event is its own socket write, one per frame per member', async () => {
    const server = await startServer({ rooms: { demo: {} }, batchWrites: false });
    const bob = await member(server, 'bob', 'demo:r');
    const carol = await member(server, 'carol', 'demo:r');
    const counter = countServerWrites(server);
    await Promise.all(Array.from({ length: 10 }, (_, i) => server.publish('demo:r', 'demo:msg', { i })));
    for (const c of [bob, carol]) for (let i = 0; i < 10; i++) expect(await c.next('event')).toMatchObject({ seq: i + 1, data: { i } });
    expect(counter.writes).toBe(20);
  });

  it("false: a publisher's ack and its own echoed event are two writes (one with batching)", async () => {
    const writesFor = async (batchWrites: boolean) => {
      const server = await startServer({ rooms: { demo: { publish: ['demo:msg'] } }, batchWrites });
      const alice = await member(server, 'alice', 'demo:r');
      const counter = countServerWrites(server);
      alice.send({ t: 'cmd', id: 'c1', name: 'publish', room: 'demo:r', data: { event: 'demo:msg', data: { n: 1 } } });
      await alice.next('ack');
      await alice.next('event');
      return counter.writes;
    };
    expect(await writesFor(false)).toBe(2);
    expect(await writesFor(true)).toBe(1);
  });

  it('delivers the same frames in the same order either way (pipelined publishes, several publishers, a large room)', async () => {
    const run = async (batchWrites: boolean) => {
      const server = await startServer({ rooms: { lobby: { publish: ['lobby:msg'] } }, batchWrites });
      const members: RawClient[] = [];
      for (let i = 0; i < 20; i++) members.push(await member(server, `user${i}`, 'lobby:1'));
      const publishers = members.slice(0, 4);
      // Each publisher pipelines its commands; publishers are sent to one after the other so the room's order is fixed.
      for (const [p, c] of publishers.entries()) {
        for (let k = 0; k < 5; k++) c.send({ t: 'cmd', id: `c${k}`, name: 'publish', room: 'lobby:1', data: { event: 'lobby:msg', data: { p, k } } });
        await c.next('ack', (a) => a.id === 'c4');
      }
      for (const m of members) for (let n = 0; n < 20; n++) await m.next('event');
      return members.map((m) => m.log.map(observable));
    };
    const unbatched = await run(false);
    const batched = await run(true);
    expect(unbatched[0]!.filter((f) => f.t === 'event')).toHaveLength(20);
    expect(batched).toEqual(unbatched);
  });

  it('refuses a batchWrites that is not a boolean with a TypeError', async () => {
    await expect(startServer({ batchWrites: 'no' as unknown as boolean })).rejects.toThrow(new TypeError('batchWrites must be true or false'));
  });
});
