// Chat & inbox against the real server over real sockets: messages and their status, access
// rules and bad input, typing and its expiry, the live inbox, offline sends, dedupe, paging.
import { fetchJson } from '@sinyal/client';
import { afterEach, describe, expect, it } from 'vitest';
import { chatListStore, chatStore, createTypingController, type ChatClient, type ChatStore } from '../packages/client/src/chat';
import { chatFeature, type ChatFeatureOptions } from '../packages/server/src/features/chat';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, sleep, startServer, until } from '../test-utils/harness';

const PUBLISH_SECRET = 'chat-publisher-secret-0123456789';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: Partial<ChatFeatureOptions> = {}, serverOptions: Parameters<typeof startServer>[0] = {}) {
  const chat = chatFeature({ onError: () => {}, ...options });
  const server = await startServer({ features: [chat], publishSecret: PUBLISH_SECRET, ...serverOptions });
  cleanups.push(() => server.close());
  const proxy = await createFaultProxy({ targetPort: server.port });
  cleanups.push(() => proxy.close());
  const user = (id: string, opts: Parameters<typeof connect>[2] = {}) => {
    const client = connect(opts.url ?? server.url, id, opts);
    cleanups.push(() => client.close());
    return client as unknown as ChatClient;
  };
  const viaProxy = (id: string, opts: Parameters<typeof connect>[2] = {}) => user(id, { url: `ws://127.0.0.1:${proxy.port}/ws`, ...opts });
  return { chat, server, proxy, user, viaProxy };
}

/** Subscribes to a store for the rest of the test. */
function watch<S extends { subscribe(listener: () => void): () => void }>(store: S): S {
  cleanups.push(store.subscribe(() => {}));
  return store;
}

const ready = (store: ChatStore) => until(() => store.getSnapshot().status === 'ready');
const texts = (store: ChatStore) => store.getSnapshot().messages.map((m) => m.text);
const byClientId = (store: ChatStore, clientMessageId: string) => store.getSnapshot().messages.find((m) => m.clientMessageId === clientMessageId);

/** Records every distinct status a message goes through in a store. */
function statusTrail(store: ChatStore, clientMessageId: () => string | undefined) {
  const trail: string[] = [];
  cleanups.push(store.subscribe(() => {
    const id = clientMessageId();
    const status = id === undefined ? undefined : byClientId(store, id)?.status;
    if (status && trail[trail.length - 1] !== status) trail.push(status);
  }));
  return trail;
}

