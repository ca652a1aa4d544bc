// A tour of the five features with scripted bots, in one process, in about ten seconds:
// a buyer (budi) chats with an agent (sari) about a listing, watches it and gets a
// price-drop notification, three bidders fight over a live auction with a last-second
// snipe that extends it, and a viewer count follows them around. Run: npm run demo
import { agentStatusStore, auctionStore, chatStore, createClient, createTypingController, notificationsStore, propertyStore, setAgentStatus, viewerCountStore, watchlistStore } from '@sinyal/client';
import { createDevToken, createServer, platformFeatures } from '@sinyal/server';
import WebSocket from 'ws';
import { formatChange, formatPrice, formatTime } from '../shared/format.mjs';

const secret = 'tour-secret-not-for-production-0123456789';
const started = Date.now();
const log = (who, text) => console.log(`${(((Date.now() - started) / 1000).toFixed(1) + 's').padStart(6)}  ${who.padEnd(8)} ${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('tour: timed out waiting');
    await sleep(10);
  }
};

// ── the platform: server with every feature, plus the backend's own data ─────────────
const platform = platformFeatures({
  auction: { timerSyncIntervalMs: 1000, biddersCoalesceMs: 100 },
  notification: { batchWindowMs: 300, formatPrice }, // notification texts write prices as the apps do
  presence: { coalesceMs: 100 },
});
const server = await createServer({ port: 0, auth: { secret }, publishSecret: 'backend-secret', features: platform.features, logger: null });
log('server', `listening on ${server.url}`);

await platform.property.register('p-42', { status: 'available', price: 5_500_000_000, currency: 'IDR' });
await platform.chat.createConversation({ id: 'c-42', participants: ['budi', 'sari'], title: 'Rumah Kemang, 4 KT' });
const auctionEnds = Date.now() + 5000;
await platform.auction.createAuction({ id: 'a-7', startingPrice: 1_000_000_000, increment: 25_000_000, startsAt: Date.now(), endsAt: auctionEnds, extendWithinMs: 1500, extendByMs: 1500 });

const person = (user, claims = {}) =>
  createClient({ url: server.url, token: () => createDevToken(secret, user, 3600, claims), WebSocket, reconnect: { initialDelayMs: 200 } });

// ── sari, the agent: online, answers every buyer message after "typing…" ───────────
const sari = person('sari', { role: 'agent' });
await until(() => sari.state === 'open');
await setAgentStatus(sari, 'online').done;
const sariChat = chatStore(sari, 'c-42');
const sariTyping = createTypingController(sari, 'c-42', { idleMs: 400 });
const replies = ['Halo Pak Budi! Masih tersedia, open house Sabtu jam 10.', 'Bisa, harga baru saja turun 5%.'];
let answered = 0;
sariChat.subscribe(() => {
  const { messages } = sariChat.getSnapshot();
  const fromBudi = messages.filter((m) => m.senderId === 'budi');
  if (fromBudi.length > answered && answered < replies.length) {
    const reply = replies[answered++];
    sariTyping.onInput();
    setTimeout(() => {
      sariTyping.stop();
      sariChat.send(reply);
    }, 600);
  }
  sariChat.markRead();
});

// ── budi, the buyer: views the listing, watches it, chats ────────────────────────────
const budi = person('budi');
const viewers = viewerCountStore(budi, 'p-42');
viewers.subscribe(() => {});
const listing = propertyStore(budi, 'p-42');
listing.subscribe(() => {
  const change = listing.getSnapshot().lastChange;
  if (change?.type === 'price_updated') log('budi', `sees the price change live: ${formatPrice(change.oldPrice)} → ${formatPrice(change.newPrice)} (${formatChange(change.percentage)})`);
});
const agent = agentStatusStore(budi, 'sari');
agent.subscribe(() => {});
const inbox = notificationsStore(budi);
let seenNotifications = 0;
inbox.subscribe(() => {
  const { items } = inbox.getSnapshot();
  for (const item of items.slice(0, items.length - seenNotifications).reverse()) log('budi', `🔔 ${item.title} — ${item.body}`);
  seenNotifications = items.length;
});
await until(() => listing.getSnapshot().ready && agent.getSnapshot().online);
log('budi', `opens the listing: ${listing.getSnapshot().status}, ${formatPrice(listing.getSnapshot().price)}; agent sari is ${agent.getSnapshot().agentStatus}`);
await watchlistStore(budi).watch('p-42').done;
log('budi', 'adds it to his wishlist');

const budiChat = chatStore(budi, 'c-42');
let lastTyping = '';
const shown = new Set();
budiChat.subscribe(() => {
  const { messages, typingUsers } = budiChat.getSnapshot();
  const typing = typingUsers.join(',');
  if (typing !== lastTyping) {
    if (typing) log('budi', `sees "${typing} is typing…"`);
    lastTyping = typing;
  }
  for (const m of messages) {
    if (m.senderId === 'sari' && !shown.has(m.key)) {
      shown.add(m.key);
      log('budi', `← sari: "${m.text}"`);
    }
  }
});
await until(() => budiChat.getSnapshot().status === 'ready');
const first = budiChat.send('Selamat siang, rumah di Kemang masih ada?');
log('budi', `→ sari: "Selamat siang, rumah di Kemang masih ada?" [${budiChat.getSnapshot().messages.at(-1).status}]`);
await until(() => budiChat.getSnapshot().messages.find((m) => m.key === first || m.clientMessageId === first)?.status === 'read');
log('budi', 'sees ✓✓ read on his message');
await until(() => answered >= 1 && budiChat.getSnapshot().messages.some((m) => m.senderId === 'sari'));

// ── the backend drops the price: live on the open page, and a notification ───────────
await platform.property.updatePrice('p-42', 5_225_000_000);
log('backend', 'drops the price of p-42 by 5%');
budiChat.send('Wah, bisa nego lagi?');
await until(() => answered >= 2 && budiChat.getSnapshot().messages.filter((m) => m.senderId === 'sari').length >= 2);
await until(() => inbox.getSnapshot().items.length >= 1 && inbox.getSnapshot().unreadCount >= 1);
log('budi', `notification bell shows ${inbox.getSnapshot().unreadCount} unread`);

// ── the auction: three bidders, a snipe in the last 1.5 s extends it ─────────────────
const bidders = ['ani', 'joko', 'wati'].map((name) => ({ name, client: person(name) }));
for (const bidder of bidders) {
  bidder.store = auctionStore(bidder.client, 'a-7');
  bidder.store.subscribe(() => {
    const snap = bidder.store.getSnapshot();
    if (snap.outbid && !bidder.wasOutbid) log(bidder.name, `is outbid (you are ${snap.myBidderNumber})`);
    bidder.wasOutbid = snap.outbid;
  });
}
await until(() => bidders.every((b) => b.store.getSnapshot().state?.status === 'active'));
log('auction', `a-7 is live: starts at ${formatPrice(bidders[0].store.getSnapshot().state.currentPrice)}, ${bidders.length} bidders joined`);
const bid = async (bidder) => {
  const min = bidder.store.getSnapshot().state.minNextBid;
  try {
    await bidder.store.placeBid(min).done;
    log(bidder.name, `bids ${formatPrice(min)} — accepted`);
  } catch (error) {
    log(bidder.name, `bid ${formatPrice(min)} refused: ${error.code} (${error.message})`);
  }
};
for (let round = 0; round < 2; round++) for (const bidder of bidders) await bid(bidder), await sleep(150);
await until(() => bidders[0].client.clock.now() > auctionEnds - 1000);
log('wati', `snipes with ${Math.round(bidders[2].store.msRemaining())} ms left`);
await bid(bidders[2]);
await until(() => bidders[2].store.getSnapshot().state.endsAt > auctionEnds);
log('auction', `time extended to ${formatTime(bidders[2].store.getSnapshot().state.endsAt)}:${String(new Date(bidders[2].store.getSnapshot().state.endsAt).getSeconds()).padStart(2, '0')} (anti-sniping)`);
await until(() => bidders.every((b) => b.store.getSnapshot().state?.status === 'ended'), 15_000);
const final = bidders[0].store.getSnapshot().state;
log('auction', `ended: winner ${final.winner}, final price ${formatPrice(final.finalPrice)}; every bidder saw ${bidders[0].store.getSnapshot().bids.length} bids in the same order: ${bidders.every((b) => JSON.stringify(b.store.getSnapshot().bids.map((x) => x.id)) === JSON.stringify(bidders[0].store.getSnapshot().bids.map((x) => x.id)))}`);
log('budi', `viewers on p-42 right now: ${viewers.getSnapshot().count}`);

for (const c of [sari, budi, ...bidders.map((b) => b.client)]) c.close();
await server.close();
log('tour', 'done.');
process.exit(0);
