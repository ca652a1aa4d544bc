// Live auction end to end: real server, real sockets, the client's AuctionStore.
import { once } from 'node:events';
import { onUserFeed, type SinyalClient } from '@sinyal/client';
import { createDevToken } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { auctionStore, type AuctionStore } from '../packages/client/src/auction/auctionStore';
import type { AuctionAudit, AuctionCommands, AuctionEvents, AuctionJoinState, AuctionState, PlaceBidResult } from '../packages/protocol/src/schema/auction';
import { auctionFeature, MemoryAuctionStore, type AuctionFeatureOptions } from '../packages/server/src/features/auction';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, SECRET, sleep, startServer, until } from '../test-utils/harness';

const PUBLISHER = 'auction-publisher-secret';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type AuctionClient = SinyalClient<AuctionEvents, AuctionCommands>;

async function setup(options: AuctionFeatureOptions = {}) {
  const errors: unknown[] = [];
  const feature = auctionFeature({ timerSyncIntervalMs: 100, biddersCoalesceMs: 20, onError: (error) => errors.push(error), ...options });
  const server = await startServer({ features: [feature], publishSecret: PUBLISHER, limits: { messagesPerSecond: 1000, burst: 5000 } });
  cleanups.push(() => server.close());
  return { feature, server, errors };
}

function client(url: string, user: string): AuctionClient {
  const c = connect(url, user) as unknown as AuctionClient;
  cleanups.push(() => c.close());
  return c;
}

/** Subscribes a store and records what one client saw in the room and in its feed. */
function watch(c: AuctionClient, auctionId: string) {
  const store = auctionStore(c, auctionId);
  const seen = { ended: [] as Array<AuctionEvents['auction:auction_ended']>, feedEnded: [] as unknown[], outbid: [] as Array<AuctionEvents['auction:outbid']>, extended: [] as number[], syncs: 0 };
  const room = c.room(`auction:${auctionId}`);
  const offs = [
    store.subscribe(() => {}),
    room.on('auction:auction_ended', (data) => seen.ended.push(data)),
    room.on('auction:time_extended', (data) => seen.extended.push(data.endsAt)),
    room.on('auction:timer_sync', () => void seen.syncs++),
    onUserFeed(c, (feed) => {
      const a = feed.on('auction:outbid', (data) => seen.outbid.push(data));
      const b = feed.on('auction:auction_ended', (data) => seen.feedEnded.push(data));
      return () => (a(), b());
    }),
  ];
  cleanups.push(() => offs.forEach((off) => off()));
  return { store, seen, client: c };
}

const ready = (w: { store: AuctionStore; client: AuctionClient }) =>
  w.store.getSnapshot().state !== undefined && w.client.room(`user:${w.client.user}`).getSnapshot().status === 'joined';

