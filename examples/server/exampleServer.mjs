// The reference server set up for the example apps: every feature (platformFeatures()), a
// fixed DEV secret, demo users, seeded listings, a conversation between each demo buyer and
// the agent, a live auction on p-1 that starts again when it ends, and the node bots.
//
// ⚠️ DEMO ONLY: `GET /demo/login?user=…` hands out a token to anyone who asks, and the JWT
// secret is written below. A real platform issues tokens from its own login (see
// docs/server.md, "Authentication") and never ships such a route.
import { createDevToken, createServer, generateVapidKeys, MemoryStore, platformFeatures } from '@sinyal/server';
import { startBots } from '../node-bots/bots.mjs';
import { formatPrice } from '../shared/format.mjs';

export const DEMO_SECRET = 'example-secret-DEMO-ONLY-not-for-production-0123456789';
export const DEMO_PUBLISH_SECRET = 'example-publish-secret-DEMO-ONLY';

/** People you can sign in as (`?user=<id>` in the app). Bots sign in the same way. */
export const DEMO_USERS = [
  { id: 'buyer-1', name: 'Budi', role: 'buyer' },
  { id: 'buyer-2', name: 'Ani', role: 'buyer' },
  { id: 'agent-1', name: 'Sari', role: 'agent' },
  { id: 'bot-joko', name: 'Joko (bot)', role: 'buyer', bot: true },
  { id: 'bot-wati', name: 'Wati (bot)', role: 'buyer', bot: true },
];

/** The listings: the platform's own data, which Sinyal only makes live. */
// Titles and areas are the sellers' own words (Indonesian): the apps show them as data, in
// an English UI (kind, bedrooms and so on are labelled by the apps).
export const DEMO_PROPERTIES = [
  { id: 'p-1', title: 'Rumah Kemang, 4 KT', kind: 'house', city: 'Jakarta Selatan', bedrooms: 4, bathrooms: 3, areaM2: 320, price: 5_500_000_000, status: 'available', hue: 18, auction: true },
  { id: 'p-2', title: 'Apartemen Menteng, 2 KT', kind: 'apartment', city: 'Jakarta Pusat', bedrooms: 2, bathrooms: 2, areaM2: 96, price: 2_150_000_000, status: 'available', hue: 205 },
  { id: 'p-3', title: 'Townhouse BSD, 3 KT', kind: 'townhouse', city: 'Tangerang', bedrooms: 3, bathrooms: 2, areaM2: 180, price: 3_250_000_000, status: 'under_offer', hue: 140 },
];

export const AGENT_ID = 'agent-1';
export const conversationIdFor = (buyerId) => `c-${buyerId}`;

/**
 * Starts the example server. Options:
 * - `port` (8787; 0 = any), `host` ('127.0.0.1')
 * - `bots` (true): the scripted agent, bidders and price changes of examples/node-bots
 * - `auctionMs` (180 000): how long each auction runs; `auctionGapMs` (10 000) between two
 * - `extendWithinMs` / `extendByMs` (15 000 / 15 000): anti-sniping of the demo auctions
 * - `log` (console.log): one line per notable thing; `null` for silence
 * - `vapid` (a pair generated at start): the VAPID keys of Web Push ("Notify me when I'm
 *   away"); `npm run example` passes the pair kept in .sinyal/vapid-dev.json, so browser
 *   subscriptions survive restarts
 */
