// Auto-bid (proxy bidding) end to end: real server, real sockets, the client's AuctionStore.
import { onUserFeed, type SinyalClient } from '@sinyal/client';
import { afterEach, describe, expect, it } from 'vitest';
import { auctionStore } from '../packages/client/src/auction/auctionStore';
import type { AuctionCommands, AuctionEvents } from '../packages/protocol/src/schema/auction';
import { auctionFeature } from '../packages/server/src/features/auction';
import { replayAuctionAudit } from '../test-utils/auctionReplay';
import { connect, sleep, startServer, until } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type AuctionClient = SinyalClient<AuctionEvents, AuctionCommands>;

async function setup() {
  const errors: unknown[] = [];
  const feature = auctionFeature({ timerSyncIntervalMs: 200, biddersCoalesceMs: 20, onError: (error) => errors.push(error) });
  const server = await startServer({ features: [feature], limits: { messagesPerSecond: 1000, burst: 5000 } });
  cleanups.push(() => server.close());
  return { feature, server, errors };
}

/** A client of `user` with the auction's store subscribed, and what it saw in the room and its feed. */
function bidder(url: string, user: string, auctionId: string) {
  const c = connect(url, user) as unknown as AuctionClient;
  cleanups.push(() => c.close());
  const store = auctionStore(c, auctionId);
  const seen = { roomFrames: [] as string[], outbid: [] as Array<AuctionEvents['auction:outbid']>, autoBid: [] as Array<AuctionEvents['auction:auto_bid']> };
  const room = c.room(`auction:${auctionId}`);
  const offs = [
    store.subscribe(() => {}),
    room.on('auction:new_bid', (bid) => seen.roomFrames.push(JSON.stringify(bid))),
    onUserFeed(c, (feed) => {
      const a = feed.on('auction:outbid', (data) => seen.outbid.push(data));
      const b = feed.on('auction:auto_bid', (data) => seen.autoBid.push(data));
      return () => (a(), b());
    }),
  ];
  cleanups.push(() => offs.forEach((off) => off()));
  return { c, store, seen };
}

