// The five platform features on three server processes sharing one Redis
// (`platformFeatures({ redis })`, test-utils/nodeProcess.ts), clients spread over the nodes:
// one auction with one total order of bids and one winner, chat, presence counts and
// notifications consistent everywhere, and a node killed with SIGKILL in the middle.
import { onUserFeed, type SinyalClient } from '@sinyal/client';
import { createDevToken } from '@sinyal/server';
import { expect, it } from 'vitest';
import { auctionStore } from '../packages/client/src/auction/auctionStore';
import { chatListStore, chatStore, type ChatClient } from '../packages/client/src/chat';
import { notificationsStore } from '../packages/client/src/notification/notificationsStore';
import { viewerCountStore } from '../packages/client/src/presence';
import type { AuctionAuditEntry, AuctionCommands, AuctionEvents } from '../packages/protocol/src/schema/auction';
import { replayAuctionAudit } from '../test-utils/auctionReplay';
import { createLoadBalancer } from '../test-utils/loadBalancer';
import { NODE_PUBLISH_SECRET, startNode, type NodeProcess } from '../test-utils/nodeCluster';
import { connect, SECRET, sleep, until as untilHolds } from '../test-utils/harness';
import { REDIS_URL, redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { cleanup } = redisTest;

/** Three nodes on a fresh prefix (a fresh platform), killed after the test. */
async function cluster(options: { presenceTtlMs?: number } = {}): Promise<NodeProcess[]> {
  const prefix = redisTest.freshPrefix();
  const nodes = await Promise.all([0, 1, 2].map(() => startNode({ redisUrl: REDIS_URL, prefix, secret: SECRET, commandLeaseMs: 2000, ...options })));
  for (const n of nodes) cleanup(() => n.kill());
  return nodes;
}

function client<E extends object = object, C extends object = object>(url: string, user: string): SinyalClient<E, C> {
  return redisTest.closeAfter(connect(url, user) as unknown as SinyalClient<E, C>);
}

/** Subscribes to a store for the rest of the test. */
function watch<S extends { subscribe(listener: () => void): () => void }>(store: S): S {
  cleanup(store.subscribe(() => {}));
  return store;
}

/** A publisher call to a node's REST API. */
async function publisher<T>(node: NodeProcess, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${node.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${NODE_PUBLISH_SECRET}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** GET a node's REST API with a bearer token. */
async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return (await response.json()) as T;
}

type AuctionClient = SinyalClient<AuctionEvents, AuctionCommands>;

/** `until` that says what it waited for, and what it saw, when it times out. */
async function until(check: () => boolean, timeoutMs = 10_000, what?: () => unknown): Promise<void> {
  try {
    await untilHolds(check, timeoutMs);
  } catch (error) {
    if (what) throw new Error(`timed out waiting; saw ${JSON.stringify(what())}`);
    throw error;
  }
}

redisTest.describe('platform features on three processes sharing Redis', () => {
  it('20 bidders over 3 nodes, one node killed mid-auction: one total order, identical histories, one winner, one end', async () => {
    const nodes = await cluster();
    const lb = await createLoadBalancer({ backends: nodes.map((n) => n.port) });
    redisTest.closeAfter(lb);
    const now = Date.now();
    // Created on node 0 only, which is the node killed below: the other nodes learn of the
    // auction from their joins and keep its timers, so it still ends (once). 10 s leaves room
    // for slow joins on a loaded machine; the bidding itself takes about one second.
    await publisher(nodes[0]!, '/api/auctions', { id: 'menteng', startingPrice: 1000, increment: 10, startsAt: now, endsAt: now + 10_000, extendWithinMs: 300, extendByMs: 300 });

    const bidders = Array.from({ length: 20 }, (_, i) => {
      const c = client<AuctionEvents, AuctionCommands>(`ws://127.0.0.1:${lb.port}/ws`, `bidder-${i}`) as AuctionClient;
      const store = watch(auctionStore(c, 'menteng'));
      const room = c.room('auction:menteng');
      const seen = { bids: [] as Array<{ seq: number; amount: number; bidderNumber: number }>, ended: [] as Array<AuctionEvents['auction:auction_ended']>, feedEnded: 0 };
      cleanup(
        room.on('auction:new_bid', (bid) => seen.bids.push({ seq: bid.seq, amount: bid.amount, bidderNumber: bid.bidderNumber })),
        room.on('auction:auction_ended', (ended) => seen.ended.push(ended)),
        onUserFeed(c, (feed) => feed.on('auction:auction_ended', () => void seen.feedEnded++)),
      );
      return { c, store, seen };
    });
    await until(() => bidders.every((b) => b.store.getSnapshot().state !== undefined), 20_000);
    expect([...lb.routed.values()].every((n) => n >= 6)).toBe(true); // spread over the three nodes
    expect(new Set(bidders.map((b) => b.store.getSnapshot().myBidderNumber)).size).toBe(20);

    // Everyone bids what they see as the minimum (plus a little), many at the same amount.
    let killed = false;
    const commands: Array<Promise<unknown>> = [];
    for (let round = 0; round < 12; round++) {
      if (round === 5) {
        await nodes[0]!.kill(); // the creator; its bidders reconnect through the load balancer and resume
        killed = true;
      }
      for (const [i, b] of bidders.entries()) {
        const state = b.store.getSnapshot().state;
        if (!state || state.status !== 'active') continue;
        commands.push(b.store.placeBid(state.minNextBid + (i % 3) * 10).done.catch((error: unknown) => error));
      }
      await sleep(60);
    }
    expect(killed).toBe(true);
    const outcomes = await Promise.all(commands);
    const accepted = outcomes.filter((o): o is { accepted: true; bid: { seq: number } } => typeof o === 'object' && o !== null && (o as { accepted?: boolean }).accepted === true);
    expect(accepted.length).toBeGreaterThan(10);
    // Every refusal is a typed one (too low, mostly); none is lost or unanswered.
    for (const o of outcomes) if (!(o as { accepted?: boolean }).accepted) expect((o as { code?: string }).code).toMatch(/^(bad_request|conflict|unavailable)$/);
    // Accepted seqs are unique: each bid was accepted once, even when re-sent after the kill.
    expect(new Set(accepted.map((a) => a.bid.seq)).size).toBe(accepted.length);

    await until(() => bidders.every((b) => b.seen.ended.length > 0), 30_000);
    await sleep(500);
    const reference = bidders[0]!.seen.bids;
    const bidCount = bidders[0]!.seen.ended[0]!.bidCount;
    // No bid ran twice: every accepted bid was answered as accepted, except (at most) bids whose
    // client gave up with `unavailable` while the store still accepted them.
    const gaveUp = outcomes.filter((o) => (o as { code?: string }).code === 'unavailable').length;
    expect(bidCount).toBeGreaterThanOrEqual(accepted.length);
    expect(bidCount - accepted.length).toBeLessThanOrEqual(gaveUp);
    expect(reference.map((b) => b.seq)).toEqual(Array.from({ length: bidCount }, (_, i) => i + 1)); // 1..N, no gap
    expect(reference.map((b) => b.amount)).toEqual([...reference.map((b) => b.amount)].sort((a, b) => a - b));
    for (const b of bidders) {
      expect(b.seen.bids).toEqual(reference); // identical histories everywhere
      expect(b.seen.ended).toHaveLength(1); // one end, never repeated
      expect(b.seen.ended[0]).toEqual(bidders[0]!.seen.ended[0]);
    }
    const last = reference[reference.length - 1]!;
    expect(bidders[0]!.seen.ended[0]).toMatchObject({ winner: last.bidderNumber, finalPrice: last.amount, bidCount: reference.length });
    const winners = bidders.filter((b) => b.store.getSnapshot().myBidderNumber === last.bidderNumber);
    expect(winners).toHaveLength(1);
    await until(() => winners[0]!.seen.feedEnded === 1, 10_000);
    expect(bidders.reduce((sum, b) => sum + b.seen.feedEnded, 0)).toBe(1); // only the winner's feed, once
    // The audit (asked on another node) holds every accepted bid exactly once.
    const audit = await getJson<{ entries: Array<{ result: string; bidId?: string }> }>(`${nodes[2]!.httpUrl}/api/auctions/menteng/audit`, NODE_PUBLISH_SECRET);
    expect(audit.entries.filter((e) => e.result === 'accepted').map((e) => e.bidId)).toEqual(reference.map((b) => `menteng.${b.seq}`));
  });

  it('30 bidders of whom 10 auto-bid over 3 nodes, one node killed mid-auction: one order, the price the rules say, the audit equals the events', async () => {
    const nodes = await cluster();
    const lb = await createLoadBalancer({ backends: nodes.map((n) => n.port) });
    redisTest.closeAfter(lb);
    const now = Date.now();
    await publisher(nodes[0]!, '/api/auctions', { id: 'pondok', startingPrice: 1000, increment: 10, startsAt: now, endsAt: now + 10_000, extendWithinMs: 300, extendByMs: 300 });

    const bidders = Array.from({ length: 30 }, (_, i) => {
      const c = client<AuctionEvents, AuctionCommands>(`ws://127.0.0.1:${lb.port}/ws`, `pb-${i}`) as AuctionClient;
      const store = watch(auctionStore(c, 'pondok'));
      const seen = { bids: [] as Array<{ seq: number; amount: number; bidderNumber: number; auto: boolean }>, ended: [] as Array<AuctionEvents['auction:auction_ended']> };
      const room = c.room('auction:pondok');
      cleanup(
        room.on('auction:new_bid', (bid) => seen.bids.push({ seq: bid.seq, amount: bid.amount, bidderNumber: bid.bidderNumber, auto: bid.auto === true })),
        room.on('auction:auction_ended', (ended) => seen.ended.push(ended)),
      );
      return { c, store, seen };
    });
    await until(() => bidders.every((b) => b.store.getSnapshot().state !== undefined), 20_000);

    // Bidders 0–9 auto-bid (maxima 1300, 1337, … 1633, set over the first rounds); 10–29 bid by hand.
    const commands: Array<Promise<unknown>> = [];
    for (let round = 0; round < 12; round++) {
      if (round === 5) await nodes[0]!.kill(); // its bidders reconnect through the load balancer and re-send
      if (round < 10) commands.push(bidders[round]!.store.setAutoBid(1300 + round * 37).done.catch((error: unknown) => error));
      for (const [i, b] of bidders.entries()) {
        const state = b.store.getSnapshot().state;
        if (i < 10 || !state || state.status !== 'active' || i % 2 !== round % 2) continue;
        commands.push(b.store.placeBid(state.minNextBid + (i % 3) * 10).done.catch((error: unknown) => error));
      }
      await sleep(60);
    }
    const outcomes = await Promise.all(commands);
    for (const o of outcomes) if (!(o as { bid?: unknown; autoBid?: unknown }).bid && !(o as { autoBid?: unknown }).autoBid) expect((o as { code?: string }).code).toMatch(/^(bad_request|conflict|unavailable)$/);

    await until(() => bidders.every((b) => b.seen.ended.length > 0), 30_000);
    await sleep(500);
    const reference = bidders[0]!.seen.bids;
    expect(reference.map((b) => b.seq)).toEqual(reference.map((_, i) => i + 1));
    for (const b of bidders) {
      expect(b.seen.bids).toEqual(reference); // one order on every client, proxy bids included
      expect(b.seen.ended).toEqual(bidders[0]!.seen.ended);
    }
    expect(reference.some((b) => b.auto)).toBe(true);
    expect(reference.map((b) => b.amount)).toEqual([...reference.map((b) => b.amount)].sort((x, y) => x - y));

    // The audit, read on another node, equals the events, and replaying its inputs through the rules gives the same bids.
    const audit = await getJson<{ entries: AuctionAuditEntry[] }>(`${nodes[2]!.httpUrl}/api/auctions/pondok/audit`, NODE_PUBLISH_SECRET);
    const accepted = audit.entries.filter((e) => e.result === 'accepted' && e.action === undefined);
    expect(accepted.map((e) => [e.bidId, e.amount, e.auto === true])).toEqual(reference.map((b) => [`pondok.${b.seq}`, b.amount, b.auto]));
    const replay = replayAuctionAudit({ startingPrice: 1000, increment: 10 }, audit.entries);
    expect(replay.actual).toEqual(replay.expected);
    const last = reference.at(-1)!;
    expect(bidders[0]!.seen.ended[0]).toMatchObject({ winner: last.bidderNumber, finalPrice: last.amount, bidCount: reference.length });
    for (const bid of accepted) expect(bid.at).toBeLessThan(bidders[0]!.seen.ended[0]!.endedAt + 1);
  });

  it('chat, inbox, viewer counts and notifications agree across nodes; a killed node\'s viewers expire', async () => {
    const nodes = await cluster({ presenceTtlMs: 1500 });
    const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
    await publisher(a, '/api/conversations', { id: 'kemang', participants: ['ann', 'bob'], title: 'Rumah Kemang' });

    // Chat: ann on node A, bob on node B, bob's inbox on node C.
    const ann = client(a.url, 'ann') as unknown as ChatClient;
    const bob = client(b.url, 'bob') as unknown as ChatClient;
    const bobInboxClient = client(c.url, 'bob') as unknown as ChatClient;
    const annChat = watch(chatStore(ann, 'kemang'));
    const bobChat = watch(chatStore(bob, 'kemang'));
    const bobInbox = watch(chatListStore(bobInboxClient));
    await until(() => annChat.getSnapshot().status === 'ready' && bobChat.getSnapshot().status === 'ready', 10_000);
    for (let i = 0; i < 10; i++) {
      annChat.send(`ann ${i}`);
      bobChat.send(`bob ${i}`);
    }
    const settled = (store: typeof annChat) => {
      const { messages } = store.getSnapshot();
      return messages.length > 0 && messages.every((m) => m.seq !== undefined) && messages[messages.length - 1]!.seq === 20;
    };
    await until(() => settled(annChat) && settled(bobChat), 15_000, () => [annChat, bobChat].map((x) => x.getSnapshot().messages.map((m) => [m.seq, m.status])));
    const view = (store: typeof annChat) => store.getSnapshot().messages.map((m) => [m.seq, m.senderId, m.text]);
    expect(view(annChat)).toEqual(view(bobChat)); // the same window, the same order
    // The whole history, read through the third node: 20 messages, seqs 1..20, each sender's in order.
    const history = await getJson<{ messages: Array<{ seq: number; senderId: string; text: string }> }>(
      `${c.httpUrl}/api/conversations/kemang/messages?limit=50`,
      await createDevToken(SECRET, 'ann', 3600),
    );
    expect(history.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const sender of ['ann', 'bob']) {
      expect(history.messages.filter((m) => m.senderId === sender).map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `${sender} ${i}`));
    }
    // Bob's own sends moved his read marker: what he has not read are ann's messages after his last send.
    const lastBob = Math.max(...bobChat.getSnapshot().messages.filter((m) => m.senderId === 'bob').map((m) => m.seq ?? 0));
    const expectedUnread = bobChat.getSnapshot().messages.filter((m) => m.senderId === 'ann' && (m.seq ?? 0) > lastBob).length;
    await until(() => bobInbox.getSnapshot().conversations.find((x) => x.id === 'kemang')?.lastMessage?.seq === 20, 10_000, () => bobInbox.getSnapshot());
    expect(bobInbox.getSnapshot().conversations.find((x) => x.id === 'kemang')!.unread).toBe(expectedUnread);

    // Presence: viewers of one listing on all three nodes; every node shows the same count.
    const watchers = [
      ['v1', a],
      ['v2', b],
      ['v3', b],
      ['v4', c],
    ].map(([user, node]) => watch(viewerCountStore(client((node as NodeProcess).url, user as string), 'p-42')));
    await until(() => watchers.every((w) => w.getSnapshot().count === 4), 10_000, () => watchers.map((w) => w.getSnapshot()));
    // Node B dies without a word: its two viewers disappear once their presence expires.
    await b.kill();
    await until(() => watchers[0]!.getSnapshot().count === 2 && watchers[3]!.getSnapshot().count === 2, 20_000, () => watchers.map((w) => w.getSnapshot().count));

    // Notifications: sent through node C's API to a user connected to node A, read on node C.
    const dina = client(a.url, 'dina');
    const dinaFeed = watch(notificationsStore(dina));
    await until(() => dinaFeed.getSnapshot().status === 'ready', 10_000, () => dinaFeed.getSnapshot());
    for (let i = 0; i < 3; i++) {
      await publisher(c, '/api/notifications', { userId: 'dina', category: 'message', type: 'agent_reply', title: `reply ${i}`, body: 'Pak Budi replied', priority: 'instant' });
    }
    await until(() => dinaFeed.getSnapshot().unreadCount === 3, 10_000, () => dinaFeed.getSnapshot());
    const page = await getJson<{ items: Array<{ title: string }>; unreadCount: number }>(`${c.httpUrl}/api/notifications`, await createDevToken(SECRET, 'dina', 3600));
    expect(page.unreadCount).toBe(3);
    expect(page.items.map((n) => n.title)).toEqual(['reply 2', 'reply 1', 'reply 0']);
    expect(dinaFeed.getSnapshot().items.map((n) => n.title)).toEqual(['reply 2', 'reply 1', 'reply 0']);
  });
});

