// Scripted people that make the example apps move while you watch alone:
// - the agent (agent-1, "Sari") goes online, reads and answers buyers' messages after
//   "typing…" — unless a human agent has the conversation open (then it stays quiet);
// - two bidders (bot-joko, bot-wati) view p-1 and bid on its auction now and then, answer
//   when outbid (up to their own limit) and snipe in the last seconds, which extends it;
// - the "backend" changes prices and statuses now and then (price drops become toasts on
//   open pages and notifications for people who watch the listing).
// Used by examples/server (npm run example). tour.mjs is the finite, scripted version.
import { agentStatusStore, auctionStore, chatStore, createClient, createTypingController, setAgentStatus, viewerCountStore } from '@sinyal/client';
import WebSocket from 'ws';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rupiah = (n) => `Rp ${(n / 1e9).toFixed(3)} M`;

const REPLIES = {
  price: ['Harganya masih bisa dibicarakan, Pak/Bu. Mau saya jadwalkan viewing dulu?', 'Pemilik terbuka untuk nego — berapa budget Anda?'],
  auction: ['Lelangnya berjalan sekarang, minimum kenaikan Rp 25 jt. Semoga berhasil!', 'Kalau ada tawaran di detik terakhir, waktunya diperpanjang — jadi tidak perlu buru-buru.'],
  viewing: ['Bisa, open house Sabtu jam 10. Saya catat ya.', 'Viewing bisa Senin–Sabtu, jam 9–17. Jam berapa yang cocok?'],
  hello: ['Halo! Saya Sari, agen listing ini. Ada yang bisa saya bantu?', 'Terima kasih sudah menghubungi. Rumahnya masih tersedia 😊'],
};
const topicOf = (text) =>
  /harga|price|nego|murah|diskon/i.test(text) ? 'price' : /lelang|auction|bid|tawar/i.test(text) ? 'auction' : /viewing|lihat|survey|jadwal|kapan/i.test(text) ? 'viewing' : 'hello';

/**
 * Starts the bots against a running example server.
 * @param {{ url: string, token: (userId: string) => Promise<string>, platform: import('@sinyal/server').PlatformFeatures,
 *   catalog: () => { properties: Array<{ id: string, auctionId?: string }> }, agentId: string, log?: (line: string) => void,
 *   priceEveryMs?: number }} options
 */
