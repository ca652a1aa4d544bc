// Noisy commands have default per-action limits: a hostile participant firing typing
// indicators or watch toggles over a raw socket cannot make the server fan out (or store)
// one event per frame. ServerOptions.rateLimits overrides the defaults by name.
import type { ServerOptions, SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { chatFeature } from '../packages/server/src/features/chat';
import { propertyFeature } from '../packages/server/src/features/property';
import { SECRET, startServer } from '../test-utils/harness';
import { rawClient, type RawClient, type RawFrame } from '../test-utils/rawClient';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function chatServer(rateLimits?: ServerOptions['rateLimits']) {
  const chat = chatFeature({ onError: () => {} });
  const s = await startServer({ features: [chat], ...(rateLimits ? { rateLimits } : {}) });
  cleanups.push(() => s.close());
  await chat.createConversation({ id: 'c-1', participants: ['mallory', 'alice'] });
  return s;
}

async function client(s: SinyalServer, user: string): Promise<RawClient> {
  const c = await rawClient(s.url, SECRET, user);
  cleanups.push(() => c.close());
  return c;
}

/** Sends `count` commands at once and waits for every answer. */
async function flood(c: RawClient, count: number, frame: (i: number) => { name: string; data: unknown }): Promise<RawFrame[]> {
  const ids = Array.from({ length: count }, (_, i) => `flood-${i}-${Math.random().toString(36).slice(2)}`);
  ids.forEach((id, i) => c.send({ t: 'cmd', id, ...frame(i) }));
  return Promise.all(ids.map((id) => c.next((f) => f.id === id && (f.t === 'ack' || f.t === 'nack'))));
}

/** Typing events alice received once everything before a barrier event has arrived. */
async function typingSeenBy(s: SinyalServer, alice: RawClient): Promise<number> {
  await s.publish('chat:c-1', 'chat:barrier', {});
  await alice.next((f) => f.t === 'event' && f.name === 'chat:barrier');
  return alice.frames.filter((f) => f.t === 'event' && f.name === 'chat:typing').length;
}

describe('default per-action limits of noisy commands', () => {
  it('100 chat:typing_start frames at once: the other participant gets a handful of typing events, the rest are nacked rate_limited', async () => {
    const s = await chatServer();
    const alice = await client(s, 'alice');
    await alice.join('chat:c-1');
    const mallory = await client(s, 'mallory');
    await mallory.join('chat:c-1');

    const answers = await flood(mallory, 100, () => ({ name: 'chat:typing_start', data: { conversationId: 'c-1' } }));
    const limited = answers.filter((a) => a.t === 'nack' && a.code === 'rate_limited');
    expect(limited.length).toBeGreaterThanOrEqual(80);
    expect(limited[0]!.retryAfterMs).toBeGreaterThan(0);
    // The burst (5) and what refilled meanwhile, instead of 100.
    expect(await typingSeenBy(s, alice)).toBeLessThanOrEqual(20);
  });

  it('a watch/unwatch loop writes a bounded number of events into the user feed', async () => {
    const properties = propertyFeature();
    const s = await startServer({ features: [properties] });
    cleanups.push(() => s.close());
    await properties.register('p-1', { status: 'available', price: 1_000_000_000 });
    const mallory = await client(s, 'mallory');
    const before = (await s.store.head('user:mallory')).seq;
    const answers = await flood(mallory, 100, (i) => ({ name: i % 2 ? 'property:unwatch' : 'property:watch', data: { propertyId: 'p-1' } }));
    expect(answers.filter((a) => a.t === 'nack' && a.code === 'rate_limited').length).toBeGreaterThanOrEqual(80);
    expect((await s.store.head('user:mallory')).seq - before).toBeLessThanOrEqual(20);
  });

  it('ServerOptions.rateLimits overrides a default by name, and false removes it', async () => {
    const raised = await chatServer({ 'chat:typing_start': { perSecond: 1, burst: 40 } });
    const alice = await client(raised, 'alice');
    await alice.join('chat:c-1');
    const mallory = await client(raised, 'mallory');
    await mallory.join('chat:c-1');
    const answers = await flood(mallory, 60, () => ({ name: 'chat:typing_start', data: { conversationId: 'c-1' } }));
    const acked = answers.filter((a) => a.t === 'ack').length;
    expect(acked).toBeGreaterThanOrEqual(40);
    expect(acked).toBeLessThan(60);

    const removed = await chatServer({ 'chat:typing_start': false, '*': { perSecond: 1, burst: 1 } });
    const bob = await client(removed, 'mallory');
    await bob.join('chat:c-1');
    const all = await flood(bob, 30, () => ({ name: 'chat:typing_start', data: { conversationId: 'c-1' } }));
    expect(all.every((a) => a.t === 'ack')).toBe(true);
  });
});
