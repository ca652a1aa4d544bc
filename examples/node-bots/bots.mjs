// Scripted people that make the example apps move while you watch alone:
// - the agent (agent-1, "Sari") reads and answers buyers' messages after "typing…", in the
//   language the buyer wrote in — unless a human agent (the same user, in a browser) has the
//   conversation open and read it, or has set herself busy; then it stays quiet. A busy
//   status whose "back at" time has passed is set back to online. The bot is nobody at a
//   keyboard: its connection reports itself idle, so buyers see Sari "Away" unless the human
//   Sari is active in a browser tab;
// - two bidders (bot-joko, bot-wati) bid on the p-1 auction now and then, answer when
//   outbid (up to their own limit) and snipe in the last seconds, which extends it. They are
//   bidders, not viewers: "N people viewing" counts only the people in a browser;
// - the "backend" changes prices and statuses now and then (price drops become toasts on
//   open pages and notifications for people who watch the listing).
// Used by examples/server (npm run example). tour.mjs is the finite, scripted version.
import { activityTracker, agentStatusStore, auctionStore, chatStore, createClient, createTypingController, setAgentStatus } from '@sinyal/client';
import WebSocket from 'ws';
import { formatChange, formatPrice } from '../shared/format.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const REPLIES = {
  en: {
    price: ['The price is open to negotiation. Shall I book you a viewing first?', 'The owner is open to offers. What budget do you have in mind?'],
    auction: ['The auction is live now; bids go up in steps of Rp 25,000,000. Good luck!', 'A bid in the last seconds extends the auction, so there is no need to rush.'],
    viewing: ['Yes, there is an open house on Saturday at 10:00. Shall I put you on the list?', 'Viewings are possible Monday to Saturday, 09:00–17:00. What time suits you?'],
    hello: ['Hello! I am Sari, the agent for this listing. How can I help?', 'Thank you for getting in touch. The house is still available.'],
  },
  id: {
    price: ['Harganya masih bisa dibicarakan. Mau saya jadwalkan viewing dulu?', 'Pemilik terbuka untuk nego. Berapa budget Anda?'],
    auction: ['Lelangnya berjalan sekarang, kenaikan minimum Rp 25.000.000. Semoga berhasil!', 'Kalau ada tawaran di detik terakhir, waktunya diperpanjang, jadi tidak perlu buru-buru.'],
    viewing: ['Bisa, open house hari Sabtu jam 10.00. Saya catat ya?', 'Viewing bisa Senin sampai Sabtu, jam 09.00–17.00. Jam berapa yang cocok?'],
    hello: ['Halo! Saya Sari, agen listing ini. Ada yang bisa saya bantu?', 'Terima kasih sudah menghubungi. Rumahnya masih tersedia.'],
  },
};
const topicOf = (text) =>
  /harga|price|nego|murah|diskon|offer|cheap|discount/i.test(text)
    ? 'price'
    : /lelang|auction|bid|tawar/i.test(text)
      ? 'auction'
      : /viewing|lihat|survey|jadwal|kapan|visit|open house|when|book/i.test(text)
        ? 'viewing'
        : 'hello';
/** Indonesian when the buyer writes Indonesian, else English. */
const languageOf = (text) => (/\b(apa|ada|bisa|harga|harganya|rumah|saya|mau|kapan|masih|halo|selamat|siang|pagi|sore|malam|terima|kasih|nego|berapa|lelang|jadwal|tidak|dong|pak|bu|ini|itu|boleh|lihat)\b/i.test(text) ? 'id' : 'en');

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
  // She is online while connected (the server says so); the bot never overrides a status a
  // human agent chose, except to end a "busy" whose "back at" time has passed.
  const agent = person(agentId);
  const ownStatus = agentStatusStore(agent, agentId);
  ownStatus.subscribe(() => {}); // keeps the agent's status room joined
  const activity = activityTracker(agent); // no page in Node: idle until told otherwise, and told again after a reconnect
  activity.subscribe(() => {});
  activity.setIdle(true);
  const isBusy = () => ownStatus.getSnapshot().agentStatus === 'busy';
  every(() => {
    const { agentStatus, availableAt } = ownStatus.getSnapshot();
    if (agentStatus === 'busy' && availableAt !== null && availableAt <= agent.clock.now()) {
      void setAgentStatus(agent, 'online').done.catch(() => {});
      log('bot      agent-1 is back: online');
    }
  }, 5000);
  const conversations = catalog().users?.filter((user) => user.role === 'buyer').map((user) => `c-${user.id}`) ?? [];
  for (const conversationId of conversations) {
    const chat = chatStore(agent, conversationId);
    const typing = createTypingController(agent, conversationId, { idleMs: 5000 });
    let handledSeq = 0;
    let busy = false;
    /** Whether the agent (a human, in a browser) has read up to `message`: her read mark is a message id. */
    const readByAgent = (message) => {
      const { messages, readUpTo } = chat.getSnapshot();
      const readId = readUpTo[agentId];
      const read = readId === undefined ? undefined : messages.find((m) => m.id === readId);
      return read?.seq !== undefined && read.seq >= message.seq;
    };
    const answer = () => {
      const { messages, status } = chat.getSnapshot();
      if (busy || status !== 'ready') return;
      const waiting = messages.filter((m) => m.senderId !== agentId && m.seq !== undefined && m.seq > handledSeq);
      const last = waiting.at(-1);
      if (!last) return;
      handledSeq = last.seq;
      busy = true;
      // Give a human agent (the same user, in a browser) 1.5 s to read it first.
      later(() => {
        if (readByAgent(last) || isBusy()) {
          busy = false;
          log(`bot      agent-1 leaves ${conversationId} to the human agent${isBusy() ? ' (busy)' : ''}`);
          return;
        }
        chat.markRead();
        typing.onInput();
        later(() => {
          typing.stop();
          const options = REPLIES[languageOf(last.text)][topicOf(last.text)];
          const reply = options[Math.floor(Math.random() * options.length)];
          chat.send(reply);
          log(`bot      agent-1 → ${last.senderId}: "${reply}"`);
          void platform.notification
            .notify(last.senderId, { category: 'message', type: 'agent_reply', title: 'Sari replied', body: reply, priority: 'instant', data: { conversationId } })
            .catch(() => {});
          busy = false;
          later(answer, 100); // more arrived meanwhile?
        }, 1800);
      }, 1500);
    };
    chat.subscribe(answer);
  }

  // ── the bidders ────────────────────────────────────────────────────────────────
  const bidders = ['bot-joko', 'bot-wati'].map((userId) => ({ userId, client: person(userId), auctionId: undefined, store: undefined, off: undefined, limit: 0, nextBidAt: 0 }));
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
      .done.then(() => log(`bot      ${bidder.userId} bids ${formatPrice(amount)} (${why})`))
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
        log(`backend  ${propertyId} price ${formatPrice(change.oldPrice)} → ${formatPrice(change.newPrice)} (${formatChange(change.percentage)})`);
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
