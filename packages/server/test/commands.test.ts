import { describe, expect, it } from 'vitest';
import { MemoryStore, SinyalServerError, type CommandHandler } from '../src';
import { RawClient, sleep, startServer } from './helpers';

describe('commands', () => {
  it('acks with the handler result and passes the context', async () => {
    let seen: Record<string, unknown> = {};
    const server = await startServer({
      rooms: { demo: {} },
      commands: {
        whoami: ({ user, room, data, sessionId, hasJoined, name }) => {
          seen = { user: user.id, room, data, sessionId, joined: room ? hasJoined(room) : undefined, name };
          return { id: user.id };
        },
        nothing: () => undefined,
      },
    });
    const client = await RawClient.connect(server);
    client.send({ t: 'hello', v: 1 });
    const { sid } = await client.next('welcome');
    client.send({ t: 'join', id: 'j', room: 'demo:x' });
    client.send({ t: 'cmd', id: 'c1', name: 'whoami', room: 'demo:x', data: { a: 1 } });
    expect(await client.next('ack')).toEqual({ t: 'ack', id: 'c1', data: { id: 'alice' } });
    expect(seen).toEqual({ user: 'alice', room: 'demo:x', data: { a: 1 }, sessionId: sid, joined: true, name: 'whoami' });
    client.send({ t: 'cmd', id: 'c2', name: 'nothing' });
    expect(await client.next('ack')).toEqual({ t: 'ack', id: 'c2' });
  });

  it('maps errors: unknown command → not_found, SinyalServerError → its code, other throws → internal', async () => {
    const server = await startServer({
      commands: {
        bid: () => { throw new SinyalServerError('conflict', 'auction ended'); },
        'slow-down': () => { throw new SinyalServerError('rate_limited', 'easy', { retryAfterMs: 250 }); },
        broken: async () => { throw new Error('boom'); },
        bigint: () => 10n,
      },
    });
    const client = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'c1', name: 'nope' });
    expect(await client.next('nack')).toMatchObject({ id: 'c1', code: 'not_found' });
    client.send({ t: 'cmd', id: 'c2', name: 'bid' });
    expect(await client.next('nack')).toEqual({ t: 'nack', id: 'c2', code: 'conflict', msg: 'auction ended' });
    client.send({ t: 'cmd', id: 'c3', name: 'slow-down' });
    expect(await client.next('nack')).toEqual({ t: 'nack', id: 'c3', code: 'rate_limited', msg: 'easy', retryAfterMs: 250 });
    client.send({ t: 'cmd', id: 'c4', name: 'broken' });
    expect(await client.next('nack')).toMatchObject({ id: 'c4', code: 'internal', msg: 'internal server error' });
    client.send({ t: 'cmd', id: 'c5', name: 'bigint' });
    expect(await client.next('nack')).toMatchObject({ id: 'c5', code: 'internal' });
    client.send({ t: 'ping', ts: 1 });
    expect(await client.next('pong')).toMatchObject({ ts: 1 }); // still alive
  });

  it('runs a repeated command id once and answers it with the original result', async () => {
    let calls = 0;
    const server = await startServer({
      commands: {
        count: async () => {
          calls++;
          await sleep(20);
          return { call: calls };
        },
        refuse: () => {
          calls++;
          throw new SinyalServerError('forbidden', 'no');
        },
      },
    });
    const client = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'same', name: 'count' });
    client.send({ t: 'cmd', id: 'same', name: 'count' }); // back to back, while the first runs
    const first = await client.next('ack');
    const second = await client.next('ack');
    expect(first).toEqual({ t: 'ack', id: 'same', data: { call: 1 } });
    expect(second).toEqual(first);

    // Same user on another connection, concurrently with a fresh id: still once.
    const other = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'x', name: 'count' });
    other.send({ t: 'cmd', id: 'x', name: 'count' });
    expect((await client.next('ack')).data).toEqual({ call: 2 });
    expect((await other.next('ack')).data).toEqual({ call: 2 });

    // Nacks are remembered too; ids are per user.
    client.send({ t: 'cmd', id: 'r', name: 'refuse' });
    client.send({ t: 'cmd', id: 'r', name: 'refuse' });
    expect(await client.next('nack')).toMatchObject({ code: 'forbidden' });
    expect(await client.next('nack')).toMatchObject({ code: 'forbidden' });
    const bob = await RawClient.ready(server, 'bob');
    bob.send({ t: 'cmd', id: 'same', name: 'count' });
    expect((await bob.next('ack')).data).toEqual({ call: 4 });
    expect(calls).toBe(4);
  });

  it('re-runs a command whose outcome was retryable (internal)', async () => {
    let calls = 0;
    const server = await startServer({ commands: { flaky: () => { if (++calls === 1) throw new Error('transient'); return 'ok'; } } });
    const client = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'f', name: 'flaky' });
    expect(await client.next('nack')).toMatchObject({ code: 'internal' });
    client.send({ t: 'cmd', id: 'f', name: 'flaky' });
    expect(await client.next('ack')).toMatchObject({ data: 'ok' });
  });

  it('remembers outcomes across a restart with the same store', async () => {
    let calls = 0;
    const commands: Record<string, CommandHandler> = { once: () => ++calls };
    const store = new MemoryStore();
    const first = await startServer({ store, commands });
    const a = await RawClient.ready(first);
    a.send({ t: 'cmd', id: 'k', name: 'once' });
    expect((await a.next('ack')).data).toBe(1);
    await first.close();
    const second = await startServer({ store, commands, port: first.port });
    const b = await RawClient.ready(second);
    b.send({ t: 'cmd', id: 'k', name: 'once' });
    expect((await b.next('ack')).data).toBe(1);
    expect(calls).toBe(1);
  });

  it('preserves the order of commands of one connection with async handlers of varying delay', async () => {
    const executed: number[] = [];
    const server = await startServer({
      commands: {
        work: async ({ data }) => {
          const n = data as number;
          await sleep([30, 0, 15, 5, 0, 20][n % 6]!);
          executed.push(n);
          return n;
        },
      },
    });
    const client = await RawClient.ready(server);
    for (let n = 0; n < 12; n++) client.send({ t: 'cmd', id: `w${n}`, name: 'work', data: n });
    await client.next('ack', (f) => f.id === 'w11');
    const order = Array.from({ length: 12 }, (_, n) => n);
    expect(executed).toEqual(order);
    expect(client.log.filter((f) => f.t === 'ack').map((f) => (f as { data: number }).data)).toEqual(order);
  });
});
