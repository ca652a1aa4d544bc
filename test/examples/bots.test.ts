// The example server with its bots (what `npm run example` runs), driven by Node clients
// standing in for the people in the browser windows: the bot agent leaves a conversation to
// the human agent, answers in the buyer's language, bots do not count as viewers, and the
// listing's agent may watch the auction but not bid in it.
import { auctionStore, chatStore, createClient, viewerCountStore, type ClientOptions, type SinyalClient } from '@sinyal/client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startExampleServer, type ExampleServer } from '../../examples/server/exampleServer.mjs';
import { until } from '../../test-utils/harness';

let server: ExampleServer | undefined;
const clients: SinyalClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

/** The example server with bots; `lines` collects what it logs (the bots say what they do). */
async function start() {
  const lines: string[] = [];
  server = await startExampleServer({ port: 0, bots: true, log: (line) => lines.push(line), auctionMs: 10 * 60_000 });
  return { server, lines };
}

function person(userId: string): SinyalClient {
  const client = createClient({
    url: server!.url,
    token: () => server!.token(userId),
    WebSocket: WebSocket as unknown as NonNullable<ClientOptions['WebSocket']>,
    reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    onError: () => {},
  });
  clients.push(client);
  return client;
}

/** A conversation as the app shows it: joined, and marked read whenever something arrives while it is open. */
async function openChat(client: SinyalClient, conversationId: string, { reads = false } = {}) {
  const chat = chatStore(client, conversationId);
  chat.subscribe(() => {
    if (reads && chat.getSnapshot().status === 'ready') chat.markRead();
  });
  await until(() => chat.getSnapshot().status === 'ready');
  return chat;
}

describe('example server with bots', () => {
  it('the bot agent leaves a conversation the human agent has open to her, and answers one nobody reads', async () => {
    const { lines } = await start();
    const agent = person('agent-1'); // Sari in a browser: the same user as the bot agent
    await openChat(agent, 'c-buyer-1', { reads: true });
    const budi = await openChat(person('buyer-1'), 'c-buyer-1');

    budi.send('Is the house in Kemang still available?');
    // The bot decides after giving the human a moment: it either leaves it or answers.
    const decision = await until(() => lines.some((line) => /agent-1 (leaves c-buyer-1|→ buyer-1)/.test(line))).then(() => lines.find((line) => /agent-1 (leaves c-buyer-1|→ buyer-1)/.test(line)));
    expect(decision).toMatch(/leaves c-buyer-1 to the human agent/);
    expect(budi.getSnapshot().messages.filter((m) => m.senderId === 'agent-1')).toEqual([]);

    // Nobody reads Ani's conversation: the bot answers her.
    const ani = await openChat(person('buyer-2'), 'c-buyer-2');
    ani.send('Hello, can I book a viewing on Saturday?');
    await until(() => ani.getSnapshot().messages.some((m) => m.senderId === 'agent-1'), 15_000);
  });

  it('the bot agent answers in the language the buyer writes in', async () => {
    await start();
    const ani = await openChat(person('buyer-2'), 'c-buyer-2');
    ani.send('Hello, is the price negotiable?');
    await until(() => ani.getSnapshot().messages.some((m) => m.senderId === 'agent-1'), 15_000);
    const english = ani.getSnapshot().messages.find((m) => m.senderId === 'agent-1')!.text;
    expect(english).not.toMatch(/\b(harga|bisa|saya|yang|dan|untuk|Bu|Pak)\b/);
    expect(english).toMatch(/\b(the|you|your|I|is)\b/);

    ani.send('Halo, harganya masih bisa nego?');
    await until(() => ani.getSnapshot().messages.filter((m) => m.senderId === 'agent-1').length === 2, 15_000);
    const indonesian = ani.getSnapshot().messages.filter((m) => m.senderId === 'agent-1')[1]!.text;
    expect(indonesian).toMatch(/\b(harga|bisa|saya|yang|dan|untuk|Anda)\b/i);
  });

  it('bots bid in the auction but are not counted as people viewing the listing', async () => {
    await start();
    const budi = person('buyer-1');
    const viewers = viewerCountStore(budi, 'p-1');
    viewers.subscribe(() => {});
    const auction = auctionStore(budi, server!.catalog().properties.find((p) => p.id === 'p-1')!.auctionId!);
    auction.subscribe(() => {});
    // Both bidder bots have joined the auction (Budi is the third bidder in the room)…
    await until(() => (auction.getSnapshot().state?.activeBidders ?? 0) >= 3, 15_000);
    await until(() => viewers.getSnapshot().status === 'joined');
    // …yet the listing counts only the one person looking at it.
    expect(viewers.getSnapshot().count).toBe(1);
  });

  it('the listing agent may watch the auction of her own listing but not bid in it', async () => {
    await start();
    const auctionId = server!.catalog().properties.find((p) => p.id === 'p-1')!.auctionId!;
    const sari = auctionStore(person('agent-1'), auctionId);
    sari.subscribe(() => {});
    await until(() => sari.getSnapshot().state?.status === 'active');
    const refused = await sari.placeBid(sari.getSnapshot().state!.minNextBid).done.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: 'forbidden' });
    const budi = auctionStore(person('buyer-1'), auctionId);
    budi.subscribe(() => {});
    await until(() => budi.getSnapshot().state?.status === 'active');
    await budi.placeBid(budi.getSnapshot().state!.minNextBid).done;
  });
});
