import { describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../src/features/chat/memoryChatStore';

const draft = (n: number, senderId: string, clientMessageId: string | null = `local-${n}`) => ({
  id: `m${n}`,
  conversationId: 'c1',
  senderId,
  clientMessageId,
  text: `text ${n}`,
  attachments: [],
  createdAt: 1000 + n,
});

describe('MemoryChatStore', () => {
  it('numbers messages, dedupes by (sender, clientMessageId), counts unread per participant', async () => {
    const store = new MemoryChatStore();
    expect(await store.createConversation({ id: 'c1', title: null, participants: ['ann', 'bob'], createdAt: 1 })).toBe(true);
    expect(await store.createConversation({ id: 'c1', title: 'again', participants: ['eve'], createdAt: 2 })).toBe(false);
    expect(await store.appendMessage({ ...draft(1, 'ann'), conversationId: 'nope' })).toBeUndefined();

    expect((await store.appendMessage(draft(1, 'ann')))!).toMatchObject({ created: true, message: { id: 'm1', seq: 1 } });
    expect((await store.appendMessage({ ...draft(9, 'ann'), clientMessageId: 'local-1' }))!).toMatchObject({ created: false, message: { id: 'm1' } });
    expect((await store.appendMessage({ ...draft(2, 'bob'), clientMessageId: 'local-1' }))!.created).toBe(true); // another sender
    await store.appendMessage(draft(3, 'ann', null));
    await store.appendMessage(draft(4, 'ann', null));

    expect(await store.summary('c1', 'bob')).toMatchObject({ unread: 2, lastMessage: { id: 'm4', seq: 4 }, updatedAt: 1004 });
    // Bob sent m2: his read marker moved there, so only m3 and m4 are unread.
    expect(await store.summary('c1', 'ann')).toMatchObject({ unread: 0 });
    const rev = (await store.summary('c1', 'bob'))!.rev;

    expect(await store.advanceMarker('c1', 'bob', 'read', 'm3', 5)).toEqual({ marker: { messageId: 'm3', seq: 3, at: 5 }, advanced: true });
    expect(await store.advanceMarker('c1', 'bob', 'read', 'm1', 6)).toEqual({ marker: { messageId: 'm3', seq: 3, at: 5 }, advanced: false });
    expect(await store.advanceMarker('c1', 'bob', 'read', 'zzz', 6)).toBeUndefined();
    expect(await store.summary('c1', 'bob')).toMatchObject({ unread: 1, rev: rev + 1 });
    await store.advanceMarker('c1', 'bob', 'delivered', 'm4', 7);
    expect(await store.markers('c1')).toEqual({
      read: { ann: { messageId: 'm4', seq: 4, at: 1004 }, bob: { messageId: 'm3', seq: 3, at: 5 } },
      delivered: { bob: { messageId: 'm4', seq: 4, at: 7 } },
    });
  });

  it('pages backwards, oldest first, and lists conversations by last activity', async () => {
    const store = new MemoryChatStore();
    await store.createConversation({ id: 'c1', title: 'one', participants: ['ann', 'bob'], createdAt: 1 });
    await store.createConversation({ id: 'c2', title: 'two', participants: ['bob'], createdAt: 5000 });
    for (let n = 1; n <= 7; n++) await store.appendMessage(draft(n, 'ann'));
    expect((await store.readMessages('c1', 3))!.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(await store.readMessages('c1', 3, 'm5')).toMatchObject({ hasOlder: true, messages: [{ seq: 2 }, { seq: 3 }, { seq: 4 }] });
    expect(await store.readMessages('c1', 3, 'm2')).toMatchObject({ hasOlder: false, messages: [{ seq: 1 }] });
    expect(await store.readMessages('c1', 3, 'unknown')).toBeUndefined();
    expect(await store.readMessages('nope', 3)).toBeUndefined();

    const list = await store.list('bob', 10);
    expect(list.conversations.map((c) => [c.id, c.unread])).toEqual([['c2', 0], ['c1', 7]]);
    expect(list.totalUnread).toBe(7);
    expect((await store.list('bob', 1)).conversations.map((c) => c.id)).toEqual(['c2']);
    expect((await store.list('bob', 1)).totalUnread).toBe(7); // the badge counts past the limit
    expect(await store.list('stranger', 10)).toEqual({ conversations: [], totalUnread: 0 });
  });
});
