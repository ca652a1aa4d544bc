// The outbox against the real server over loopback: draining a long queue through a rate
// limit, commands restored after a reload whose room is joined late (or never), and a
// shared device where the next user must not send what the previous one left queued.
import { localStorageStorage, type OutboxRecord, type PendingCommand } from '@sinyal/client';
import { afterEach, describe, expect, it } from 'vitest';
import { chatFeature } from '../packages/server/src/features/chat';
import { connect, record, SECRET, sleep, startServer, until } from '../test-utils/harness';
import { rawClient } from '../test-utils/rawClient';
import WebSocket from 'ws';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A Web Storage in memory: what `localStorage` is to a page, shared by "reloads". */
function memoryWebStorage() {
  const map = new Map<string, string>();
  const storage = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  } as unknown as Storage;
  return { map, storage };
}

/** Saves are chained on promises: let them land. */
const saved = () => sleep(20);

describe('outbox against the real server', () => {
  it('200 commands through a 10/s limit all land once, in order, within the time the limit implies (+20 %)', async () => {
    const rate = 10;
    const burst = 10;
    const total = 200;
    const s = await startServer({ rateLimits: { publish: { perSecond: rate, burst } } });
    cleanups.push(() => s.close());
    const writer = connect(s.url, 'hasty');
    const reader = connect(s.url, 'reader');
    cleanups.push(() => writer.close(), () => reader.close());
    const w = record(writer, 'demo:stress');
    const r = record(reader, 'demo:stress');
    await until(() => w.room.getSnapshot().status === 'joined' && r.room.getSnapshot().status === 'joined');

    let refusals = 0;
    const start = Date.now();
    const commands: PendingCommand[] = [];
    for (let n = 1; n <= total; n++) {
      const command = w.room.publish('demo:message', { from: 'hasty', n });
      command.subscribe(() => {
        if (command.status === 'queued' && command.getSnapshot().error?.code === 'rate_limited') refusals++;
      });
      commands.push(command);
    }
    const results = (await Promise.all(commands.map((c) => c.done))) as Array<{ seq: number }>;
    const elapsedMs = Date.now() - start;
    // The bucket lets `burst` through at once, then one command per 1/rate s.
    const impliedMs = ((total - burst) / rate) * 1000;
    expect(elapsedMs).toBeLessThanOrEqual(impliedMs * 1.2);

    await until(() => r.items.length === total);
    await sleep(100);
    expect(r.items.map((i) => i.n)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(r.items.map((i) => i.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(results.map((result) => result.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Paced at the server's rate, not re-sent whole: few refusals (the first window's, mostly).
    expect(refusals).toBeLessThan(total / 4);
  }, 90_000);

  it('commands restored after a reload wait for their room, subscribed 300 ms after open, and land in order', async () => {
    const s = await startServer();
    cleanups.push(() => s.close());
    const { storage } = memoryWebStorage();
    const outbox = { storage: localStorageStorage('sinyal:outbox', storage), user: 'ann' };
    // The page that queued them never got online, then reloaded.
    const before = connect(s.url, 'ann', { autoConnect: false, outbox });
    const queued = Array.from({ length: 5 }, (_, i) => before.room('demo:late').publish('demo:message', { from: 'ann', n: i + 1 }));
    expect(queued.every((c) => c.status === 'queued')).toBe(true);
    await saved();
    before.close();

    const reader = connect(s.url, 'reader');
    cleanups.push(() => reader.close());
    const r = record(reader, 'demo:late');
    await until(() => r.room.getSnapshot().status === 'joined');

    const after = connect(s.url, 'ann', { outbox });
    cleanups.push(() => after.close());
    await until(() => after.state === 'open' && after.outbox.size === 5);
    await sleep(300);
    expect(after.outbox.getSnapshot().map((c) => c.status)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
    const a = record(after, 'demo:late');
    await Promise.all(after.outbox.getSnapshot().map((c) => c.done));
    await until(() => r.items.length === 5 && a.items.length === 5);
    expect(r.items.map((i) => i.n)).toEqual([1, 2, 3, 4, 5]);
    await saved();
    expect(storage.getItem('sinyal:outbox:ann')).toBeNull();
  });

  it('a restored room command whose room is never subscribed expires at its TTL, unsent; one the server already ran is answered from its memory', async () => {
    const s = await startServer();
    cleanups.push(() => s.close());
    const { storage } = memoryWebStorage();
    // A previous page sent `ran` (the server executed it) and `lost` (it never arrived), then reloaded.
    const raw = await rawClient(s.url, SECRET, 'ann');
    cleanups.push(() => raw.close());
    await raw.join('demo:never');
    raw.send({ t: 'cmd', id: 'ran', name: 'publish', room: 'demo:never', data: { event: 'demo:message', data: { from: 'ann', n: 1 } } });
    expect(await raw.next((f) => f.id === 'ran')).toMatchObject({ t: 'ack', data: { seq: 1 } });
    raw.close();
    const publish = (id: string, sent: boolean): OutboxRecord => ({
      id,
      name: 'publish',
      room: 'demo:never',
      data: { event: 'demo:message', data: { from: 'ann', n: 2 } },
      createdAt: Date.now(),
      ...(sent ? { sent } : {}),
    });
    storage.setItem('sinyal:outbox:ann', JSON.stringify([publish('ran', true), publish('lost', true), publish('queued', false)]));

    const reader = connect(s.url, 'reader');
    cleanups.push(() => reader.close());
    const r = record(reader, 'demo:never');
    await until(() => r.room.getSnapshot().status === 'joined');

    const after = connect(s.url, 'ann', { outbox: { storage: localStorageStorage('sinyal:outbox', storage), ttlMs: 1500, user: 'ann' } });
    cleanups.push(() => after.close());
    // Restored for the named user within a few promise turns (the storage answers at once),
    // long before the connection can open and any answer arrive.
    for (let turn = 0; turn < 10; turn++) await Promise.resolve();
    const [ran, lost, queued] = after.outbox.getSnapshot();
    await expect(ran!.done).resolves.toMatchObject({ seq: 1 }); // its original answer
    await expect(lost!.done).rejects.toMatchObject({ code: 'expired' });
    await expect(queued!.done).rejects.toMatchObject({ code: 'expired' });
    expect(lost!.getSnapshot().error?.message).toMatch(/not sent within 1500 ms/);
    await sleep(100);
    expect(r.items).toEqual([]); // nothing was published into a room the app never joined
    await saved();
    expect(storage.getItem('sinyal:outbox:ann')).toBeNull();
  });
});

describe('a shared device', () => {
  it('the next user never sends what the previous user left queued; the server would refuse it anyway', async () => {
    const chat = chatFeature({ onError: () => {} });
    const s = await startServer({ features: [chat] });
    cleanups.push(() => s.close());
    await chat.createConversation({ id: 'ann-agent', participants: ['ann', 'agent'] });
    const { storage, map } = memoryWebStorage();
    const outboxStorage = localStorageStorage('sinyal:outbox', storage);

    // Ann queues two messages offline, then closes the tab.
    const ann = connect(s.url, 'ann', { autoConnect: false, outbox: { storage: outboxStorage, user: 'ann' } });
    ann.command('chat:send', { conversationId: 'ann-agent', clientMessageId: 'm1', text: 'my offer: 2.1 M' });
    ann.command('chat:send', { conversationId: 'ann-agent', clientMessageId: 'm2', text: 'call me' });
    await saved();
    ann.close();

    // Bob signs in on the same browser (same storage, user from the server's welcome).
    const bobSent: string[] = [];
    class RecordingWebSocket extends WebSocket {
      override send(data: unknown, ...rest: unknown[]): void {
        bobSent.push(String(data));
        (super.send as (...args: unknown[]) => void)(data, ...rest);
      }
    }
    const bob = connect(s.url, 'bob', { WebSocket: RecordingWebSocket as never, outbox: { storage: outboxStorage } });
    cleanups.push(() => bob.close());
    await until(() => bob.state === 'open');
    await sleep(200);
    expect(bobSent.filter((frame) => frame.includes('"t":"cmd"'))).toEqual([]);
    expect(bob.outbox.getSnapshot()).toEqual([]);
    expect((await chat.store.readMessages('ann-agent', 10))!.messages).toEqual([]);
    expect([...map.keys()]).toEqual(['sinyal:outbox:ann']); // kept for Ann

    // Were Bob's client to send it anyway, the server refuses: Bob is not in the conversation.
    const raw = await rawClient(s.url, SECRET, 'bob');
    cleanups.push(() => raw.close());
    raw.send({ t: 'cmd', id: 'm1', name: 'chat:send', data: { conversationId: 'ann-agent', clientMessageId: 'm1', text: 'my offer: 2.1 M' } });
    expect(await raw.next((f) => f.id === 'm1')).toMatchObject({ t: 'nack', code: 'forbidden' });

    // Ann, back on her own session, sends them.
    const annAgain = connect(s.url, 'ann', { outbox: { storage: outboxStorage, user: 'ann' } });
    cleanups.push(() => annAgain.close());
    for (let turn = 0; turn < 10; turn++) await Promise.resolve(); // restored from storage
    expect(annAgain.outbox.size).toBe(2);
    await Promise.all(annAgain.outbox.getSnapshot().map((c) => c.done));
    expect((await chat.store.readMessages('ann-agent', 10))!.messages.map((m) => m.text)).toEqual(['my offer: 2.1 M', 'call me']);
  });
});