async function fails(promise: Promise<unknown>): Promise<{ code: string; message: string; retryAfterMs?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

async function rest<T>(url: string, token: string | undefined, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** A bare protocol connection, to read nacks exactly as sent. */
async function rawConnection(url: string, user: string) {
  const token = await createDevToken(SECRET, user);
  const ws = new WebSocket(url, ['sinyal.v1'], { headers: { authorization: `Bearer ${token}` } });
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  await once(ws, 'open');
  cleanups.push(() => ws.close());
  ws.send(JSON.stringify({ t: 'hello', v: 1 }));
  await until(() => frames.some((f) => f.t === 'welcome'));
  let n = 0;
  return {
    frames,
    bid(auctionId: string, amount: unknown) {
      const id = `raw-${++n}`;
      ws.send(JSON.stringify({ t: 'cmd', id, name: 'auction:place_bid', data: { auctionId, amount } }));
      return id;
    },
    answer: (id: string) => frames.find((f) => (f.t === 'ack' || f.t === 'nack') && f.id === id),
  };
}

describe('auction', () => {
  it('20 bidders × 50 concurrent bids: one total order, one winner, nothing after the end', async () => {
    const { feature, server, errors } = await setup({ bidRateLimit: { maxBids: 1000, windowMs: 1000 } });
    const now = Date.now();
    const increment = 10;
    await feature.createAuction({ id: 'stress', startingPrice: 100, increment, startsAt: now, endsAt: now + 4000, extendWithinMs: 200, extendByMs: 200 });
    const bidders = Array.from({ length: 20 }, (_, i) => watch(client(server.url, `bidder-${i}`), 'stress'));
    await until(() => bidders.every(ready));
    expect(new Set(bidders.map((b) => b.store.getSnapshot().myBidderNumber)).size).toBe(20);
    await until(() => bidders.every((b) => b.store.getSnapshot().state!.activeBidders === 20));

    const results = await Promise.all(
      bidders.map(async ({ store }) => {
        const commands = [];
        for (let i = 0; i < 50; i++) {
          const { minNextBid } = store.getSnapshot().state!;
          const r = Math.random();
          // ~20% deliberately too low; the rest at or a little above the minimum this bidder sees.
          const amount = r < 0.2 ? minNextBid - increment : minNextBid + Math.floor(r * 3) * increment;
          commands.push(store.placeBid(amount));
          if (Math.random() < 0.5) await sleep(Math.random() * 6);
        }
        return Promise.allSettled(commands.map((cmd) => cmd.done));
      }),
    );
    const settled = results.flat();
    expect(settled).toHaveLength(1000);
    const accepted = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.bid] : [])).sort((a, b) => a.seq - b.seq);
    const refusedCodes = new Set(settled.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : [])));
    expect(accepted.length).toBeGreaterThan(10);
    expect([...refusedCodes].every((code) => code === 'bad_request' || code === 'conflict')).toBe(true);
    expect(accepted.map((b) => b.seq)).toEqual(accepted.map((_, i) => i + 1));
    for (let i = 1; i < accepted.length; i++) expect(accepted[i]!.amount).toBeGreaterThanOrEqual(accepted[i - 1]!.amount + increment);

    await until(() => bidders.every((b) => b.store.getSnapshot().state?.status === 'ended'), 15_000);
    await sleep(100);
    const ids = accepted.map((b) => b.bidId);
    const last = accepted[accepted.length - 1]!;
    for (const { store, seen } of bidders) {
      const snap = store.getSnapshot();
      expect(snap.bids.map((b) => b.bidId)).toEqual(ids);
      expect(seen.ended).toHaveLength(1);
      expect(seen.ended[0]).toMatchObject({ winner: last.bidderNumber, finalPrice: last.amount, bidCount: accepted.length });
      expect(snap.state).toMatchObject({ winner: last.bidderNumber, finalPrice: last.amount, currentPrice: last.amount });
      expect(snap.isLeading).toBe(snap.myBidderNumber === last.bidderNumber);
      expect(snap.outbid).toBe(snap.myBidderNumber !== last.bidderNumber && accepted.some((b) => b.bidderNumber === snap.myBidderNumber));
      // Outbid exactly when a bid of yours was overtaken by someone else's.
      const expectedOutbid = accepted.filter((b, i) => i > 0 && accepted[i - 1]!.bidderNumber === snap.myBidderNumber && b.bidderNumber !== snap.myBidderNumber).map((b) => b.seq);
      expect(seen.outbid.map((o) => o.bidSeq)).toEqual(expectedOutbid);
      // The winner also hears the end in its own feed.
      expect(seen.feedEnded).toHaveLength(snap.myBidderNumber === last.bidderNumber ? 1 : 0);
    }
    const endedAt = bidders[0]!.seen.ended[0]!.endedAt;
    const final = (await feature.getAuction('stress'))!;
    expect(accepted.every((b) => b.at < final.endsAt && b.at < endedAt)).toBe(true);

    // After the end every bid is refused as `conflict`, whatever the amount.
    expect(await fails(bidders[0]!.store.placeBid(last.amount * 10).done)).toMatchObject({ code: 'conflict' });
    const audit = await feature.store.audit('stress');
    expect(audit).toHaveLength(1001);
    expect(audit.filter((e) => e.result === 'accepted').map((e) => e.bidId)).toEqual(ids);
    expect(audit.filter((e) => e.result === 'accepted').every((e) => e.at < endedAt)).toBe(true);
    expect(audit.at(-1)).toMatchObject({ result: 'rejected', reason: 'ended', userId: 'bidder-0' });
    expect(errors).toEqual([]);
  });

  it('scheduled → active → extended by a late bid → ended; bad bids are refused with the right codes', async () => {
    const { feature, server } = await setup();
    const now = Date.now();
    // Starts 1.5 s out so the joins below finish before it, even on a loaded machine.
    const created = await feature.createAuction({ id: 'menteng', startingPrice: 1000, increment: 50, startsAt: now + 1500, endsAt: now + 2600, extendWithinMs: 500, extendByMs: 800 });
    expect(created).toMatchObject({ status: 'scheduled', currentPrice: 1000, minNextBid: 1000, leader: null });
    // One after the other: bidder numbers follow join order.
    const ann = watch(client(server.url, 'ann'), 'menteng');
    await until(() => ready(ann));
    const bob = watch(client(server.url, 'bob'), 'menteng');
    await until(() => ready(bob));
    expect(ann.store.getSnapshot()).toMatchObject({ status: 'joined', myBidderNumber: 1, isLeading: false, outbid: false, state: { status: 'scheduled' } });
    expect(bob.store.getSnapshot().myBidderNumber).toBe(2);
    expect(ann.store.msUntilStart()).toBeGreaterThan(0);

    // Not started yet.
    const early = await fails(ann.store.placeBid(1000).done);
    expect(early).toMatchObject({ code: 'conflict' });
    expect(early.message).toMatch(/not started/);
    await until(() => ann.store.getSnapshot().lastError?.code === 'conflict');

    await until(() => ann.store.getSnapshot().state?.status === 'active');
    const ticks: number[] = [];
    const stopCountdown = ann.store.subscribeCountdown((ms) => ticks.push(ms), 20);
    const first = await ann.store.placeBid(1000).done;
    expect(first).toMatchObject({ accepted: true, bid: { seq: 1, amount: 1000, bidderNumber: 1 } });
    await until(() => ann.store.getSnapshot().isLeading && ann.store.getSnapshot().lastError === undefined);

    // Too low: below current + increment, the minimum is named.
    const low = await fails(bob.store.placeBid(1040).done);
    expect(low).toMatchObject({ code: 'bad_request' });
    expect(low.message).toMatch(/minimum is 1050/);
    expect((low as { details?: unknown }).details).toEqual({ reason: 'too_low', minNextBid: 1050 }); // structured, for the UI

    // A bid in the last 500 ms extends the end to bid time + 800 ms.
    const originalEnd = ann.store.getSnapshot().state!.endsAt;
    await until(() => ann.store.msRemaining() < 450);
    const late = await bob.store.placeBid(1050).done;
    await until(() => ann.seen.extended.length === 1 && ann.store.getSnapshot().outbid);
    expect(ann.seen.extended[0]).toBe(late.bid.at + 800);
    expect(ann.seen.extended[0]).toBeGreaterThan(originalEnd);
    expect(ann.store.getSnapshot()).toMatchObject({ isLeading: false, outbid: true, state: { endsAt: late.bid.at + 800, currentPrice: 1050, minNextBid: 1100, leader: 2 } });
    expect(ann.seen.outbid).toEqual([{ auctionId: 'menteng', newHighBid: 1050, yourBid: 1000, bidSeq: 2, minNextBid: 1100 }]);
    expect(bob.seen.outbid).toEqual([]);

    await until(() => ann.store.getSnapshot().state?.status === 'ended');
    expect(ann.store.getSnapshot().state).toMatchObject({ winner: 2, finalPrice: 1050, endsAt: late.bid.at + 800 });
    expect(ann.seen.ended[0]!.endedAt).toBeGreaterThanOrEqual(late.bid.at + 800);
    expect(bob.seen.feedEnded).toHaveLength(1);
    expect(ann.seen.syncs).toBeGreaterThan(0);
    expect(ticks.length).toBeGreaterThan(3);
    expect(ticks.at(-1)).toBe(0);
    const ticksAtEnd = ticks.length;
    await sleep(80);
    expect(ticks.length).toBe(ticksAtEnd); // no ticking once ended
    stopCountdown();
    const afterEnd = await fails(bob.store.placeBid(5000).done);
    expect(afterEnd).toMatchObject({ code: 'conflict' });
    expect(afterEnd.message).toMatch(/ended/);

    // Unknown auction, malformed data.
    const raw = await rawConnection(server.url, 'ann');
    const unknown = raw.bid('nope', 1000);
    const negative = raw.bid('menteng', -5);
    const text = raw.bid('menteng', '1000');
    const fraction = raw.bid('menteng', 10.5);
    await until(() => [unknown, negative, text, fraction].every((id) => raw.answer(id)));
    expect(raw.answer(unknown)).toMatchObject({ t: 'nack', code: 'not_found' });
    for (const id of [negative, text, fraction]) expect(raw.answer(id)).toMatchObject({ t: 'nack', code: 'invalid_frame' });
    const ghost = watch(client(server.url, 'cy'), 'nope');
    await until(() => ghost.store.getSnapshot().status === 'error');
    expect(ghost.store.getSnapshot().lastError?.code).toBe('not_found');

    const audit = await feature.store.audit('menteng');
    expect(audit.map((e) => [e.userId, e.result, e.reason ?? null, e.amount])).toEqual([
      ['ann', 'rejected', 'not_started', 1000],
      ['ann', 'accepted', null, 1000],
      ['bob', 'rejected', 'too_low', 1040],
      ['bob', 'accepted', null, 1050],
      ['bob', 'rejected', 'ended', 5000],
      ['ann', 'rejected', 'invalid', -5],
      ['ann', 'rejected', 'invalid', null],
      ['ann', 'rejected', 'invalid', 10.5],
    ]);
  });

  it('rate limits each bidder: nack rate_limited with retryAfterMs; the outbox re-sends and the bid lands once', async () => {
    const { feature, server } = await setup({ bidRateLimit: { maxBids: 3, windowMs: 300 } });
    const now = Date.now();
    await feature.createAuction({ id: 'rl', startingPrice: 100, increment: 1, startsAt: now, endsAt: now + 20_000 });
    const raw = await rawConnection(server.url, 'spammer');
    const ids = [100, 101, 102, 103, 104].map((amount) => raw.bid('rl', amount));
    await until(() => ids.every((id) => raw.answer(id)));
    expect(ids.map((id) => raw.answer(id)!.t)).toEqual(['ack', 'ack', 'ack', 'nack', 'nack']);
    for (const id of ids.slice(3)) {
      const nack = raw.answer(id)!;
      expect(nack.code).toBe('rate_limited');
      expect(nack.retryAfterMs).toBeGreaterThan(0);
      expect(nack.retryAfterMs).toBeLessThanOrEqual(300);
    }
    // Someone else is not limited by the spammer.
    const calm = watch(client(server.url, 'calm'), 'rl');
    await until(() => ready(calm));
    const commands = [103, 104, 105, 106, 107].map((amount) => calm.store.placeBid(amount));
    const done = await Promise.all(commands.map((cmd) => cmd.done));
    expect(done.map((d: PlaceBidResult) => d.bid.amount)).toEqual([103, 104, 105, 106, 107]);
    const audit = await feature.store.audit('rl');
    // Attempts over the limit are neither counted nor written: calm's re-sent bids each landed once.
    expect(audit.filter((e) => e.userId === 'calm').map((e) => [e.result, e.amount])).toEqual([103, 104, 105, 106, 107].map((amount) => ['accepted', amount]));
    expect(audit.filter((e) => e.userId === 'spammer').map((e) => e.reason ?? 'ok')).toEqual(['ok', 'ok', 'ok']);
  });

  it('a bidder cut mid-auction reconnects, its queued bid lands once, and it ends with the identical history', async () => {
    const { feature, server } = await setup({ bidRateLimit: { maxBids: 100, windowMs: 1000 } });
    const proxy = await createFaultProxy({ targetPort: server.port });
    cleanups.push(() => proxy.close());
    const now = Date.now();
    // Long enough for a reconnect with backoff on a loaded machine before the end.
    await feature.createAuction({ id: 'cut', startingPrice: 10, increment: 1, startsAt: now, endsAt: now + 5000, extendWithinMs: 0 });
    const flaky = watch(client(`ws://127.0.0.1:${proxy.port}/ws`, 'flaky'), 'cut');
    const others = ['b', 'c'].map((user) => watch(client(server.url, user), 'cut'));
    await until(() => ready(flaky) && others.every(ready));
    const resets: string[] = [];
    flaky.client.room('auction:cut').onReset((info) => resets.push(info.reason));

    let bidding = true;
    const loops = others.map(async ({ store }) => {
      while (bidding) {
        await store.placeBid(store.getSnapshot().state!.minNextBid + 1).done.catch(() => {});
        await sleep(15);
      }
    });
    await until(() => flaky.store.getSnapshot().bids.length >= 5);
    await flaky.store.placeBid(flaky.store.getSnapshot().state!.minNextBid).done.catch(() => {});
    proxy.refuse(true);
    proxy.cutAll();
    await until(() => flaky.client.state !== 'open');
    // Placed while offline: waits in the outbox, goes out once after the reconnect.
    const offline = flaky.store.placeBid(1_000_000);
    await sleep(300);
    expect(offline.status).toBe('queued');
    proxy.refuse(false);
    const placed = await offline.done;
    await sleep(300);
    bidding = false;
    await Promise.all(loops);

    await until(() => [flaky, ...others].every((w) => w.store.getSnapshot().state?.status === 'ended'), 10_000);
    const accepted = (await feature.store.audit('cut')).filter((e) => e.result === 'accepted').map((e) => e.bidId);
    expect(accepted.filter((id) => id === placed.bid.bidId)).toHaveLength(1);
    for (const w of [flaky, ...others]) {
      expect(w.store.getSnapshot().bids.map((b) => b.bidId)).toEqual(accepted);
      expect(w.seen.ended).toHaveLength(1);
    }
    expect(resets).toEqual([]);
    expect(proxy.accepted()).toBeGreaterThanOrEqual(2);
  });

  it('a store that fails at the end time (a Redis blip) does not leave the auction open: the end is retried', async () => {
    class BlippingStore extends MemoryAuctionStore {
      failures = 2;
      override async endAuction(auctionId: string, now: number) {
        if (this.failures-- > 0) throw new Error('store unreachable');
        return super.endAuction(auctionId, now);
      }
    }
    const store = new BlippingStore();
    const { feature, server, errors } = await setup({ store });
    const now = Date.now();
    await feature.createAuction({ id: 'blip', startingPrice: 100, increment: 10, startsAt: now, endsAt: now + 400, extendWithinMs: 0, extendByMs: 0 });
    const w = watch(client(server.url, 'ann'), 'blip');
    await until(() => ready(w));
    await w.store.placeBid(100).done;
    await until(() => w.seen.ended.length === 1, 10_000);
    expect(w.seen.ended[0]).toMatchObject({ auctionId: 'blip', finalPrice: 100, bidCount: 1 });
    expect(store.failures).toBeLessThan(0); // it failed twice, and was tried again until it closed
    expect(errors.map(String)).toContain('Error: store unreachable');
    expect(await store.listOpen()).toEqual([]);
  });

  it('counts distinct bidders live and serves the REST endpoints', async () => {
    const { feature, server } = await setup();
    const now = Date.now();
    // Created through REST by the platform.
    const body = { id: 'rest-1', startingPrice: 500, increment: 25, startsAt: now, endsAt: now + 60_000 };
    expect((await rest(`${server.httpUrl}/api/auctions`, undefined, { body })).status).toBe(401);
    const created = await rest<AuctionState>(`${server.httpUrl}/api/auctions`, PUBLISHER, { body });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ auctionId: 'rest-1', status: 'active', minNextBid: 500, extendWithinMs: 120_000, extendByMs: 120_000 });
    expect((await rest(`${server.httpUrl}/api/auctions`, PUBLISHER, { body })).status).toBe(409);
    expect((await rest(`${server.httpUrl}/api/auctions`, PUBLISHER, { body: { ...body, id: 'x', endsAt: now - 1 } })).status).toBe(400);
    expect((await rest(`${server.httpUrl}/api/auctions`, PUBLISHER, { body: { ...body, id: 'y', increment: 0 } })).status).toBe(400);

    const tab1 = watch(client(server.url, 'dee'), 'rest-1');
    const tab2 = watch(client(server.url, 'dee'), 'rest-1');
    const eve = watch(client(server.url, 'eve'), 'rest-1');
    await until(() => [tab1, tab2, eve].every((w) => w.store.getSnapshot().state?.activeBidders === 2));
    expect(tab1.store.getSnapshot().myBidderNumber).toBe(tab2.store.getSnapshot().myBidderNumber);
    await tab1.store.placeBid(500).done;
    eve.client.close();
    await until(() => tab1.store.getSnapshot().state?.activeBidders === 1);

    const deeToken = await createDevToken(SECRET, 'dee');
    const state = await rest<AuctionJoinState>(`${server.httpUrl}/api/auctions/rest-1`, deeToken);
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ currentPrice: 500, minNextBid: 525, myBidderNumber: 1, myHighestBid: 500, leader: 1, bidCount: 1 });
    expect(state.body.recentBids).toHaveLength(1);
    expect((await rest(`${server.httpUrl}/api/auctions/nope`, deeToken)).status).toBe(404);
    expect((await rest(`${server.httpUrl}/api/auctions/rest-1/audit`, deeToken)).status).toBe(401);
    const audit = await rest<AuctionAudit>(`${server.httpUrl}/api/auctions/rest-1/audit`, PUBLISHER);
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toEqual([{ at: expect.any(Number), userId: 'dee', bidderNumber: 1, amount: 500, result: 'accepted', bidId: 'rest-1.1' }]);
    expect((await rest(`${server.httpUrl}/api/auctions/nope/audit`, PUBLISHER)).status).toBe(404);
  });

  it('authorize refuses joins and bids; one store instance per client and auction', async () => {
    const { feature, server } = await setup({ authorize: ({ user }) => user.id !== 'banned' });
    await feature.createAuction({ id: 'vip', startingPrice: 1, increment: 1, startsAt: Date.now(), endsAt: Date.now() + 60_000 });
    const banned = client(server.url, 'banned');
    expect(auctionStore(banned, 'vip')).toBe(auctionStore(banned, 'vip'));
    const w = watch(banned, 'vip');
    await until(() => w.store.getSnapshot().status === 'error');
    expect(w.store.getSnapshot().lastError?.code).toBe('forbidden');
    expect(await fails(w.store.placeBid(5).done)).toMatchObject({ code: 'forbidden' });
    // authorize is asked first: a user who may not bid writes nothing into the auction's trail.
    expect(await feature.store.audit('vip')).toEqual([]);
  });

  it('authorize is told the action: a user refused only "bid" watches the auction but cannot bid', async () => {
    const actions: string[] = [];
    const { feature, server } = await setup({
      authorize: ({ user, action }) => {
        actions.push(`${user.id}:${action}`);
        return !(user.id === 'seller-agent' && action === 'bid');
      },
    });
    await feature.createAuction({ id: 'own', startingPrice: 100, increment: 10, startsAt: Date.now(), endsAt: Date.now() + 60_000 });
    const agent = client(server.url, 'seller-agent');
    const w = watch(agent, 'own');
    await until(() => w.store.getSnapshot().state?.status === 'active');
    expect(await fails(w.store.placeBid(100).done)).toMatchObject({ code: 'forbidden' });
    expect(w.store.getSnapshot().state?.bidCount).toBe(0);
    expect(await feature.store.audit('own')).toEqual([]);
    const buyer = watch(client(server.url, 'buyer'), 'own');
    await until(() => buyer.store.getSnapshot().state?.status === 'active');
    await buyer.store.placeBid(100).done;
    await until(() => w.store.getSnapshot().state?.bidCount === 1);
    expect(actions).toEqual(expect.arrayContaining(['seller-agent:join', 'seller-agent:bid', 'buyer:join', 'buyer:bid']));
  });
});
