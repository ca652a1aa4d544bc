// Soak: 10 clients chat and bid in 5 rooms (3 conversations, 2 auctions) across 2 server
// nodes sharing Redis, while every client's TCP connection is cut, stalled and delayed at
// random through its own fault proxy (CI: 300 faults; CHAOS_SCALE=full: 1,000). Invariants:
// 0 lost, 0 duplicated, one per-room order that every client saw, every command answered
// exactly once on the wire.
import { createClient, type ClientOptions, type PendingCommand, type SinyalClient } from '@sinyal/client';
import { createDevToken, createServer, platformFeatures, RedisStore, type SinyalServer } from '@sinyal/server';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFaultProxy, type FaultProxy } from '../../test-utils/faultProxy';
import { SECRET, sleep, until } from '../../test-utils/harness';
import { createLoadBalancer } from '../../test-utils/loadBalancer';
import { deleteKeys, describeWithRedis, REDIS_URL, testPrefix } from '../../test-utils/redis';
import { FULL, report, SEED } from './scale';

const FAULTS = FULL ? 1000 : 300;
const CLIENTS = 10;
const CONVERSATIONS = ['soak-0', 'soak-1', 'soak-2'];
const AUCTIONS = ['soak-a', 'soak-b'];
const PUBLISHER = 'soak-publisher-secret-0123456789';

const describeRedis = await describeWithRedis();
const prefix = testPrefix();
afterAll(() => deleteKeys(prefix));

/** Deterministic randomness (mulberry32), so a failing run can be replayed with CHAOS_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seen {
  /** Per room: (room seq, what it carried) in arrival order. */
  events: Map<string, Array<{ seq: number; key: string }>>;
  resets: string[];
  /** Final answers (ack, or a nack the client does not retry) received on the wire, per command id. */
  answers: Map<string, number>;
  /** Retryable nacks (`unavailable`, `rate_limited`) received: the outbox sends those commands again. */
  retried: number;
}

async function startNode(): Promise<{ server: SinyalServer; redis: RedisStore }> {
  const redis = new RedisStore({ url: REDIS_URL, prefix, commandLeaseMs: 2000 });
  const platform = platformFeatures({
    redis,
    chat: { onError: () => {} },
    auction: { bidRateLimit: { maxBids: 10_000, windowMs: 1000 }, timerSyncIntervalMs: 0, onError: () => {} },
  });
  const server = await createServer({
    port: 0,
    auth: { secret: SECRET },
    logger: null,
    store: redis,
    publishSecret: PUBLISHER,
    features: platform.features,
    limits: { messagesPerSecond: 10_000, burst: 10_000 },
  });
  return { server, redis };
}