export async function startExampleServer(options = {}) {
  const {
    port: wantedPort = 8787,
    host = '127.0.0.1',
    bots = true,
    auctionMs = 180_000,
    auctionGapMs = 10_000,
    extendWithinMs = 15_000,
    extendByMs = 15_000,
    log = console.log,
    vapid = generateVapidKeys(),
  } = options;
  const say = log ?? (() => {});
  const store = new MemoryStore(); // kept across restart(), as Redis would be
  const users = new Map(DEMO_USERS.map((user) => [user.id, user]));
  const auctionProperty = new Map(); // auction id → the listing it sells
  const listingAgentOf = (auctionId) => (auctionProperty.has(auctionId) ? AGENT_ID : undefined); // every demo listing is Sari's
  const platform = platformFeatures({
    auction: {
      timerSyncIntervalMs: 2000,
      biddersCoalesceMs: 200,
      // Anyone signed in may follow an auction; the listing's own agent may not bid in it.
      authorize: ({ user, auctionId, action }) => action !== 'bid' || user.id !== listingAgentOf(auctionId),
    },
    // Notification texts write prices as the apps do.
    // Web Push to users who are away (the apps' "Notify me when I'm away").
    notification: { batchWindowMs: 3000, rateLimit: false, formatPrice, push: { vapid: { ...vapid, subject: 'mailto:demo@sinyal-homes.invalid' } } },
    presence: {
      coalesceMs: 200,
      // The platform knows its agents: their status is shown to buyers even before they first
      // sign in; the agent sees the buyers they chat with. Nobody else sees anyone's status.
      statusVisibility: (viewer, userId) => users.get(userId)?.role === 'agent' || users.get(viewer.id)?.role === 'agent',
    },
  });

  let auctionRound = 0;
  let currentAuctionId;
  const catalog = () => ({
    agentId: AGENT_ID,
    users: DEMO_USERS.filter((user) => !user.bot),
    properties: DEMO_PROPERTIES.map(({ auction, price, status, ...property }) => ({
      ...property,
      agentId: AGENT_ID,
      auctionId: auction ? currentAuctionId : undefined,
    })),
  });
  const demoFeature = {
    name: 'demo',
    routes: [
      {
        // DEMO ONLY: a token for any demo user, no password. Never ship this.
        method: 'GET',
        path: '/demo/login',
        auth: 'none',
        handler: async ({ query }) => {
          const user = users.get(query.get('user') ?? '');
          if (!user) return { error: 'unknown demo user', users: DEMO_USERS.filter((u) => !u.bot).map((u) => u.id) };
          return { user, token: await createDevToken(DEMO_SECRET, user.id, 3600, { role: user.role }) };
        },
      },
      { method: 'GET', path: '/demo/catalog', auth: 'none', handler: () => catalog() },
    ],
  };

  const serverOptions = {
    host,
    auth: { secret: DEMO_SECRET },
    publishSecret: DEMO_PUBLISH_SECRET,
    store,
    features: [...platform.features, demoFeature],
    logger: null,
  };
  let server = await createServer({ ...serverOptions, port: wantedPort });
  const port = server.port;

  // ── seed ────────────────────────────────────────────────────────────────────────
  for (const property of DEMO_PROPERTIES) {
    await platform.property.register(property.id, { status: property.status, price: property.price, currency: 'IDR' });
  }
  for (const buyer of DEMO_USERS.filter((user) => user.role === 'buyer' && !user.bot)) {
    await platform.chat.createConversation({ id: conversationIdFor(buyer.id), participants: [buyer.id, AGENT_ID], title: `${buyer.name} · Sari — Rumah Kemang` });
  }
  const newAuction = async (startsAt) => {
    auctionRound += 1;
    const id = `a-p1-${auctionRound}`;
    await platform.auction.createAuction({
      id,
      startingPrice: 4_000_000_000,
      increment: 25_000_000,
      startsAt,
      endsAt: startsAt + auctionMs,
      extendWithinMs,
      extendByMs,
    });
    currentAuctionId = id;
    auctionProperty.set(id, 'p-1');
    say(`auction  ${id} ${startsAt > Date.now() ? `starts in ${Math.round((startsAt - Date.now()) / 1000)} s` : 'is live'}, runs ${Math.round(auctionMs / 1000)} s`);
    return id;
  };
  await newAuction(Date.now());

  // The demo auction starts again a little after it ends (a real one would not).
  let closed = false;
  let checking = false;
  const auctionCycle = setInterval(async () => {
    if (closed || checking) return;
    checking = true;
    try {
      const state = await platform.auction.getAuction(currentAuctionId);
      if (state?.status === 'ended') {
        say(`auction  ${currentAuctionId} ended: ${state.winner === null ? 'no bids' : `Bidder ${state.winner} wins at ${formatPrice(state.finalPrice)}`}`);
        await newAuction(Date.now() + auctionGapMs);
      }
    } catch (error) {
      say(`auction  cycle failed: ${error.message}`);
    } finally {
      checking = false;
    }
  }, 1000);
  auctionCycle.unref?.();

  const token = (userId) => createDevToken(DEMO_SECRET, userId, 3600, { role: users.get(userId)?.role ?? 'buyer' });
  const url = () => server.url;
  const running = bots ? await startBots({ url: server.url, token, platform, catalog, agentId: AGENT_ID, log: say }) : undefined;

  return {
    get url() { return url(); },
    get httpUrl() { return server.httpUrl; },
    get server() { return server; },
    port,
    secret: DEMO_SECRET,
    publishSecret: DEMO_PUBLISH_SECRET,
    platform,
    catalog,
    token,
    /** Closes the server (clients get 1012 and reconnect) and starts it again on the same port with the same store and features. */
    async restart(downMs = 0) {
      await server.close();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await createServer({ ...serverOptions, port });
    },
    /** Stops the server while it stays down; `start()` brings it back (for tests). */
    async stop() { await server.close(); },
    async start() { server = await createServer({ ...serverOptions, port }); },
    async close() {
      closed = true;
      clearInterval(auctionCycle);
      await running?.stop();
      await server.close().catch(() => {});
    },
  };
}