describe('auto-bid', () => {
  it('two auto-bidders and a manual bidder racing: one order everywhere, the price the rules say, nothing after the end', async () => {
    const { feature, server, errors } = await setup();
    const now = Date.now();
    // Bidding takes well under a second; the end leaves room for a loaded machine.
    await feature.createAuction({ id: 'race', startingPrice: 1000, increment: 100, startsAt: now, endsAt: now + 4000, extendWithinMs: 0, extendByMs: 0 });
    const ann = bidder(server.url, 'ann', 'race');
    const annPhone = bidder(server.url, 'ann', 'race');
    const bob = bidder(server.url, 'bob', 'race');
    const carl = bidder(server.url, 'carl', 'race');
    const everyone = [ann, annPhone, bob, carl];
    await until(() => everyone.every((b) => b.store.getSnapshot().state !== undefined && b.c.room('user:' + b.c.user).getSnapshot().status === 'joined'));

    // carl bids what he sees as the minimum, over and over, while ann and bob set their maxima.
    const commands: Array<Promise<unknown>> = [];
    for (let round = 0; round < 8; round++) {
      if (round === 2) commands.push(ann.store.setAutoBid(5000).done);
      if (round === 3) commands.push(bob.store.setAutoBid(4000).done);
      commands.push(carl.store.placeBid(carl.store.getSnapshot().state!.minNextBid).done.catch((error: unknown) => error));
      await sleep(15);
    }
    await Promise.all(commands);
    await until(() => everyone.every((b) => b.store.getSnapshot().state?.status === 'ended'), 15_000);
    await sleep(200);

    // One total order of bids on every client, including the proxy bids (marked auto).
    const reference = ann.store.getSnapshot().bids;
    for (const b of everyone) expect(b.store.getSnapshot().bids).toEqual(reference);
    expect(reference.map((bid) => bid.seq)).toEqual(reference.map((_, i) => i + 1));
    expect(reference.some((bid) => bid.auto)).toBe(true);

    // The audit trail equals the events, and replaying its inputs through the rules gives the same bids.
    const audit = await feature.store.audit('race');
    const replay = replayAuctionAudit({ startingPrice: 1000, increment: 100 }, audit);
    expect(replay.actual).toEqual(replay.expected);

    // The price the rules say: ann's 5000 beats bob's 4000 (at least one increment over it;
    // carl's later manual bids are each answered by ann's auto-bid).
    const state = ann.store.getSnapshot().state!;
    expect(state.finalPrice).toBe(replay.expected.at(-1)!.amount);
    expect(state.finalPrice).toBeGreaterThanOrEqual(4100);
    expect(state.finalPrice).toBeLessThanOrEqual(5000);
    expect(state.winner).toBe(ann.store.getSnapshot().myBidderNumber);
    const ended = (await feature.getAuction('race'))!;
    for (const bid of reference) expect(bid.at).toBeLessThan(ended.endsAt);
    expect(replay.actual.map((bid) => bid.amount)).toEqual(reference.map((bid) => bid.amount));
    expect(replay.actual.map((bid) => bid.auto)).toEqual(reference.map((bid) => bid.auto === true));

    // The owner sees their maximum on every device; nobody else ever sees it.
    expect(ann.store.getSnapshot().autoBid).toEqual({ max: 5000, active: false }); // the auction ended
    expect(annPhone.seen.autoBid.map((event) => event.reason)).toContain('set');
    expect(bob.store.getSnapshot().autoBid).toEqual({ max: 4000, active: false });
    expect(bob.seen.autoBid.at(-1)).toMatchObject({ reason: 'limit_reached', autoBid: { max: 4000, active: false } });
    expect(bob.seen.outbid.some((event) => event.autoBidLimitReached === true)).toBe(true);
    expect(carl.store.getSnapshot().autoBid).toBeNull();
    expect(carl.seen.autoBid).toEqual([]);
    for (const frame of carl.seen.roomFrames) expect(frame).not.toMatch(/"max"/);
    expect(carl.seen.outbid.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('a maximum below the minimum is refused; a cancelled auto-bid stops answering; a second device sees the maximum', async () => {
    const { feature, server } = await setup();
    const now = Date.now();
    await feature.createAuction({ id: 'calm', startingPrice: 1000, increment: 100, startsAt: now, endsAt: now + 60_000 });
    const ann = bidder(server.url, 'ann', 'calm');
    const bob = bidder(server.url, 'bob', 'calm');
    await until(() => [ann, bob].every((b) => b.store.getSnapshot().state !== undefined && b.c.room('user:' + b.c.user).getSnapshot().status === 'joined'));

    const set = await ann.store.setAutoBid(2000).done;
    expect(set).toMatchObject({ autoBid: { max: 2000, active: true }, bid: { amount: 1000, auto: true } });
    await expect(bob.store.setAutoBid(1050).done).rejects.toMatchObject({ code: 'bad_request', details: { reason: 'too_low', minNextBid: 1100 } });
    expect(bob.store.getSnapshot().lastError?.code).toBe('bad_request');

    // bob bids 1100: ann's auto-bid answers 1200 in the same step, before bob's ack.
    await bob.store.placeBid(1100).done;
    await until(() => bob.store.getSnapshot().state?.currentPrice === 1200);
    expect(bob.store.getSnapshot()).toMatchObject({ isLeading: false, outbid: true });
    expect(ann.store.getSnapshot().isLeading).toBe(true);

    // A device that joins later gets the maximum with the join state.
    const annLater = bidder(server.url, 'ann', 'calm');
    await until(() => annLater.store.getSnapshot().state !== undefined);
    expect(annLater.store.getSnapshot().autoBid).toEqual({ max: 2000, active: true });

    expect(await ann.store.cancelAutoBid().done).toEqual({ cancelled: true });
    await until(() => annLater.store.getSnapshot().autoBid === null);
    await bob.store.placeBid(1300).done;
    await sleep(100);
    expect(bob.store.getSnapshot().state).toMatchObject({ currentPrice: 1300 });
    expect(bob.store.getSnapshot().isLeading).toBe(true);
    expect(await ann.store.cancelAutoBid().done).toEqual({ cancelled: false });
  });
});
