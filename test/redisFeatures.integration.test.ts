// Chat and property on two server nodes in one process, each on its own RedisStore (same
// prefix: one shared Redis), the feature stores in Redis, real clients spread over the nodes.
// The stores append the rooms' events in the same Lua step as the change
// (`appendsRoomEvents`), so the room order is the order of the changes on every node:
// concurrent senders on both nodes → every client's view is the same gap-free run; concurrent
// property updates through both nodes → every client applies every version, in order.
import type { SinyalClient } from '@sinyal/client';
import { expect, it } from 'vitest';
import { chatStore, type ChatClient, type ChatStore } from '../packages/client/src/chat';
import { propertyStore } from '../packages/client/src/property/propertyStore';
import type { PropertyEvents } from '../packages/protocol/src/schema/property';
import { SinyalServerError } from '../packages/server/src/errors';
import { chatFeature, RedisChatStore, type ChatFeature } from '../packages/server/src/features/chat';
import { propertyFeature, RedisPropertyStore, type PropertyFeature } from '../packages/server/src/features/property';
import type { Feature } from '../packages/server/src/api/feature';
import type { RedisStore } from '../packages/server/src/redis/redisStore';
import type { SinyalServer } from '../packages/server/src/api/server';
import { connect, sleep, startServer, until } from '../test-utils/harness';
import { redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { cleanup, closeAfter } = redisTest;

/** A RedisStore (one node's connection) on `prefix`, closed after the test (after its server). */
const redisNode = (prefix: string): RedisStore => redisTest.node({ prefix });

/** Two nodes on one fresh prefix: `features(redis)` makes each node's features on its own RedisStore. */
async function twoNodes<F extends Feature>(features: (redis: RedisStore) => F): Promise<Array<{ server: SinyalServer; feature: F }>> {
  const prefix = redisTest.freshPrefix();
  const nodes = [];
  for (let i = 0; i < 2; i++) {
    const redis = redisNode(prefix);
    const feature = features(redis);
    const server = closeAfter(await startServer({ store: redis, features: [feature] }));
    nodes.push({ server, feature });
  }
  return nodes;
}

function client(url: string, user: string): SinyalClient<object, object> {
  return closeAfter(connect(url, user) as unknown as SinyalClient<object, object>);
}

redisTest.describe('chat on two nodes (RedisChatStore)', () => {
  it('four participants on two nodes sending at once: every view is the same gap-free run, and no stored message ever leaves a view', async () => {
    const nodes = await twoNodes((redis) => chatFeature({ store: new RedisChatStore(redis), onError: () => {} }));
    const [a, b] = nodes as [{ server: SinyalServer; feature: ChatFeature }, { server: SinyalServer; feature: ChatFeature }];
    const users = ['ann', 'bob', 'cat', 'dan'];
    await a.feature.createConversation({ id: 'busy', participants: users, title: 'Rumah Kemang' });
    // ann and cat on node A, bob and dan on node B.
    const clients = users.map((user, i) => client((i % 2 === 0 ? a : b).server.url, user) as unknown as ChatClient);
    const stores = clients.map((c) => chatStore(c, 'busy'));
    const vanished: string[] = [];
    for (const [i, store] of stores.entries()) {
      const seen = new Set<string>();
      cleanup(
        store.subscribe(() => {
          const present = new Set(store.getSnapshot().messages.flatMap((m) => (m.id === undefined ? [] : [m.id])));
          for (const id of seen) if (!present.has(id)) vanished.push(`${users[i]} lost ${id}`);
          for (const id of present) seen.add(id);
        }),
      );
    }
    await until(() => stores.every((store) => store.getSnapshot().status === 'ready'));

    const perSender = 30;
    for (let n = 0; n < perSender; n++) for (const [i, store] of stores.entries()) store.send(`${users[i]} ${n}`);
    const total = perSender * users.length;
    const stored = (store: ChatStore) => store.getSnapshot().messages.filter((m) => m.seq !== undefined);
    await until(() => stores.every((store) => stored(store).length === total), 30_000);

    const views = stores.map((store) => store.getSnapshot().messages.map((m) => [m.seq, m.id, m.senderId, m.text]));
    expect(views[0]!.map(([seq]) => seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const view of views.slice(1)) expect(view).toEqual(views[0]);
    // Each sender's messages in the order sent (one client's commands run in order).
    for (const user of users) {
      expect(views[0]!.filter(([, , sender]) => sender === user).map(([, , , text]) => text)).toEqual(Array.from({ length: perSender }, (_, n) => `${user} ${n}`));
    }
    expect(vanished).toEqual([]);
    // The history on the server is the same run.
    const page = await a.feature.store.readMessages('busy', total);
    expect(page!.messages.map((m) => [m.seq, m.id, m.senderId, m.text])).toEqual(views[0]);

    // bob (on node B) sends a message again under a new command id from another device on
    // node A: answered with the stored message, and nothing is announced twice.
    const first = page!.messages.find((m) => m.senderId === 'bob')!;
    const bobOnA = client(a.server.url, 'bob') as unknown as ChatClient;
    const again = await bobOnA.request('chat:send', { conversationId: 'busy', clientMessageId: first.clientMessageId!, text: 'bob 0' });
    expect(again).toEqual(first);
    const events = await b.server.store.readAfter('chat:busy', 0);
    if (events === 'truncated') throw new Error('truncated');
    const announced = events.filter((e) => e.name === 'chat:message').map((e) => e.data);
    expect(announced).toEqual(page!.messages);
  });

  it('refuses to start when the server does not use the RedisStore of the RedisChatStore', async () => {
    const feature = chatFeature({ store: new RedisChatStore(redisNode(redisTest.freshPrefix())), onError: () => {} });
    const error = await startServer({ features: [feature] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/same RedisStore/);
  });
});

/**
 * A node that pauses a moment after each write it wins (GC, a slow link) before going on:
 * had the feature published the event after the write, a pause here would let the other
 * node's next version reach the room first.
 */
class PausingPropertyStore extends RedisPropertyStore {
  override async compareAndSet(...args: Parameters<RedisPropertyStore['compareAndSet']>): Promise<boolean> {
    const written = await super.compareAndSet(...args);
    if (written) await sleep(Math.random() * 4);
    return written;
  }
}

redisTest.describe('property on two nodes (RedisPropertyStore)', () => {
  it('a property updated through both nodes at once: every client, on either node, applies every version in order', async () => {
    const nodes = await twoNodes((redis) => propertyFeature({ store: new PausingPropertyStore(redis), onError: () => {} }));
    const [a, b] = nodes as [{ server: SinyalServer; feature: PropertyFeature }, { server: SinyalServer; feature: PropertyFeature }];
    await a.feature.register('p-1', { status: 'available', price: 5_500_000_000 });
    const viewers = ['ana', 'budi', 'citra', 'dewi'].map((user, i) => client((i % 2 === 0 ? a : b).server.url, user));
    const applied = viewers.map(() => [] as number[]);
    const received = viewers.map(() => [] as number[]);
    const stores = viewers.map((viewer, i) => {
      const store = propertyStore(viewer, 'p-1');
      cleanup(
        store.subscribe(() => {
          const { lastChange } = store.getSnapshot();
          if (lastChange && lastChange.version !== applied[i]!.at(-1)) applied[i]!.push(lastChange.version);
        }),
      );
      const room = viewer.room('property:p-1') as unknown as { on<K extends keyof PropertyEvents>(event: K, listener: (data: PropertyEvents[K]) => void): () => void };
      cleanup(room.on('property:price_updated', (change) => received[i]!.push(change.version)));
      return store;
    });
    await until(() => stores.every((store) => store.getSnapshot().ready && store.getSnapshot().version === 1));

    // 40 price updates through each node, all at once (each node runs its own one at a time;
    // the two nodes race on the stored version).
    const perNode = 40;
    const outcomes = await Promise.all(
      Array.from({ length: perNode * 2 }, (_, n) =>
        (n % 2 === 0 ? a : b).feature.updatePrice('p-1', 5_000_000_000 + n).then(
          (change) => change.version,
          (error: unknown) => {
            // Lost the compare-and-set five times in a row: the caller is told to retry.
            if (error instanceof SinyalServerError && error.code === 'unavailable') return null;
            throw error;
          },
        ),
      ),
    );
    const versions = outcomes.filter((v): v is number => v !== null).sort((x, y) => x - y);
    expect(versions.length).toBeGreaterThan(perNode);
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 2));
    const last = versions.at(-1)!;
    await until(() => stores.every((store) => store.getSnapshot().version === last), 20_000);
    for (const i of viewers.keys()) {
      expect(received[i]).toEqual(versions);
      expect(applied[i]).toEqual(versions);
    }
    const final = await b.feature.get('p-1');
    expect(final.version).toBe(last);
    for (const store of stores) expect(store.getSnapshot()).toMatchObject({ price: final.price, lastChange: final.lastChange });
  });

  it('refuses to start when the server does not use the RedisStore of the RedisPropertyStore', async () => {
    const feature = propertyFeature({ store: new RedisPropertyStore(redisNode(redisTest.freshPrefix())) });
    const error = await startServer({ features: [feature] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String(error)).toMatch(/same RedisStore/);
  });
});
