// The behaviour every ChatStore must have, run against each implementation (chatStores.test.ts),
// so the memory store (the reference) and the Redis store stay equivalent.
import { describe, expect, it } from 'vitest';
import type { ChatStore, NewChatMessage } from '../src/features/chat/store';

/** Makes an empty store; the suite creates one per test. */
export type ChatStoreFactory = () => ChatStore | Promise<ChatStore>;

export const draft = (n: number, senderId: string, clientMessageId: string | null = `local-${n}`, conversationId = 'c1'): NewChatMessage => ({
  id: `m${n}`,
  conversationId,
  senderId,
  clientMessageId,
  text: `text ${n}`,
  attachments: [],
  createdAt: 1000 + n,
});

export function chatStoreContract(name: string, makeStore: ChatStoreFactory): void {
  describe(`${name} (ChatStore contract)`, () => {
    it('numbers messages, dedupes by (sender, clientMessageId), counts unread per participant', async () => {
      const store = await makeStore();
      expect(await store.createConversation({ id: 'c1', title: null, participants: ['ann', 'bob'], createdAt: 1 })).toBe(true);
      expect(await store.createConversation({ id: 'c1', title: 'again', participants: ['eve'], createdAt: 2 })).toBe(false);
      expect(await store.getConversation('c1')).toEqual({ id: 'c1', title: null, participants: ['ann', 'bob'], createdAt: 1 });
      expect(await store.list('eve', 10)).toEqual({ conversations: [], totalUnread: 0 });
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
      expect(await store.advanceMarker('nope', 'bob', 'read', 'm1', 6)).toBeUndefined();
      expect(await store.summary('c1', 'bob')).toMatchObject({ unread: 1, rev: rev + 1 });
      await store.advanceMarker('c1', 'bob', 'delivered', 'm4', 7);
      expect(await store.markers('c1')).toEqual({
        read: { ann: { messageId: 'm4', seq: 4, at: 1004 }, bob: { messageId: 'm3', seq: 3, at: 5 } },
        delivered: { bob: { messageId: 'm4', seq: 4, at: 7 } },
      });
      expect(await store.markers('nope')).toEqual({ read: {}, delivered: {} });
    });

    it('pages backwards, oldest first, and lists conversations by last activity', async () => {
      const store = await makeStore();
      await store.createConversation({ id: 'c1', title: 'one', participants: ['ann', 'bob'], createdAt: 1 });
      await store.createConversation({ id: 'c2', title: 'two', participants: ['bob'], createdAt: 5000 });
      expect(await store.readMessages('c1', 3)).toEqual({ messages: [], hasOlder: false });
      for (let n = 1; n <= 7; n++) await store.appendMessage(draft(n, 'ann'));
      expect((await store.readMessages('c1', 3))!.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
      expect(await store.readMessages('c1', 3, 'm5')).toMatchObject({ hasOlder: true, messages: [{ seq: 2 }, { seq: 3 }, { seq: 4 }] });
      expect(await store.readMessages('c1', 3, 'm2')).toMatchObject({ hasOlder: false, messages: [{ seq: 1 }] });
      expect(await store.readMessages('c1', 3, 'm1')).toEqual({ messages: [], hasOlder: false });
      expect(await store.readMessages('c1', 3, 'm4')).toMatchObject({ hasOlder: false, messages: [{ seq: 1 }, { seq: 2 }, { seq: 3 }] });
      expect((await store.readMessages('c1', 100))!).toMatchObject({ hasOlder: false });
      expect((await store.readMessages('c1', 100))!.messages).toEqual((await store.readMessages('c1', 7))!.messages);
      expect(await store.readMessages('c1', 3, 'unknown')).toBeUndefined();
      expect(await store.readMessages('nope', 3)).toBeUndefined();

      const list = await store.list('bob', 10);
      expect(list.conversations.map((c) => [c.id, c.unread])).toEqual([['c2', 0], ['c1', 7]]);
      expect(list.totalUnread).toBe(7);
      expect((await store.list('bob', 1)).conversations.map((c) => c.id)).toEqual(['c2']);
      expect((await store.list('bob', 1)).totalUnread).toBe(7); // the badge counts past the limit
      expect(await store.list('stranger', 10)).toEqual({ conversations: [], totalUnread: 0 });
    });

    it('returns exactly what was stored: text, attachments, large and fractional numbers, odd user ids', async () => {
      const store = await makeStore();
      const odd = 'o"neil\\ü🙂{x}';
      const conversation = { id: 'c.odd:1@x-y_z', title: 'Rumah "Kemang" \u2028 ✓', participants: [odd, 'bob'], createdAt: 1_712_345_678_901.5 };
      expect(await store.createConversation(conversation)).toBe(true);
      expect(await store.getConversation(conversation.id)).toEqual(conversation);
      const message: NewChatMessage = {
        id: 'id-"1"',
        conversationId: conversation.id,
        senderId: odd,
        clientMessageId: 'cm\n1',
        text: 'halo 👋 "quoted" \\ back\nslash {"senderId":"bob",} \u0000 \u2028',
        attachments: [
          { url: 'https://cdn.example/a.jpg?x=1&y="2"', name: 'Foto rumah.jpg', mime: 'image/jpeg', size: Number.MAX_SAFE_INTEGER },
          { url: 'http://x.example/b.pdf', name: 'b', mime: 'application/pdf', size: 0 },
        ],
        createdAt: 9_007_199_254_740_991,
      };
      const stored = await store.appendMessage(message);
      expect(stored).toEqual({ message: { ...message, seq: 1 }, created: true });
      expect(await store.appendMessage({ ...message, id: 'other', text: 'retry' })).toEqual({ message: { ...message, seq: 1 }, created: false });
      expect((await store.readMessages(conversation.id, 10))!.messages).toEqual([{ ...message, seq: 1 }]);
      const summary = await store.summary(conversation.id, 'bob');
      expect(summary).toEqual({ ...conversation, lastMessage: { ...message, seq: 1 }, unread: 1, updatedAt: 9_007_199_254_740_991, rev: 1 });
      expect(await store.markers(conversation.id)).toEqual({ read: { [odd]: { messageId: 'id-"1"', seq: 1, at: 9_007_199_254_740_991 } }, delivered: {} });
      expect(await store.advanceMarker(conversation.id, 'bob', 'delivered', 'id-"1"', 1_712_345_678_901.25)).toEqual({
        marker: { messageId: 'id-"1"', seq: 1, at: 1_712_345_678_901.25 },
        advanced: true,
      });
      // The odd user's own message does not count for them; for bob it does.
      await store.appendMessage({ ...message, id: 'm2', senderId: 'bob', clientMessageId: null, createdAt: 2 });
      expect(await store.advanceMarker(conversation.id, odd, 'read', 'id-"1"', 3)).toMatchObject({ advanced: false });
      expect((await store.summary(conversation.id, odd))!.unread).toBe(1);
      expect((await store.list(odd, 5)).conversations[0]).toMatchObject({ id: conversation.id, updatedAt: 2, unread: 1 });
    });

    it('moves markers forward only; `read` recounts unread and bumps rev, `delivered` does neither', async () => {
      const store = await makeStore();
      await store.createConversation({ id: 'c1', title: null, participants: ['ann', 'bob', 'cat'], createdAt: 1 });
      const senders = ['ann', 'bob', 'ann', 'cat', 'bob', 'ann'];
      for (const [i, sender] of senders.entries()) await store.appendMessage(draft(i + 1, sender));
      // cat: unread = messages from others after cat's read marker (m4, sent by cat): m5, m6.
      expect((await store.summary('c1', 'cat'))!).toMatchObject({ unread: 2, rev: 6 });
      expect((await store.summary('c1', 'bob'))!).toMatchObject({ unread: 1 }); // bob sent m5
      expect((await store.summary('c1', 'ann'))!).toMatchObject({ unread: 0 });

      expect(await store.advanceMarker('c1', 'cat', 'delivered', 'm2', 10)).toEqual({ marker: { messageId: 'm2', seq: 2, at: 10 }, advanced: true });
      expect(await store.advanceMarker('c1', 'cat', 'delivered', 'm2', 11)).toEqual({ marker: { messageId: 'm2', seq: 2, at: 10 }, advanced: false });
      expect(await store.advanceMarker('c1', 'cat', 'delivered', 'm1', 12)).toEqual({ marker: { messageId: 'm2', seq: 2, at: 10 }, advanced: false });
      expect(await store.advanceMarker('c1', 'cat', 'delivered', 'm6', 13)).toEqual({ marker: { messageId: 'm6', seq: 6, at: 13 }, advanced: true });
      expect((await store.summary('c1', 'cat'))!).toMatchObject({ unread: 2, rev: 6 });

      // A read marker behind the sender's own one is not a move.
      expect(await store.advanceMarker('c1', 'cat', 'read', 'm3', 14)).toEqual({ marker: { messageId: 'm4', seq: 4, at: 1004 }, advanced: false });
      expect(await store.advanceMarker('c1', 'cat', 'read', 'm5', 15)).toEqual({ marker: { messageId: 'm5', seq: 5, at: 15 }, advanced: true });
      expect((await store.summary('c1', 'cat'))!).toMatchObject({ unread: 1, rev: 7 });
      // A participant who never read: everything from others counts.
      await store.createConversation({ id: 'c2', title: null, participants: ['ann', 'bob', 'dan'], createdAt: 1 });
      for (const [i, sender] of ['ann', 'bob', 'ann'].entries()) await store.appendMessage(draft(10 + i, sender, null, 'c2'));
      expect((await store.summary('c2', 'dan'))!).toMatchObject({ unread: 3, rev: 3 });
      expect(await store.advanceMarker('c2', 'dan', 'read', 'm11', 20)).toMatchObject({ advanced: true });
      expect((await store.summary('c2', 'dan'))!).toMatchObject({ unread: 1, rev: 4 });
      expect(await store.advanceMarker('c2', 'dan', 'read', 'm12', 21)).toMatchObject({ advanced: true });
      expect((await store.summary('c2', 'dan'))!).toMatchObject({ unread: 0, rev: 5 });
      // Someone outside the conversation: the store still answers (the feature checks participation).
      expect((await store.summary('c2', 'stranger'))!).toMatchObject({ unread: 0, rev: 5 });
      expect(await store.summary('nope', 'dan')).toBeUndefined();
    });

    it('a retry changes nothing: same message back, no unread, no rev, no new seq', async () => {
      const store = await makeStore();
      await store.createConversation({ id: 'c1', title: null, participants: ['ann', 'bob'], createdAt: 1 });
      await store.createConversation({ id: 'c2', title: null, participants: ['ann', 'bob'], createdAt: 1 });
      const first = await store.appendMessage(draft(1, 'ann', 'same'));
      const before = await store.summary('c1', 'bob');
      const again = await store.appendMessage({ ...draft(2, 'ann', 'same'), text: 'different text' });
      expect(again).toEqual({ message: first!.message, created: false });
      expect(await store.summary('c1', 'bob')).toEqual(before);
      expect((await store.readMessages('c1', 10))!.messages).toHaveLength(1);
      // The same clientMessageId in another conversation is another message.
      expect(await store.appendMessage(draft(3, 'ann', 'same', 'c2'))).toMatchObject({ created: true, message: { id: 'm3', seq: 1 } });
      // Sender ids are length-prefixed in the dedupe key: ("a:b", "c") and ("a", "b:c") differ.
      await store.createConversation({ id: 'c3', title: null, participants: ['a:b', 'a'], createdAt: 1 });
      expect((await store.appendMessage({ ...draft(4, 'a:b', 'c', 'c3') }))!.created).toBe(true);
      expect((await store.appendMessage({ ...draft(5, 'a', 'b:c', 'c3') }))!.created).toBe(true);
      // No clientMessageId: never a retry.
      expect((await store.appendMessage(draft(6, 'ann', null)))!.created).toBe(true);
      expect((await store.appendMessage(draft(7, 'ann', null)))!).toMatchObject({ created: true, message: { seq: 3 } });
    });

    it('lists by last activity (message time, else creation), ties by id, with every participant’s unread', async () => {
      const store = await makeStore();
      await store.createConversation({ id: 'b', title: null, participants: ['u', 'v'], createdAt: 100 });
      await store.createConversation({ id: 'a', title: null, participants: ['u', 'v'], createdAt: 100 });
      await store.createConversation({ id: 'c', title: null, participants: ['u'], createdAt: 50 });
      await store.createConversation({ id: 'd', title: null, participants: ['u', 'v'], createdAt: 300 });
      expect((await store.list('u', 10)).conversations.map((c) => c.id)).toEqual(['d', 'a', 'b', 'c']);
      // Activity is the last message's time, even when it is older than the creation (clock skew).
      await store.appendMessage({ ...draft(1, 'v', null, 'd'), createdAt: 10 });
      await store.appendMessage({ ...draft(2, 'v', null, 'b'), createdAt: 200 });
      await store.appendMessage({ ...draft(3, 'v', null, 'b'), createdAt: 150 });
      const list = await store.list('u', 10);
      expect(list.conversations.map((c) => [c.id, c.updatedAt, c.unread])).toEqual([
        ['b', 150, 2],
        ['a', 100, 0],
        ['c', 50, 0],
        ['d', 10, 1],
      ]);
      expect(list.totalUnread).toBe(3);
      expect(list.conversations[0]).toEqual(await store.summary('b', 'u'));
      expect((await store.list('v', 2)).conversations.map((c) => [c.id, c.unread])).toEqual([
        ['b', 0],
        ['a', 0],
      ]);
      expect((await store.list('u', 2)).totalUnread).toBe(3);
    });
  });
}
