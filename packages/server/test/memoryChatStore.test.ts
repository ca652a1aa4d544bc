// MemoryChatStore's bounds: messages per conversation and bytes in all; what a dropped
// message means for pages, receipts, retries and unread counts; the gauges in /metrics.
import { describe, expect, it } from 'vitest';
import { chatFeature } from '../src';
import { MemoryChatStore } from '../src/features/chat/memoryChatStore';
import { draft } from './chatStoreContract';
import { startServer } from './helpers';

async function withConversations(store: MemoryChatStore, ...ids: string[]): Promise<void> {
  for (const id of ids) await store.createConversation({ id, title: null, participants: ['ann', 'bob'], createdAt: 1 });
}

const seqs = (page: { messages: Array<{ seq: number }> } | undefined) => page?.messages.map((m) => m.seq);

describe('MemoryChatStore bounds', () => {
  it('keeps the newest maxMessagesPerConversation messages: seqs go on, pages end at the oldest kept, a dropped message is unknown', async () => {
    const store = new MemoryChatStore({ maxMessagesPerConversation: 5 });
    await withConversations(store, 'c1');
    for (let n = 1; n <= 8; n++) await store.appendMessage(draft(n, n <= 6 ? 'ann' : 'bob'));
    expect(store.stats()).toMatchObject({ conversations: 1, messages: 5, dropped: 3 });

    const newest = await store.readMessages('c1', 100);
    expect(seqs(newest)).toEqual([4, 5, 6, 7, 8]);
    expect(newest!.hasOlder).toBe(false);
    const older = await store.readMessages('c1', 1, 'm6');
    expect(seqs(older)).toEqual([5]);
    expect(older!.hasOlder).toBe(true);
    expect(await store.readMessages('c1', 10, 'm2')).toBeUndefined(); // dropped: unknown
    expect(await store.advanceMarker('c1', 'bob', 'read', 'm2', 9)).toBeUndefined();

    // Unread counts: ann's marker is at m6 (her last message), bob's at m8 (his).
    expect(await store.summary('c1', 'ann')).toMatchObject({ unread: 2, lastMessage: { seq: 8 } });
    expect(await store.summary('c1', 'bob')).toMatchObject({ unread: 0 });
    // Reading m7 recounts from the messages kept: m8 from bob is left.
    expect(await store.advanceMarker('c1', 'ann', 'read', 'm7', 9)).toMatchObject({ advanced: true });
    expect(await store.summary('c1', 'ann')).toMatchObject({ unread: 1 });

    // A retry of a kept message is recognised; one of a dropped message is not (it is stored again).
    expect(await store.appendMessage({ ...draft(99, 'bob'), clientMessageId: 'local-8' })).toMatchObject({ created: false, message: { id: 'm8' } });
    expect(await store.appendMessage({ ...draft(98, 'ann'), clientMessageId: 'local-1' })).toMatchObject({ created: true, message: { seq: 9 } });
    expect(store.stats()).toMatchObject({ messages: 5, dropped: 4 });
  });

  it('keeps within maxBytes by dropping the oldest messages of the conversations least recently written to', async () => {
    const probe = new MemoryChatStore();
    await withConversations(probe, 'x');
    await probe.appendMessage(draft(1, 'ann', null, 'x'));
    const perMessage = probe.stats().bytes;

    const store = new MemoryChatStore({ maxBytes: perMessage * 6 + perMessage / 2 });
    await withConversations(store, 'a', 'b');
    for (let n = 1; n <= 4; n++) await store.appendMessage(draft(n, 'ann', null, 'a'));
    for (let n = 5; n <= 7; n++) await store.appendMessage(draft(n, 'bob', null, 'b'));
    // 7 messages do not fit: the oldest of `a` (written to least recently) went.
    expect(store.stats()).toMatchObject({ messages: 6, dropped: 1 });
    expect(seqs(await store.readMessages('a', 10))).toEqual([2, 3, 4]);
    expect(seqs(await store.readMessages('b', 10))).toEqual([1, 2, 3]);
    // Now `b` is the least recently written: its oldest go first.
    await store.appendMessage(draft(8, 'ann', null, 'a'));
    await store.appendMessage(draft(9, 'ann', null, 'a'));
    expect(seqs(await store.readMessages('b', 10))).toEqual([3]);
    expect(seqs(await store.readMessages('a', 10))).toEqual([2, 3, 4, 5, 6]);
    expect(store.stats().bytes).toBeLessThanOrEqual(store.stats().maxBytes);
    // A conversation's newest message always stays, even alone over the bound.
    const tiny = new MemoryChatStore({ maxBytes: 1 });
    await withConversations(tiny, 'c');
    await tiny.appendMessage(draft(1, 'ann', null, 'c'));
    await tiny.appendMessage(draft(2, 'ann', null, 'c'));
    expect(seqs(await tiny.readMessages('c', 10))).toEqual([2]);
  });

  it('refuses bounds that are not positive integers', () => {
    expect(() => new MemoryChatStore({ maxBytes: 0 })).toThrow(TypeError);
    expect(() => new MemoryChatStore({ maxMessagesPerConversation: 1.5 })).toThrow(TypeError);
  });

  it('shows in /metrics what it keeps and its bound', async () => {
    const chat = chatFeature({ store: new MemoryChatStore({ maxBytes: 1_000_000 }) });
    const server = await startServer({ features: [chat], publishSecret: 'publish-secret-0123456789abcdef' });
    await chat.createConversation({ id: 'c1', participants: ['ann', 'bob'] });
    await chat.store.appendMessage(draft(1, 'ann'));
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^sinyal_chat_conversations 1$/m);
    expect(text).toMatch(/^sinyal_chat_messages 1$/m);
    expect(text).toMatch(/^sinyal_chat_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^sinyal_chat_bytes_max 1000000$/m);
    expect(text).toMatch(/^sinyal_chat_dropped_messages 0$/m);
    await server.close();
  });
});
