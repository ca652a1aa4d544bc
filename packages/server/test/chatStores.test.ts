import type { ChatMessage } from '@sinyal/protocol/schema';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { runInCommandScope } from '../src/commands/commandScope';
import { MemoryChatStore } from '../src/features/chat/memoryChatStore';
import { RedisChatStore } from '../src/features/chat/redisChatStore';
import type { ChatStore, NewChatMessage } from '../src/features/chat/store';
import type { RedisStore } from '../src/redis/redisStore';
import { REDIS_URL, redisTestScope, roomEventsExactly } from '../../../test-utils/redis';
import { chatStoreContract, draft } from './chatStoreContract';

const redisTest = await redisTestScope();
const { prefix, freshPrefix } = redisTest;

/** A RedisStore (= one node) on `keyPrefix`; closed after each test. */
const node = (keyPrefix: string): RedisStore => redisTest.node({ prefix: keyPrefix });

/** A store that appends the conversation rooms' events itself (as the chat feature sets it up). */
function appending(redis: RedisStore, roomHistory = 1000): RedisChatStore {
  const store = new RedisChatStore(redis);
  store.appendsRoomEvents(roomHistory);
  return store;
}

chatStoreContract('MemoryChatStore', () => new MemoryChatStore());

redisTest.describe('RedisChatStore', () => {
  // Every contract test gets keys of its own under this file's prefix.
  chatStoreContract('RedisChatStore', () => new RedisChatStore(node(freshPrefix())));
  // Appending the room's events changes nothing the store answers.
  chatStoreContract('RedisChatStore appending room events', () => appending(node(freshPrefix())));

  it('behaves exactly like the memory store over a random run of every method', async () => {
    const memory = new MemoryChatStore();
    const redis = new RedisChatStore(node(`${prefix}random:`));
    let seed = 42;
    const random = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
    };
    const users = ['ann', 'bob', 'cat', 'dan'];
    const conversations = ['k1', 'k2', 'k3'];
    let messages = 0;
    const idsOf = new Map<string, string[]>();
    const seen = new Map<string, number>();
    // Arguments are drawn before the call: both stores get the same ones.
    const both = async <T>(call: (store: ChatStore) => Promise<T>) => {
      const [expected, actual] = [await call(memory), await call(redis)];
      expect(actual).toEqual(expected);
      return expected;
    };
    const tally = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    for (const [i, id] of conversations.entries()) {
      const participants = users.filter((_, u) => (u + i) % 4 !== 3);
      await both((s) => s.createConversation({ id, title: `t${i}`, participants, createdAt: 500 + (i % 2) * 100 }));
    }
    for (let step = 0; step < 600; step++) {
      const conversationId = conversations[random(conversations.length)]!;
      const userId = users[random(users.length)]!;
      const known = idsOf.get(conversationId) ?? [];
      // Mostly a message of this conversation, sometimes one of another or none at all.
      const messageId = random(6) === 0 || known.length === 0 ? `r${random(messages + 2)}` : known[random(known.length)]!;
      switch (random(7)) {
        case 0:
        case 1: {
          messages++;
          const message: NewChatMessage = {
            ...draft(messages, userId, random(3) === 0 ? null : `cm${random(40)}`, conversationId),
            id: `r${messages}`,
            createdAt: 1000 + random(5000),
          };
          const stored = await both((s) => s.appendMessage(message));
          tally(stored === undefined ? 'append:unknown' : stored.created ? 'append:created' : 'append:retry');
          if (stored?.created) idsOf.set(conversationId, [...(idsOf.get(conversationId) ?? []), stored.message.id]);
          break;
        }
        case 2: {
          const kind = random(2) === 0 ? 'read' : 'delivered';
          const moved = await both((s) => s.advanceMarker(conversationId, userId, kind, messageId, 10_000 + step));
          tally(moved === undefined ? 'mark:unknown' : `mark:${kind}:${moved.advanced}`);
          break;
        }
        case 3: {
          const [limit, before] = [1 + random(6), random(2) === 0 ? undefined : messageId];
          const page = await both((s) => s.readMessages(conversationId, limit, before));
          tally(page === undefined ? 'page:unknown' : `page:${page.hasOlder}`);
          break;
        }
        case 4:
          await both((s) => s.summary(conversationId, userId));
          break;
        case 5: {
          const limit = 1 + random(4);
          await both((s) => s.list(userId, limit));
          break;
        }
        default:
          await both((s) => s.markers(conversationId));
      }
    }
    // The run went through every path.
    for (const what of ['append:created', 'append:retry', 'mark:unknown', 'mark:read:true', 'mark:read:false', 'mark:delivered:true', 'mark:delivered:false', 'page:unknown', 'page:true', 'page:false']) {
      expect(seen.get(what), what).toBeGreaterThan(0);
    }
  });

  it('two nodes appending, retrying and marking concurrently: seqs 1..N, one message per clientMessageId, exact unread', async () => {
    const own = `${prefix}race:`;
    const [a, b] = [new RedisChatStore(node(own)), new RedisChatStore(node(own))];
    const created = await Promise.all([a, b, a, b].map((s) => s.createConversation({ id: 'race', title: null, participants: ['ann', 'bob', 'cat'], createdAt: 1 })));
    expect(created.filter(Boolean)).toHaveLength(1);

    const total = 200;
    const senderOf = (i: number) => (i % 3 === 0 ? 'bob' : 'ann');
    const send = (store: RedisChatStore, i: number) =>
      store.appendMessage({ ...draft(i, senderOf(i), `cm-${i}`, 'race'), id: `${store === a ? 'a' : 'b'}-${i}`, text: `message ${i}` });
    // Every message sent from one node, and 50 of them retried from the other at the same time.
    const results = await Promise.all([
      ...Array.from({ length: total }, (_, i) => send(i % 2 === 0 ? a : b, i)),
      ...Array.from({ length: 50 }, (_, k) => send(k % 2 === 0 ? b : a, k * 4)),
    ]);
    const stored = results.filter((r) => r?.created).map((r) => r!.message);
    expect(stored.map((m) => m.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const byClientId = new Map(stored.map((m) => [m.clientMessageId, m]));
    expect(byClientId.size).toBe(total);
    for (const result of results) expect(result!.message).toEqual(byClientId.get(result!.message.clientMessageId));

    const page = (await b.readMessages('race', 500))!;
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(page.messages).toEqual([...stored].sort((x, y) => x.seq - y.seq));
    const lastOf = (userId: string) => Math.max(0, ...page.messages.filter((m) => m.senderId === userId).map((m) => m.seq));
    const unreadAfter = (userId: string, seq: number) => page.messages.filter((m) => m.seq > seq && m.senderId !== userId).length;
    expect((await a.summary('race', 'cat'))!).toMatchObject({ unread: total, rev: total });
    expect((await a.summary('race', 'ann'))!.unread).toBe(unreadAfter('ann', lastOf('ann')));
    expect((await b.summary('race', 'bob'))!.unread).toBe(unreadAfter('bob', lastOf('bob')));

    // cat reads and acknowledges delivery from both nodes at once, in random order: the markers
    // end at the furthest message, each forward step is reported once, unread is recounted.
    const targets = Array.from({ length: 60 }, (_, i) => page.messages[(i * 37) % total]!);
    const moves = await Promise.all(
      targets.flatMap((m, i) => [
        (i % 2 ? a : b).advanceMarker('race', 'cat', 'read', m.id, 5000 + i),
        (i % 2 ? b : a).advanceMarker('race', 'cat', 'delivered', m.id, 5000 + i),
      ]),
    );
    const furthest = Math.max(...targets.map((m) => m.seq));
    const markers = await b.markers('race');
    expect(markers.read.cat!.seq).toBe(furthest);
    expect(markers.delivered.cat!.seq).toBe(furthest);
    const readMoves = moves.filter((_, i) => i % 2 === 0 && moves[i]!.advanced).length;
    expect((await a.summary('race', 'cat'))!).toMatchObject({ unread: total - furthest, rev: total + readMoves });
    expect((await a.list('cat', 10)).totalUnread).toBe(total - furthest);
  });

  it('a second node sees what the first wrote', async () => {
    const own = `${prefix}shared:`;
    const [a, b] = [new RedisChatStore(node(own)), new RedisChatStore(node(own))];
    await a.createConversation({ id: 's1', title: 'shared', participants: ['ann', 'bob'], createdAt: 10 });
    await a.appendMessage(draft(1, 'ann', 'x', 's1'));
    await b.appendMessage(draft(2, 'bob', 'y', 's1'));
    expect(await b.appendMessage({ ...draft(3, 'ann', 'x', 's1') })).toMatchObject({ created: false, message: { id: 'm1', seq: 1 } });
    await a.advanceMarker('s1', 'bob', 'delivered', 'm1', 50);
    for (const [reader, other] of [
      [a, b],
      [b, a],
    ] as const) {
      expect(await reader.getConversation('s1')).toEqual(await other.getConversation('s1'));
      expect(await reader.readMessages('s1', 10)).toEqual(await other.readMessages('s1', 10));
      expect(await reader.markers('s1')).toEqual(await other.markers('s1'));
      expect(await reader.summary('s1', 'ann')).toEqual(await other.summary('s1', 'ann'));
      expect(await reader.list('bob', 10)).toEqual(await other.list('bob', 10));
    }
    expect((await b.readMessages('s1', 10))!.messages.map((m) => [m.id, m.seq])).toEqual([
      ['m1', 1],
      ['m2', 2],
    ]);
    expect((await b.summary('s1', 'ann'))!).toMatchObject({ unread: 1, rev: 2, lastMessage: { id: 'm2' } });
  });

  it('appendsRoomEvents: chat:message and the receipts go into the room in the store step, exactly as a publish writes them; a retry appends nothing', async () => {
    const own = `${prefix}events:`;
    const redis = node(own);
    const store = appending(redis);
    const odd = 'o"neil\\ü🙂{x}';
    const conversation = { id: 'c.odd:1@x-y_z', title: 'Rumah "Kemang" \u2028 ✓', participants: [odd, 'bob'], createdAt: 1_712_345_678_901.5 };
    await store.createConversation(conversation);
    const room = `chat:${conversation.id}`;
    const message: NewChatMessage = {
      id: 'id-"1"',
      conversationId: conversation.id,
      senderId: odd,
      clientMessageId: 'cm\n1',
      text: 'halo 👋 "quoted" \\ back\nslash {"senderId":"bob",} \u0000 \u2028',
      attachments: [{ url: 'https://cdn.example/a.jpg?x=1&y="2"', name: 'Foto rumah.jpg', mime: 'image/jpeg', size: Number.MAX_SAFE_INTEGER }],
      createdAt: 9_007_199_254_740_991,
    };
    const first = (await store.appendMessage(message))!;
    expect(first).toEqual({ message: { ...message, seq: 1 }, created: true });
    // The retry: same message back, nothing appended.
    expect(await store.appendMessage({ ...message, id: 'other', text: 'retry' })).toEqual({ message: first.message, created: false });
    const delivered = (await store.advanceMarker(conversation.id, 'bob', 'delivered', 'id-"1"', 1_712_345_678_901.25))!;
    expect(await store.advanceMarker(conversation.id, 'bob', 'delivered', 'id-"1"', 5)).toMatchObject({ advanced: false }); // not a move: nothing
    const second = (await store.appendMessage({ ...message, id: 'm2', senderId: 'bob', clientMessageId: null, createdAt: 2 }))!;
    const read = (await store.advanceMarker(conversation.id, odd, 'read', 'm2', 3))!;
    expect(await store.advanceMarker('c.odd:1@x-y_z', odd, 'read', 'id-"1"', 4)).toMatchObject({ advanced: false });

    const events = await roomEventsExactly(redis, room);
    expect(events.map((e) => [e.seq, e.name, e.data])).toEqual([
      [1, 'chat:message', first.message],
      [2, 'chat:delivered', { conversationId: conversation.id, userId: 'bob', ...delivered.marker }],
      [3, 'chat:message', second.message],
      [4, 'chat:read', { conversationId: conversation.id, userId: odd, ...read.marker }],
    ]);
    for (const event of events) expect(Math.abs(event.at - Date.now())).toBeLessThan(10_000);

    // Without appendsRoomEvents (the feature publishes): the room is left alone.
    const plain = new RedisChatStore(redis);
    await plain.appendMessage({ ...message, id: 'm3', clientMessageId: 'new' });
    await plain.advanceMarker(conversation.id, 'bob', 'read', 'm3', 6);
    expect(await redis.readAfter(room, 0)).toHaveLength(4);
  });

  it('appendsRoomEvents, two nodes, 200 concurrent sends and 50 retries: the room holds chat:message seq 1..200 in order, once each', async () => {
    const own = `${prefix}event-race:`;
    const [a, b] = [appending(node(own)), appending(node(own))];
    await a.createConversation({ id: 'race', title: null, participants: ['ann', 'bob', 'cat'], createdAt: 1 });
    const total = 200;
    const send = (store: RedisChatStore, i: number) =>
      store.appendMessage({ ...draft(i, i % 3 === 0 ? 'bob' : 'ann', `cm-${i}`, 'race'), id: `${store === a ? 'a' : 'b'}-${i}`, text: `message ${i}` });
    const results = await Promise.all([
      ...Array.from({ length: total }, (_, i) => send(i % 2 === 0 ? a : b, i)),
      ...Array.from({ length: 50 }, (_, k) => send(k % 2 === 0 ? b : a, k * 4)),
    ]);
    expect(results.filter((r) => r?.created)).toHaveLength(total);
    const events = await roomEventsExactly(b.redis, 'chat:race');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(events.every((e) => e.name === 'chat:message')).toBe(true);
    const announced = events.map((e) => e.data as ChatMessage);
    expect(announced.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(announced).toEqual((await a.readMessages('race', total))!.messages);
  });

  it('a node dying after storing a message: a retry of the command on another node is answered with the message, not re-run', async () => {
    const own = `${prefix}dying:`;
    const [redisA, redisB] = [redisTest.node({ prefix: own, commandLeaseMs: 100 }), redisTest.node({ prefix: own, commandLeaseMs: 100 })];
    const a = appending(redisA);
    await a.createConversation({ id: 'd', title: null, participants: ['ann', 'bob'], createdAt: 1 });
    const scope = async <T>(key: string, run: () => Promise<T>) => {
      const claim = await redisA.claimCommand(key);
      if (claim.status !== 'claimed') throw new Error('expected a claim');
      const command = { key, token: claim.token, windowMs: 60_000 };
      const result = await runInCommandScope(command, run);
      // The inbox update the feature publishes next, in the same command: the message stays the recorded effect.
      await runInCommandScope(command, () => redisA.append('user:bob', { name: 'chat:inbox_updated', data: {}, at: 1 }, 10));
      return result;
    };
    const sent = (await scope('send-1', () => a.appendMessage(draft(1, 'ann', 'cm-1', 'd'))))!;
    const marked = (await scope('mark-1', () => a.advanceMarker('d', 'bob', 'read', 'm1', 5)))!;
    // …node A dies here, before saving the outcomes.
    expect(await redisB.claimCommand('send-1')).toEqual({ status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await redisB.claimCommand('send-1')).toEqual({ status: 'done', outcome: { ok: true, data: sent.message } });
    expect(await redisB.claimCommand('mark-1')).toEqual({ status: 'done', outcome: { ok: true, data: marked.marker } });
    // The retry of the same message under a new command id: answered, nothing appended again.
    const b = appending(redisB);
    expect(await scope('send-2', () => b.appendMessage({ ...draft(2, 'ann', 'cm-1', 'd'), text: 'again' }))).toEqual({ message: sent.message, created: false });
    expect((await roomEventsExactly(redisB, 'chat:d')).map((e) => e.name)).toEqual(['chat:message', 'chat:read']);
  });

  it('keeps its keys under the prefix, one hash tag per conversation and per user, nothing expiring', async () => {
    const own = `${prefix}keys:`;
    const store = new RedisChatStore(node(own));
    await store.createConversation({ id: 'k', title: null, participants: ['ann', 'bob'], createdAt: 1 });
    await store.appendMessage(draft(1, 'ann', 'x', 'k'));
    await store.advanceMarker('k', 'bob', 'delivered', 'm1', 2);
    const redis = new Redis(REDIS_URL);
    try {
      // The core's node liveness key (RedisStore nodeTtlMs) is not the chat store's.
      const keys = (await redis.keys(`${own}*`)).filter((k) => !k.startsWith(`${own}node:`)).sort();
      expect(keys).toEqual(
        [
          'chat:conv:{k}',
          'chat:conv:{k}:cids',
          'chat:conv:{k}:delivered',
          'chat:conv:{k}:ids',
          'chat:conv:{k}:msgs',
          'chat:conv:{k}:read',
          'chat:conv:{k}:sent:ann',
          'chat:user:{ann}:convs',
          'chat:user:{ann}:unread',
          'chat:user:{bob}:convs',
          'chat:user:{bob}:unread',
        ].map((k) => own + k),
      );
      for (const key of keys) expect(await redis.pttl(key)).toBe(-1);
      expect(await redis.type(`${own}chat:conv:{k}:msgs`)).toBe('list');
      expect(await redis.type(`${own}chat:user:{ann}:convs`)).toBe('zset');
      expect(await redis.zrange(`${own}chat:conv:{k}:sent:ann`, 0, -1)).toEqual(['1']);
    } finally {
      redis.disconnect();
    }
  });

  it('rejects every method with `unavailable`, quickly, when Redis is unreachable', async () => {
    const down = redisTest.node({ url: 'redis://127.0.0.1:1', redis: { retryStrategy: () => null } });
    const store = new RedisChatStore(down);
    const started = Date.now();
    const calls: Array<() => Promise<unknown>> = [
      () => store.createConversation({ id: 'x', title: null, participants: ['a'], createdAt: 1 }),
      () => store.getConversation('x'),
      () => store.appendMessage(draft(1, 'a', 'x', 'x')),
      () => store.readMessages('x', 10),
      () => store.advanceMarker('x', 'a', 'read', 'm1', 1),
      () => store.markers('x'),
      () => store.summary('x', 'a'),
      () => store.list('a', 10),
    ];
    for (const call of calls) await expect(call()).rejects.toMatchObject({ name: 'SinyalServerError', code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