describeRedis('soak: chat and bids across 2 nodes on Redis under cuts, stalls and delays', () => {
  it(`${FAULTS} faults: nothing lost, nothing duplicated, one order per room, every command answered once`, { timeout: FULL ? 600_000 : 240_000 }, async () => {
    const cleanups: Array<() => unknown> = [];
    try {
      const nodes = [await startNode(), await startNode()];
      cleanups.push(async () => {
        for (const n of nodes) await n.server.close();
        for (const n of nodes) await n.redis.close();
      });
      const lb = await createLoadBalancer({ backends: nodes.map((n) => n.server.port) });
      cleanups.push(() => lb.close());
      const users = Array.from({ length: CLIENTS }, (_, i) => `soaker-${i}`);

      const api = async (path: string, body: unknown) => {
        const res = await fetch(`${nodes[0]!.server.httpUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${PUBLISHER}` },
          body: JSON.stringify(body),
        });
        expect(res.status).toBeLessThan(300);
      };
      for (const id of CONVERSATIONS) await api('/api/conversations', { id, participants: users });
      const now = Date.now();
      for (const id of AUCTIONS) await api('/api/auctions', { id, startingPrice: 1000, increment: 10, startsAt: now, endsAt: now + 3_600_000 });

      const rand = random(SEED);
      const proxies: FaultProxy[] = [];
      const clients: Array<{ user: string; client: SinyalClient<Record<string, unknown>, Record<string, { data: unknown; result: unknown }>>; seen: Seen }> = [];
      for (const user of users) {
        const proxy = await createFaultProxy({ targetPort: lb.port });
        cleanups.push(() => proxy.close());
        proxies.push(proxy);
        const seen: Seen = { events: new Map(), resets: [], answers: new Map(), retried: 0 };
        class CountingWebSocket extends WebSocket {
          constructor(...args: ConstructorParameters<typeof WebSocket>) {
            super(...args);
            this.on('message', (data) => {
              const frame = JSON.parse(String(data)) as { t?: string; id?: string; code?: string };
              if ((frame.t !== 'ack' && frame.t !== 'nack') || !frame.id?.startsWith('soak/')) return;
              if (frame.t === 'nack' && (frame.code === 'unavailable' || frame.code === 'rate_limited')) seen.retried++;
              else seen.answers.set(frame.id, (seen.answers.get(frame.id) ?? 0) + 1);
            });
          }
        }
        const client = createClient({
          url: `ws://127.0.0.1:${proxy.port}/ws`,
          token: () => createDevToken(SECRET, user),
          WebSocket: CountingWebSocket as unknown as ClientOptions['WebSocket'],
          reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
          heartbeat: { intervalMs: 500, timeoutMs: 700 },
          onError: () => {},
        } as ClientOptions) as unknown as (typeof clients)[number]['client'];
        cleanups.push(() => client.close());
        for (const room of [...CONVERSATIONS.map((c) => `chat:${c}`), ...AUCTIONS.map((a) => `auction:${a}`)]) {
          const list: Array<{ seq: number; key: string }> = [];
          seen.events.set(room, list);
          const r = client.room(room);
          r.onReset((info) => seen.resets.push(`${room}:${info.reason}`));
          // Every durable event of the room (its seqs are shared by all of them).
          const durable = room.startsWith('chat:') ? ['chat:message', 'chat:read', 'chat:delivered'] : ['auction:started', 'auction:new_bid', 'auction:time_extended', 'auction:auction_ended'];
          for (const event of durable) {
            r.on(event, (data: unknown, meta) => {
              const d = data as { clientMessageId?: string; bidId?: string };
              list.push({ seq: meta.seq ?? -1, key: `${event}/${d.clientMessageId ?? d.bidId ?? meta.seq}` });
            });
          }
        }
        clients.push({ user, client, seen });
      }
      await until(() => clients.every(({ client }) => [...CONVERSATIONS.map((c) => `chat:${c}`), ...AUCTIONS.map((a) => `auction:${a}`)].every((room) => client.room(room).getSnapshot().status === 'joined')), 20_000);

      // Where each room's stream stood when traffic started (an auction's `started` came before the joins).
      const allRooms = [...CONVERSATIONS.map((c) => `chat:${c}`), ...AUCTIONS.map((a) => `auction:${a}`)];
      const startHeads = new Map(await Promise.all(allRooms.map(async (room) => [room, (await nodes[0]!.redis.head(room)).seq] as const)));
      for (const { seen } of clients) for (const room of allRooms) expect(seen.events.get(room)!.filter((e) => e.seq > startHeads.get(room)!)).toEqual([]);
      // Traffic: every client sends a chat message or a bid every ~40 ms, with ids we control.
      const commands: Array<{ user: string; kind: 'chat' | 'bid'; id: string; conversationId?: string; clientMessageId?: string; pending: PendingCommand<unknown> }> = [];
      const prices = new Map(AUCTIONS.map((a) => [a, 1000]));
      let traffic = true;
      const senders = clients.map(async ({ user, client }, i) => {
        let n = 0;
        while (traffic) {
          n++;
          if (rand() < 0.6) {
            const conversationId = CONVERSATIONS[(i + n) % CONVERSATIONS.length]!;
            const clientMessageId = `${user}#${n}`;
            const id = `soak/${user}/${n}`;
            const pending = client.command('chat:send', { conversationId, clientMessageId, text: `m ${user} ${n}` }, { id });
            commands.push({ user, kind: 'chat', id, conversationId, clientMessageId, pending });
          } else {
            const auctionId = AUCTIONS[n % AUCTIONS.length]!;
            const amount = prices.get(auctionId)! + 10 * (1 + Math.floor(rand() * 3));
            prices.set(auctionId, amount);
            const id = `soak/${user}/${n}`;
            commands.push({ user, kind: 'bid', id, pending: client.command('auction:place_bid', { auctionId, amount }, { id }) });
          }
          await sleep(50 + rand() * 50);
        }
      });

      const trafficStarted = Date.now();
      // Faults: a cut (TCP reset), a stall (bytes vanish, sockets stay open) or a delay, on a random client's link.
      const counts = { cut: 0, stall: 0, delay: 0 };
      const healing: Array<Promise<void>> = [];
      for (let k = 0; k < FAULTS; k++) {
        const proxy = proxies[Math.floor(rand() * proxies.length)]!;
        const pick = rand();
        if (pick < 0.6) {
          proxy.cutAll();
          counts.cut++;
        } else if (pick < 0.8) {
          proxy.stall(true);
          counts.stall++;
          const ms = 200 + rand() * 1200;
          healing.push(sleep(ms).then(() => proxy.stall(false)));
        } else {
          proxy.setDelay(20 + Math.floor(rand() * 250));
          counts.delay++;
          const ms = 200 + rand() * 800;
          healing.push(sleep(ms).then(() => proxy.setDelay(0)));
        }
        await sleep(30 + rand() * 40);
      }
      traffic = false;
      const faultPhaseMs = Date.now() - trafficStarted;
      await Promise.all(senders);
      await Promise.all(healing);
      for (const proxy of proxies) {
        proxy.stall(false);
        proxy.setDelay(0);
      }

      // Every command settles: chat messages are all acked; bids are acked or refused with a typed reason.
      const unsettled = () => commands.filter((c) => c.pending.status !== 'acked' && c.pending.status !== 'failed');
      try {
        await until(() => unsettled().length === 0, 60_000);
      } catch {
        const stuck = unsettled();
        const byUser = [...new Set(stuck.map((c) => c.user))].map((user) => {
          const entry = clients.find((c) => c.user === user)!;
          return { user, connection: entry.client.getSnapshot(), rooms: allRooms.map((room) => entry.client.room(room).getSnapshot().status), stuck: stuck.filter((c) => c.user === user).map((c) => [c.id, c.pending.status]).slice(0, 5) };
        });
        throw new Error(`${stuck.length} commands never settled: ${JSON.stringify(byUser)}`);
      }
      const outcomes = await Promise.all(
        commands.map((c) =>
          c.pending.done.then(
            (result) => ({ ok: true as const, result }),
            (error: { code?: string }) => ({ ok: false as const, code: error.code ?? String(error) }),
          ),
        ),
      );
      const settledAt = Date.now();
      const chatOutcomes = outcomes.filter((_, i) => commands[i]!.kind === 'chat');
      expect(chatOutcomes.filter((o) => !o.ok)).toEqual([]);
      for (const [i, o] of outcomes.entries()) {
        if (!o.ok) expect([commands[i]!.kind, o.code]).toEqual(['bid', expect.stringMatching(/^(bad_request|conflict)$/)]);
      }
      // Exactly one answer per command on the wire (a re-sent command is answered once: the first answer was lost with its connection).
      for (const { seen } of clients) {
        for (const [id, answers] of seen.answers) expect([id, answers]).toEqual([id, 1]);
      }
      const answered = clients.reduce((sum, { seen }) => sum + seen.answers.size, 0);
      expect(answered).toBe(commands.length);

      // The stored history, read through node B: every acked message exactly once, seqs 1..N.
      const token = await createDevToken(SECRET, users[0]!);
      for (const conversationId of CONVERSATIONS) {
        const messages: Array<{ id: string; seq: number; clientMessageId: string | null }> = [];
        for (let before: string | undefined, more = true; more; ) {
          const query = `limit=100${before ? `&before=${encodeURIComponent(before)}` : ''}`;
          const res = await fetch(`${nodes[1]!.server.httpUrl}/api/conversations/${conversationId}/messages?${query}`, { headers: { authorization: `Bearer ${token}` } });
          const page = (await res.json()) as { messages: typeof messages; hasOlder: boolean };
          messages.unshift(...page.messages);
          more = page.hasOlder && page.messages.length > 0;
          before = page.messages[0]?.id;
        }
        const page = { messages };
        const expected = commands.filter((c) => c.conversationId === conversationId).map((c) => c.clientMessageId!);
        expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: page.messages.length }, (_, i) => i + 1));
        expect(page.messages.map((m) => m.clientMessageId).sort()).toEqual([...expected].sort());
      }

      const restCheckedAt = Date.now();
      // Every client saw every room's events exactly once, in the one order everyone saw.
      const rooms = [...clients[0]!.seen.events.keys()];
      const heads = new Map(await Promise.all(rooms.map(async (room) => [room, (await nodes[1]!.redis.head(room)).seq] as const)));
      await until(() => clients.every(({ seen }) => rooms.every((room) => (seen.events.get(room)!.at(-1)?.seq ?? 0) >= heads.get(room)!)), 30_000);
      await sleep(300);
      const acceptedBids = outcomes.filter((o, i) => o.ok && commands[i]!.kind === 'bid').length;
      let bidEvents = 0;
      for (const room of rooms) {
        const reference = clients[0]!.seen.events.get(room)!.filter((e) => e.seq > startHeads.get(room)!);
        const head = heads.get(room)!;
        // Exactly the events appended since traffic started: no gap, no duplicate.
        expect(reference.map((e) => e.seq)).toEqual(Array.from({ length: head - startHeads.get(room)! }, (_, i) => startHeads.get(room)! + i + 1));
        expect(new Set(reference.map((e) => e.key)).size).toBe(reference.length);
        for (const { seen } of clients) expect(seen.events.get(room)!.filter((e) => e.seq > startHeads.get(room)!)).toEqual(reference);
        bidEvents += reference.filter((e) => e.key.startsWith('auction:new_bid/')).length;
      }
      expect(bidEvents).toBe(acceptedBids);
      for (const { seen } of clients) expect(seen.resets).toEqual([]);

      report('soak', {
        faults: counts,
        faultPhaseMs,
        settleMs: settledAt - trafficStarted - faultPhaseMs,
        restCheckMs: restCheckedAt - settledAt,
        convergeMs: Date.now() - restCheckedAt,
        commands: commands.length,
        chatMessages: chatOutcomes.length,
        bidsAccepted: acceptedBids,
        bidsRefused: outcomes.filter((o, i) => !o.ok && commands[i]!.kind === 'bid').length,
        connectionsThroughProxies: proxies.reduce((sum, p) => sum + p.accepted(), 0),
        routedByNode: [...lb.routed.values()],
        retryableNacks: clients.reduce((sum, { seen }) => sum + seen.retried, 0),
      });
      expect(counts.cut + counts.stall + counts.delay).toBe(FAULTS);
    } finally {
      while (cleanups.length) await cleanups.pop()!();
    }
  });
});
