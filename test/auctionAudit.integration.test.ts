// The auction audit trail under a hostile signed-in client on a raw socket: a user who may
// not bid writes nothing, a bidder's flood is held to the bid rate limit, and each auction's
// trail is capped (auditLimit) while every accepted bid stays in the bids list.
import type { SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { auctionFeature, type AuctionFeatureOptions } from '../packages/server/src/features/auction';
import { metric, SECRET, startServer } from '../test-utils/harness';
import { rawClient, type RawClient, type RawFrame } from '../test-utils/rawClient';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: AuctionFeatureOptions = {}) {
  const feature = auctionFeature({ timerSyncIntervalMs: 0, onError: () => {}, ...options });
  // A frame budget large enough for the floods: the auction's own limits are under test.
  const s = await startServer({ features: [feature], limits: { messagesPerSecond: 10_000, burst: 10_000 } });
  cleanups.push(() => s.close());
  const now = Date.now();
  await feature.createAuction({ id: 'villa', startingPrice: 1000, increment: 100, startsAt: now, endsAt: now + 600_000 });
  return { s, feature };
}

async function client(s: SinyalServer, user: string): Promise<RawClient> {
  const c = await rawClient(s.url, SECRET, user);
  cleanups.push(() => c.close());
  return c;
}

let n = 0;
/** Sends every bid at once and waits for every answer. */
async function bids(c: RawClient, data: unknown[]): Promise<RawFrame[]> {
  const ids = data.map(() => `bid-${++n}`);
  ids.forEach((id, i) => c.send({ t: 'cmd', id, name: 'auction:place_bid', data: data[i] }));
  return Promise.all(ids.map((id) => c.next((f) => f.id === id && (f.t === 'ack' || f.t === 'nack'))));
}

/** 200 attempts: too low, fractional, malformed (an amount as text), and one with a missing amount. */
const junk = Array.from({ length: 200 }, (_, i) =>
  i % 4 === 0 ? { auctionId: 'villa', amount: 1 } : i % 4 === 1 ? { auctionId: 'villa', amount: 1.5 } : i % 4 === 2 ? { auctionId: 'villa', amount: 'lots' } : { auctionId: 'villa' },
);

describe('auction audit trail', () => {
  it('a user authorize refuses writes nothing, however many (valid or malformed) bids it sends', async () => {
    const { s, feature } = await setup({ authorize: ({ user }) => user.id !== 'mallory' });
    const mallory = await client(s, 'mallory');
    const answers = await bids(mallory, [...junk, { auctionId: 'villa', amount: 5000 }]);
    expect(answers.every((a) => a.t === 'nack' && a.code === 'forbidden')).toBe(true);
    expect(await feature.store.audit('villa')).toEqual([]);
    expect(await metric(s.httpUrl, 'sinyal_auction_audit_dropped_total', 'reason="forbidden"')).toBe(201);
  });

  it("a bidder's flood of refused attempts is held to the bid rate limit: only maxBids per window are written", async () => {
    const { s, feature } = await setup({ bidRateLimit: { maxBids: 5, windowMs: 60_000 } });
    const mallory = await client(s, 'mallory');
    const answers = await bids(mallory, junk);
    const limited = answers.filter((a) => a.t === 'nack' && a.code === 'rate_limited');
    expect(limited).toHaveLength(195);
    expect(limited[0]!.retryAfterMs).toBeGreaterThan(0);
    expect(await feature.store.audit('villa')).toHaveLength(5);
    expect(await metric(s.httpUrl, 'sinyal_auction_audit_dropped_total', 'reason="rate_limited"')).toBe(195);
    // An honest bidder is not affected by the flood.
    const ann = await client(s, 'ann');
    expect((await bids(ann, [{ auctionId: 'villa', amount: 1000 }]))[0]).toMatchObject({ t: 'ack', data: { accepted: true } });
  });

  it('the trail of an auction keeps the latest auditLimit entries; every accepted bid stays in the bids list', async () => {
    const { s, feature } = await setup({ auditLimit: 20, bidRateLimit: { maxBids: 1000, windowMs: 1000 } });
    const ann = await client(s, 'ann');
    const accepted = await bids(ann, Array.from({ length: 50 }, (_, i) => ({ auctionId: 'villa', amount: 1000 + i * 100 })));
    expect(accepted.every((a) => a.t === 'ack')).toBe(true);
    const audit = await feature.store.audit('villa');
    expect(audit).toHaveLength(20);
    expect(audit.map((e) => e.bidId)).toEqual(Array.from({ length: 20 }, (_, i) => `villa.${i + 31}`));
    const state = await feature.getAuction('villa');
    expect(state).toMatchObject({ bidCount: 50, currentPrice: 5900 });
    expect((await feature.store.get('villa', 1000))!.recentBids).toHaveLength(50);
    expect(await metric(s.httpUrl, 'sinyal_auction_audit_dropped_total', 'reason="trimmed"')).toBe(30);
    expect(await metric(s.httpUrl, 'sinyal_auction_audit_limit')).toBe(20);
  });
});