describe('chat', () => {
  it('two participants exchange messages and each sees their own go sending → sent → delivered → read', async () => {
    const { chat, user } = await setup();
    const conversation = await chat.createConversation({ id: 'kemang-1', participants: ['ann', 'bob'], title: 'Rumah Kemang' });
    expect(conversation).toMatchObject({ id: 'kemang-1', title: 'Rumah Kemang', participants: ['ann', 'bob'] });
    const ann = user('ann');
    const bob = user('bob');
    const annChat = watch(chatStore(ann, 'kemang-1'));
    const bobChat = watch(chatStore(bob, 'kemang-1'));
    expect(chatStore(ann, 'kemang-1')).toBe(annChat); // one store per (client, conversation)
    await ready(annChat);
    await ready(bobChat);
    expect(annChat.getSnapshot().conversation).toMatchObject({ title: 'Rumah Kemang', participants: ['ann', 'bob'] });

    let annMessage: string | undefined;
    const annTrail = statusTrail(annChat, () => annMessage);
    annMessage = annChat.send('Halo Pak, masih bisa nego?');
    annTrail.push(byClientId(annChat, annMessage)!.status); // send() notifies before it returns the id
    expect(byClientId(annChat, annMessage)).toMatchObject({ status: 'sending', senderId: 'ann', id: undefined });
    await until(() => texts(bobChat).includes('Halo Pak, masih bisa nego?'));
    await until(() => byClientId(annChat, annMessage!)?.status === 'delivered');
    bobChat.markRead();
    await until(() => byClientId(annChat, annMessage!)?.status === 'read');
    expect(annTrail).toEqual(['sending', 'sent', 'delivered', 'read']);

    let bobMessage: string | undefined;
    const bobTrail = statusTrail(bobChat, () => bobMessage);
    bobMessage = bobChat.send('Iya, masih bisa nego 5-7%.', [{ url: 'https://cdn.example.com/brosur.pdf', name: 'brosur.pdf', mime: 'application/pdf', size: 12345 }]);
    bobTrail.push(byClientId(bobChat, bobMessage)!.status);
    await until(() => texts(annChat).length === 2);
    annChat.markRead();
    await until(() => byClientId(bobChat, bobMessage!)?.status === 'read');
    expect(bobTrail).toEqual(['sending', 'sent', 'delivered', 'read']);

    for (const store of [annChat, bobChat]) {
      const { messages, readUpTo } = store.getSnapshot();
      expect(messages.map((m) => [m.senderId, m.seq, m.text])).toEqual([
        ['ann', 1, 'Halo Pak, masih bisa nego?'],
        ['bob', 2, 'Iya, masih bisa nego 5-7%.'],
      ]);
      expect(messages[1]!.attachments).toEqual([{ url: 'https://cdn.example.com/brosur.pdf', name: 'brosur.pdf', mime: 'application/pdf', size: 12345 }]);
      expect(readUpTo).toEqual({ ann: messages[1]!.id, bob: messages[1]!.id });
    }
    // The view of a message keeps its key (and object, when unchanged) from optimistic to stored.
    expect(annChat.getSnapshot().messages[0]!.key).toBe(`ann/${annMessage}`);
    const before = annChat.getSnapshot().messages[0];
    annChat.markRead();
    await sleep(50);
    expect(annChat.getSnapshot().messages[0]).toBe(before);
  });

  it('refuses non-participants, unknown conversations and bad input with typed errors', async () => {
    const { chat, server, user } = await setup({ maxTextLength: 10, maxAttachments: 2 });
    await chat.createConversation({ id: 'c1', participants: ['ann', 'bob'] });
    const ann = user('ann');
    const eve = user('eve');

    const spy = watch(chatStore(eve, 'c1'));
    await until(() => spy.getSnapshot().status === 'error');
    expect(spy.getSnapshot().error?.code).toBe('forbidden');
    const ghost = watch(chatStore(ann, 'no-such-chat'));
    await until(() => ghost.getSnapshot().status === 'error');
    expect(ghost.getSnapshot().error?.code).toBe('not_found');

    const code = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: { code: string }) => error.code);
    const send = (client: ChatClient, data: Record<string, unknown>) => code(client.request('chat:send', { conversationId: 'c1', clientMessageId: crypto.randomUUID(), text: 'hi', ...data } as never));
    expect(await send(eve, {})).toBe('forbidden');
    expect(await code(eve.request('chat:load_older', { conversationId: 'c1', before: 'x' }))).toBe('forbidden');
    expect(await code(eve.request('chat:typing_start', { conversationId: 'c1' }))).toBe('forbidden');
    expect(await code(eve.request('chat:mark_as_read', { conversationId: 'c1', upTo: 'x' }))).toBe('forbidden');
    await expect(fetchJson(eve.options, '/api/conversations/c1/messages')).rejects.toMatchObject({ code: 'forbidden' });
    expect(await send(ann, { conversationId: 'nope' })).toBe('not_found');

    expect(await send(ann, { text: 'x'.repeat(11) })).toBe('bad_request');
    expect(await send(ann, { text: '🏠'.repeat(10) })).toBe('ok'); // counted in characters, not UTF-16 units
    expect(await send(ann, { text: '   ' })).toBe('bad_request');
    expect(await send(ann, { text: '', attachments: [{ url: 'https://x.test/a.jpg', name: 'a.jpg', mime: 'image/jpeg', size: 1 }] })).toBe('ok');
    const attachment = { url: 'https://x.test/a.jpg', name: 'a.jpg', mime: 'image/jpeg', size: 1 };
    expect(await send(ann, { attachments: [attachment, attachment, attachment] })).toBe('bad_request');
    expect(await send(ann, { attachments: [{ ...attachment, url: 'javascript:alert(1)' }] })).toBe('invalid_frame');
    expect(await send(ann, { attachments: [{ ...attachment, size: -1 }] })).toBe('invalid_frame');
    expect(await send(ann, { text: 42 })).toBe('invalid_frame');
    expect(await send(ann, { clientMessageId: undefined })).toBe('invalid_frame');
    expect(await send(ann, { senderId: 'bob' })).toBe('ok'); // unknown fields are ignored: the sender comes from the token
    expect(await code(ann.request('chat:send', null as never))).toBe('invalid_frame');
    expect(await code(ann.request('chat:mark_as_read', { conversationId: 'c1', upTo: 'no-such-message' }))).toBe('not_found');
    expect(await code(ann.request('chat:load_older', { conversationId: 'c1', before: 'no-such-message' }))).toBe('not_found');
    expect(await code(ann.request('chat:load_older', { conversationId: 'c1', before: 'x', limit: 10_000 }))).toBe('invalid_frame');
    expect(await code(ann.request('chat:list', { limit: -1 }))).toBe('invalid_frame');

    const history = await fetchJson<{ messages: Array<{ senderId: string }> }>(ann.options, '/api/conversations/c1/messages');
    expect(history.messages.map((m) => m.senderId)).toEqual(['ann', 'ann', 'ann']);

    // A message the server refuses is shown as failed, with the reason.
    const annChat = watch(chatStore(ann, 'c1'));
    await ready(annChat);
    const tooLong = annChat.send('this text is far too long');
    await until(() => byClientId(annChat, tooLong)?.status === 'failed');
    expect(byClientId(annChat, tooLong)?.error?.code).toBe('bad_request');
    expect(annChat.discard(tooLong)).toBe(true);
    expect(byClientId(annChat, tooLong)).toBeUndefined();
    expect(server.connections()).toBe(2); // nothing above broke a connection
  });

  it('typing reaches the others, never the typist, and ends by itself when the typist vanishes', async () => {
    // The typing refresh runs every 100 ms here (the server's expiry is 300 ms), far over the
    // default typing limit (1/s, burst 5), which this test is not about.
    const { chat, proxy, user, viaProxy } = await setup({ typingExpiryMs: 300 }, { rateLimits: { 'chat:typing_start': { perSecond: 50, burst: 50 } } });
    await chat.createConversation({ id: 't1', participants: ['ann', 'bob', 'cy'] });
    // Ann's client never notices a dead connection by itself: only the server's expiry can end her typing.
    const ann = viaProxy('ann', { heartbeat: { intervalMs: 60_000, timeoutMs: 60_000 } });
    const bob = user('bob');
    const annChat = watch(chatStore(ann, 't1'));
    const bobChat = watch(chatStore(bob, 't1'));
    await ready(annChat);
    await ready(bobChat);

    const echoed: string[] = [];
    cleanups.push(ann.room('chat:t1').on('chat:typing', (event) => echoed.push(event.userId)));

    const typing = createTypingController(ann, 't1', { idleMs: 60_000, refreshMs: 100 });
    typing.onInput();
    expect(typing.typing).toBe(true);
    await until(() => bobChat.getSnapshot().typingUsers.join() === 'ann');
    // Input continues past the server's 300 ms expiry: the controller keeps it alive.
    const keepTyping = setInterval(() => typing.onInput(), 50);
    cleanups.push(() => clearInterval(keepTyping));
    await sleep(700);
    expect(bobChat.getSnapshot().typingUsers).toEqual(['ann']);
    // A participant joining now learns it from the join state.
    const cyChat = watch(chatStore(user('cy'), 't1'));
    await until(() => cyChat.getSnapshot().typingUsers.join() === 'ann');
    clearInterval(keepTyping);
    typing.stop();
    expect(typing.typing).toBe(false);
    await until(() => bobChat.getSnapshot().typingUsers.length === 0 && cyChat.getSnapshot().typingUsers.length === 0);

    // Sending a message ends typing too.
    typing.onInput();
    await until(() => bobChat.getSnapshot().typingUsers.length === 1);
    annChat.send('done typing');
    await until(() => bobChat.getSnapshot().typingUsers.length === 0 && texts(bobChat).includes('done typing'));
    typing.stop();

    // Others' typing reaches Ann; her own never comes back to her.
    createTypingController(bob, 't1').onInput();
    await until(() => annChat.getSnapshot().typingUsers.join() === 'bob');
    expect(echoed.filter((userId) => userId === 'ann')).toEqual([]);
    expect(annChat.getSnapshot().typingUsers).toEqual(['bob']);

    // The typist vanishes without a word (a stalled network): the server forgets her.
    typing.onInput();
    await until(() => cyChat.getSnapshot().typingUsers.includes('ann'));
    proxy.stall(true);
    await until(() => !cyChat.getSnapshot().typingUsers.includes('ann') && !bobChat.getSnapshot().typingUsers.includes('ann'));
    proxy.stall(false);
  });

  it('a typist whose connection is cut stops typing at once (long expiry)', async () => {
    const { chat, proxy, user, viaProxy } = await setup({ typingExpiryMs: 60_000 });
    await chat.createConversation({ id: 't2', participants: ['ann', 'bob'] });
    const ann = viaProxy('ann');
    const bobChat = watch(chatStore(user('bob'), 't2'));
    const annChat = watch(chatStore(ann, 't2'));
    await ready(annChat);
    await ready(bobChat);
    createTypingController(ann, 't2').onInput();
    await until(() => bobChat.getSnapshot().typingUsers.join() === 'ann');
    proxy.cutAll();
    await until(() => bobChat.getSnapshot().typingUsers.length === 0);
    // Ann comes back on her own; the conversation carries on.
    await until(() => ann.state === 'open' && annChat.getSnapshot().status === 'ready');
    annChat.send('back');
    await until(() => texts(bobChat).includes('back'));
  });

  it("updates the inbox of a user who has not joined the conversation: order, lastMessage, unread, total", async () => {
    const { chat, server, user, viaProxy, proxy } = await setup();
    await chat.createConversation({ id: 'c-ann', participants: ['ann', 'bob'], title: 'Ann' });
    await chat.createConversation({ id: 'c-cy', participants: ['cy', 'bob'], title: 'Cy' });
    const ann = user('ann');
    const cy = user('cy');
    const bob = viaProxy('bob');
    const inbox = watch(chatListStore(bob));
    expect(chatListStore(bob)).toBe(inbox);
    await until(() => inbox.getSnapshot().status === 'ready' && inbox.getSnapshot().conversations.length === 2);
    const view = () => inbox.getSnapshot().conversations.map((c) => `${c.id}:${c.unread}:${c.lastMessage?.text ?? '-'}`);

    await ann.request('chat:send', { conversationId: 'c-ann', clientMessageId: 'a1', text: 'from ann' });
    await until(() => view()[0] === 'c-ann:1:from ann');
    await sleep(5);
    await cy.request('chat:send', { conversationId: 'c-cy', clientMessageId: 'c1', text: 'cy one' });
    await sleep(5);
    await cy.request('chat:send', { conversationId: 'c-cy', clientMessageId: 'c2', text: 'cy two' });
    await until(() => view().join() === 'c-cy:2:cy two,c-ann:1:from ann');
    expect(inbox.getSnapshot().totalUnread).toBe(3);
    await sleep(5);
    await ann.request('chat:send', { conversationId: 'c-ann', clientMessageId: 'a2', text: 'ann again' });
    await until(() => view().join() === 'c-ann:2:ann again,c-cy:2:cy two');
    expect(inbox.getSnapshot().totalUnread).toBe(4);
    expect(bob.room('chat:c-ann').getSnapshot().status).toBe('idle');
    expect(bob.room('chat:c-cy').getSnapshot().status).toBe('idle');
    // The inbox reaching Bob's device counts as delivered, without opening the conversation.
    const annChat = watch(chatStore(ann, 'c-ann'));
    await until(() => annChat.getSnapshot().messages.at(-1)?.status === 'delivered');

    // Bob cannot read along in the sender's inbox: Ann's list has her own view (unread 0).
    const annList = await ann.request('chat:list', {});
    expect(annList.conversations.map((c) => [c.id, c.unread])).toEqual([['c-ann', 0]]);

    // Reading resets the unread count, live.
    const cyLast = inbox.getSnapshot().conversations.find((c) => c.id === 'c-cy')!.lastMessage!;
    await bob.request('chat:mark_as_read', { conversationId: 'c-cy', upTo: cyLast.id });
    await until(() => inbox.getSnapshot().totalUnread === 2 && view().join() === 'c-ann:2:ann again,c-cy:0:cy two');
    const bobChat = watch(chatStore(bob, 'c-ann'));
    await until(() => bobChat.getSnapshot().messages.length === 2);
    bobChat.markRead();
    await until(() => inbox.getSnapshot().totalUnread === 0);

    // A reconnect in the middle: what happened meanwhile is there once Bob is back.
    proxy.refuse(true);
    proxy.cutAll();
    await until(() => bob.state !== 'open');
    await cy.request('chat:send', { conversationId: 'c-cy', clientMessageId: 'c3', text: 'while you were away' });
    const created = await fetch(`${server.httpUrl}/api/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PUBLISH_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'c-new', participants: ['bob', 'dee'], title: 'New listing' }),
    });
    expect(created.status).toBe(200);
    proxy.refuse(false);
    await until(() => view().join() === 'c-new:0:-,c-cy:1:while you were away,c-ann:0:ann again');
    expect(inbox.getSnapshot().totalUnread).toBe(1);
    const rest = await fetchJson<{ conversations: Array<{ id: string }>; totalUnread: number }>(bob.options, '/api/chat-list');
    expect(rest.conversations.map((c) => c.id)).toEqual(['c-new', 'c-cy', 'c-ann']);
    expect(rest.totalUnread).toBe(1);
  });

  it('a message sent while disconnected is shown as sending and stored once after reconnect', async () => {
    const { chat, proxy, user, viaProxy } = await setup();
    await chat.createConversation({ id: 'o1', participants: ['ann', 'bob'] });
    const ann = viaProxy('ann');
    const annChat = watch(chatStore(ann, 'o1'));
    const bobChat = watch(chatStore(user('bob'), 'o1'));
    await ready(annChat);
    await ready(bobChat);

    proxy.refuse(true);
    proxy.cutAll();
    await until(() => ann.state !== 'open');
    const offline = annChat.send('sent from the lift');
    await sleep(100);
    expect(byClientId(annChat, offline)?.status).toBe('sending');
    expect(ann.outbox.size).toBe(1);
    proxy.refuse(false);
    await until(() => byClientId(annChat, offline)?.status === 'delivered');

    // On the wire when the connection dies: re-sent with the same id, still stored once.
    proxy.stall(true);
    const onTheWire = annChat.send('lost in transit?');
    await sleep(50);
    proxy.cutAll();
    proxy.stall(false);
    await until(() => byClientId(annChat, onTheWire)?.status === 'delivered');
    await sleep(100);
    for (const store of [annChat, bobChat]) expect(texts(store)).toEqual(['sent from the lift', 'lost in transit?']);
  });

  it('a failed message can be retried with the same command id', async () => {
    const { chat, proxy, user, viaProxy } = await setup();
    await chat.createConversation({ id: 'r1', participants: ['ann', 'bob'] });
    const ann = viaProxy('ann', { outbox: { ttlMs: 200 } });
    const annChat = watch(chatStore(ann, 'r1'));
    const bobChat = watch(chatStore(user('bob'), 'r1'));
    await ready(annChat);
    proxy.refuse(true);
    proxy.cutAll();
    await until(() => ann.state !== 'open');
    const id = annChat.send('try again');
    await until(() => byClientId(annChat, id)?.status === 'failed');
    expect(byClientId(annChat, id)?.error?.code).toBe('expired');
    expect(annChat.retry('unknown')).toBe(false);
    proxy.refuse(false);
    await until(() => ann.state === 'open');
    expect(annChat.retry(id)).toBe(true);
    expect(byClientId(annChat, id)?.status).toBe('sending');
    await until(() => texts(bobChat).includes('try again'));
    await until(() => byClientId(annChat, id)?.status === 'delivered');
    expect(texts(annChat)).toEqual(['try again']);
  });

  it('the same clientMessageId or the same command id twice creates one message', async () => {
    const { chat, user } = await setup();
    await chat.createConversation({ id: 'd1', participants: ['ann', 'bob'] });
    const ann = user('ann');
    const bobChat = watch(chatStore(user('bob'), 'd1'));
    await ready(bobChat);
    const data = { conversationId: 'd1', clientMessageId: 'same-local-id', text: 'once' };
    const first = await ann.request('chat:send', data);
    const second = await ann.request('chat:send', data); // a new command id, the same clientMessageId
    expect(second).toEqual(first);
    const viaCommandId = await Promise.all([
      ann.command('chat:send', { ...data, clientMessageId: 'x1', text: 'by command id' }, { id: 'cmd-7' }).done,
      ann.command('chat:send', { ...data, clientMessageId: 'x2', text: 'ignored' }, { id: 'cmd-7' }).done,
    ]);
    expect(viaCommandId[1]).toEqual(viaCommandId[0]);
    const history = await ann.request('chat:load_older', { conversationId: 'd1', before: viaCommandId[0].id });
    await until(() => texts(bobChat).length === 2);
    await sleep(50);
    expect(texts(bobChat)).toEqual(['once', 'by command id']);
    expect(history.messages.map((m) => m.text)).toEqual(['once']);
    // Another user's identical clientMessageId is a different message.
    const bobs = await user('bob').request('chat:send', data);
    expect(bobs.id).not.toBe(first.id);
  });

  it('history: the join carries the latest page, older pages load in order (command and REST)', async () => {
    const { chat, user } = await setup({ pageSize: 5, maxPageSize: 10 });
    await chat.createConversation({ id: 'h1', participants: ['ann', 'bob'] });
    const ann = user('ann');
    const sent = [];
    for (let n = 1; n <= 12; n++) sent.push(await ann.request('chat:send', { conversationId: 'h1', clientMessageId: `h-${n}`, text: `m${n}` }));
    const bob = user('bob');
    const bobChat = watch(chatStore(bob, 'h1', { pageSize: 4 }));
    await ready(bobChat);
    const seqs = () => bobChat.getSnapshot().messages.map((m) => m.seq);
    expect(seqs()).toEqual([8, 9, 10, 11, 12]);
    expect(bobChat.getSnapshot().hasOlder).toBe(true);
    const loading = bobChat.loadOlder();
    expect(bobChat.getSnapshot().loadingOlder).toBe(true);
    await loading;
    expect(seqs()).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    await bobChat.loadOlder();
    await bobChat.loadOlder(); // nothing older: no-op
    expect(texts(bobChat)).toEqual(sent.map((m) => m.text));
    expect(bobChat.getSnapshot().hasOlder).toBe(false);

    type Page = { messages: Array<{ seq: number }>; hasOlder: boolean };
    const page = (query: string) => fetchJson<Page>(bob.options, `/api/conversations/h1/messages${query}`);
    const latest = await page('?limit=4');
    expect(latest.messages.map((m) => m.seq)).toEqual([9, 10, 11, 12]);
    const older = await page(`?before=${sent[8]!.id}&limit=4`);
    expect(older).toEqual({ messages: sent.slice(4, 8), hasOlder: true });
    expect((await page(`?before=${sent[2]!.id}`)).messages.map((m) => m.seq)).toEqual([1, 2]);
    expect((await page('?limit=100')).messages).toHaveLength(10);
    expect((await page('')).messages).toHaveLength(5);
    await expect(page('?before=nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(page('?limit=abc')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(fetchJson(bob.options, '/api/conversations/unknown/messages')).rejects.toMatchObject({ code: 'not_found' });
    const anonymous = await fetch(new URL('/api/conversations/h1/messages', bob.options.url.replace(/^ws/, 'http')));
    expect(anonymous.status).toBe(401);
  });

  it('a store re-subscribed after a long absence shows no hole, and works on a room already joined elsewhere', async () => {
    const { chat, user } = await setup({ pageSize: 3 });
    await chat.createConversation({ id: 'g1', participants: ['ann', 'bob'] });
    const ann = user('ann');
    const bob = user('bob');
    const send = (n: number) => ann.request('chat:send', { conversationId: 'g1', clientMessageId: `g-${n}`, text: `m${n}` });
    for (let n = 1; n <= 3; n++) await send(n);
    const bobChat = chatStore(bob, 'g1');
    const stop = bobChat.subscribe(() => {});
    await ready(bobChat);
    expect(texts(bobChat)).toEqual(['m1', 'm2', 'm3']);
    stop();
    await until(() => bob.room('chat:g1').getSnapshot().status === 'idle');
    for (let n = 4; n <= 10; n++) await send(n);
    // The app's own handler joins the room first; the store still gets its join state.
    cleanups.push(bob.room('chat:g1').on('chat:message', () => {}));
    await until(() => bob.room('chat:g1').getSnapshot().status === 'joined');
    watch(bobChat);
    await until(() => texts(bobChat).join() === 'm8,m9,m10');
    expect(bobChat.getSnapshot().hasOlder).toBe(true);
    await bobChat.loadOlder();
    await bobChat.loadOlder();
    await bobChat.loadOlder();
    expect(texts(bobChat)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
  });

  it('conversations are created by the platform: publisher secret, validation, conflicts', async () => {
    const { chat, server } = await setup({ maxParticipants: 3 });
    const post = (body: unknown, secret = PUBLISH_SECRET) =>
      fetch(`${server.httpUrl}/api/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post({ participants: ['a', 'b'] }, '')).status).toBe(401);
    expect((await post({ participants: ['a', 'b'] }, 'wrong')).status).toBe(401);
    const ok = await post({ participants: ['a', 'b', 'a'], title: 'Viewing' });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { id: string; participants: string[]; title: string };
    expect(body).toMatchObject({ participants: ['a', 'b'], title: 'Viewing' });
    expect(body.id).toMatch(/^c-/);
    expect((await post({ id: body.id, participants: ['a'] })).status).toBe(409);
    expect((await post({ participants: [] })).status).toBe(400);
    expect((await post({ participants: ['a', 'b', 'c', 'd'] })).status).toBe(400);
    expect((await post({ id: 'bad id!', participants: ['a'] })).status).toBe(400);
    await expect(chat.createConversation({ id: body.id, participants: ['a'] })).rejects.toMatchObject({ code: 'conflict' });
    expect(await chat.store.getConversation(body.id)).toMatchObject({ participants: ['a', 'b'] });
  });
});