export async function startBots({ url, token, platform, catalog, agentId, log = console.log, priceEveryMs = 30_000 }) {
  const timers = new Set();
  const clients = [];
  let stopped = false;
  const later = (fn, ms) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) fn();
    }, ms);
    timers.add(timer);
  };
  const every = (fn, ms) => {
    const timer = setInterval(() => !stopped && fn(), ms);
    timers.add(timer);
  };
  const person = (userId) => {
    const client = createClient({ url, token: () => token(userId), WebSocket, reconnect: { initialDelayMs: 300, maxDelayMs: 3000 } });
    clients.push(client);
    return client;
  };

  // ── the agent ──────────────────────────────────────────────────────────────────
  const agent = person(agentId);
  const goOnline = () => void setAgentStatus(agent, 'online').done.catch(() => {});
  agent.subscribe(() => agent.state === 'open' && goOnline()); // again after every reconnect
  const ownStatus = agentStatusStore(agent, agentId);
  ownStatus.subscribe(() => {}); // keeps the agent's status room joined
  const conversations = catalog().users?.filter((user) => user.role === 'buyer').map((user) => `c-${user.id}`) ?? [];
  for (const conversationId of conversations) {
    const chat = chatStore(agent, conversationId);
    const typing = createTypingController(agent, conversationId, { idleMs: 5000 });
    let handledSeq = 0;
    let busy = false;
    const answer = () => {
      const { messages, readUpTo, status } = chat.getSnapshot();
      if (busy || status !== 'ready') return;
      const waiting = messages.filter((m) => m.senderId !== agentId && m.seq !== undefined && m.seq > handledSeq);
      const last = waiting.at(-1);
      if (!last) return;
      handledSeq = last.seq;
      busy = true;
      // Give a human agent (the same user, in a browser) 1.5 s to read it first.
      later(() => {
        const read = chat.getSnapshot().readUpTo[agentId];
        if (read && read.seq >= last.seq) {
          busy = false;
          log(`bot      agent-1 leaves ${conversationId} to the human agent`);
          return;
        }
        chat.markRead();
        typing.onInput();
        later(() => {
          typing.stop();
          const options = REPLIES[topicOf(last.text)];
          const reply = options[Math.floor(Math.random() * options.length)];
          chat.send(reply);
          log(`bot      agent-1 → ${last.senderId}: "${reply}"`);
          void platform.notification
            .notify(last.senderId, { category: 'message', type: 'agent_reply', title: 'Sari membalas', body: reply, priority: 'instant', data: { conversationId } })
            .catch(() => {});
          busy = false;
          later(answer, 100); // more arrived meanwhile?
        }, 1800);
      }, 1500);
    };
    chat.subscribe(answer);
  }

  // ── the bidders ────────────────────────────────────────────────────────────────
  const bidders = ['bot-joko', 'bot-wati'].map((userId) => {
    const client = person(userId);
    viewerCountStore(client, 'p-1').subscribe(() => {}); // they are "viewing" p-1
    return { userId, client, auctionId: undefined, store: undefined, off: undefined, limit: 0, nextBidAt: 0 };
  });
  const follow = (bidder, auctionId) => {
    bidder.off?.();
    bidder.auctionId = auctionId;
    bidder.store = auctionStore(bidder.client, auctionId);
    bidder.off = bidder.store.subscribe(() => {});
    bidder.limit = 4_000_000_000 + (8 + Math.floor(Math.random() * 10)) * 25_000_000; // their own budget
    bidder.nextBidAt = Date.now() + 4000 + Math.random() * 12_000;
  };
  const bid = (bidder, amount, why) => {
    bidder.nextBidAt = Date.now() + 8000 + Math.random() * 20_000;
    bidder.store
      .placeBid(amount)
      .done.then(() => log(`bot      ${bidder.userId} bids ${rupiah(amount)} (${why})`))
      .catch(() => {});
  };
  every(() => {
    const auctionId = catalog().properties.find((p) => p.auctionId)?.auctionId;
    for (const bidder of bidders) {
      if (!auctionId) continue;
      if (bidder.auctionId !== auctionId) follow(bidder, auctionId);
      const { state, isLeading, outbid } = bidder.store.getSnapshot();
      if (state?.status !== 'active' || isLeading || state.minNextBid > bidder.limit) continue;
      const remaining = bidder.store.msRemaining();
      if (remaining < 6000 && Math.random() < 0.3) bid(bidder, state.minNextBid, 'snipe');
      else if (outbid && Date.now() > bidder.nextBidAt - 6000) bid(bidder, state.minNextBid, 'answering an outbid');
      else if (Date.now() > bidder.nextBidAt) bid(bidder, state.minNextBid, 'opening');
    }
  }, 1000);

  // ── the backend: prices and statuses change now and then ───────────────────────
  const moves = [
    ['p-1', 'price', -0.03],
    ['p-2', 'price', -0.05],
    ['p-3', 'status', 'available'],
    ['p-1', 'price', +0.02],
    ['p-2', 'price', +0.04],
    ['p-3', 'status', 'under_offer'],
  ];
  let move = 0;
  every(async () => {
    const [propertyId, kind, value] = moves[move++ % moves.length];
    try {
      if (kind === 'price') {
        const { price } = await platform.property.get(propertyId);
        const next = Math.round((price * (1 + value)) / 1e6) * 1e6;
        const change = await platform.property.updatePrice(propertyId, next);
        log(`backend  ${propertyId} price ${rupiah(change.oldPrice)} → ${rupiah(change.newPrice)} (${change.percentage}%)`);
      } else {
        await platform.property.changeStatus(propertyId, value);
        log(`backend  ${propertyId} status → ${value}`);
      }
    } catch (error) {
      log(`backend  ${propertyId} ${kind} change refused: ${error.message}`);
    }
  }, priceEveryMs);

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer), clearInterval(timer);
      for (const bidder of bidders) bidder.off?.();
      for (const client of clients) client.close();
      await sleep(0);
    },
  };
}
