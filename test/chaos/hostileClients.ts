// Five hostile signed-in users, run in a process of their own (so their sending does not
// share an event loop with the server under test): started by hostile.test.ts through
// bundleForNode. Configured through the environment: SINYAL_URL, SINYAL_SECRET,
// HOSTILE_MS (how long to attack), HOSTILE_CONVERSATION (a chat conversation the
// `h-dedupe` user is in), HOSTILE_REPLAY_ROOM (a durable room with a long history).
// Prints one JSON line with what it did when done, then exits.
import { createDevToken } from '@sinyal/server';
import WebSocket from 'ws';

const url = process.env.SINYAL_URL!;
const secret = process.env.SINYAL_SECRET!;
const durationMs = Number(process.env.HOSTILE_MS ?? 30_000);
const conversationId = process.env.HOSTILE_CONVERSATION!;
const replayRoom = process.env.HOSTILE_REPLAY_ROOM!;
const endAt = Date.now() + durationMs;

const stats = { connections: 0, framesSent: 0, closes: {} as Record<string, number>, rateLimited: 0, answers: 0, churnOpened: 0, churnRefused: 0 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const running = () => Date.now() < endAt;

/** The subprotocols that carry `token` on an upgrade. */
const protocolsFor = (token: string) => ['sinyal.v1', `sinyal.bearer.${Buffer.from(token).toString('base64url')}`];

/** Opens a connection for `user`, says hello, and resolves once `welcome` arrived (or it closed). */
async function open(user: string, onFrame: (frame: { t: string; code?: string; [k: string]: unknown }, ws: WebSocket) => void): Promise<WebSocket> {
  const ws = new WebSocket(url, protocolsFor(await createDevToken(secret, user)));
  stats.connections++;
  ws.on('error', () => {});
  ws.on('close', (code) => (stats.closes[code] = (stats.closes[code] ?? 0) + 1));
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; code?: string };
      stats.answers++;
      if (frame.code === 'rate_limited') stats.rateLimited++;
      if (frame.t === 'welcome') resolve();
      onFrame(frame, ws);
    });
    ws.on('close', () => resolve());
    ws.on('open', () => ws.send(JSON.stringify({ t: 'hello', v: 1 })));
  });
  return ws;
}

function send(ws: WebSocket, frame: string): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  // Never let our own socket buffer grow without bound: a flooder that the kernel throttles is still a flooder.
  if (ws.bufferedAmount > 4 * 1024 * 1024) return true;
  ws.send(frame);
  stats.framesSent++;
  return true;
}

/** Runs `burst` whenever the connection can take more, until closed; reconnects while the attack lasts. */
async function loop(user: string, setup: (ws: WebSocket) => void, burst: (ws: WebSocket, round: number) => boolean, onFrame: Parameters<typeof open>[1] = () => {}) {
  let round = 0;
  while (running()) {
    const ws = await open(user, onFrame);
    if (ws.readyState === WebSocket.OPEN) setup(ws);
    while (running() && ws.readyState === WebSocket.OPEN) {
      if (!burst(ws, round++)) break;
      // A short pause between bursts: each burst is already far over every limit, and a
      // busy-spinning attacker would measure how this machine's two cores are shared between
      // processes rather than how the server treats hostile traffic (a real attacker's CPU is
      // not the server's).
      await sleep(5);
    }
    ws.close();
    await sleep(20);
  }
}

// 1. Flooder: 16 KB frames far over the rate limit, each with a nested {"t":"leave"}.
const padding = 'x'.repeat(16 * 1024);
const flooder = loop('h-flood', () => {}, (ws, round) => {
  for (let i = 0; i < 50; i++) send(ws, `{"t":"ping","ts":${round * 50 + i},"pad":"${padding}","x":{"t":"leave"}}`);
  return true;
});

// 2. Dedupe-heavy: history pages of a conversation of long messages, and durable publishes
//    with unique command ids, as fast as it can.
let commandId = 0;
const deduper = loop(
  'h-dedupe',
  (ws) => send(ws, JSON.stringify({ t: 'join', id: 'dj', room: 'demo:dedupe' })),
  (ws) => {
    for (let i = 0; i < 20; i++) {
      send(ws, JSON.stringify({ t: 'cmd', id: `lo-${++commandId}`, name: 'chat:load_older', data: { conversationId, limit: 100 } }));
      send(ws, JSON.stringify({ t: 'cmd', id: `pb-${++commandId}`, name: 'publish', room: 'demo:dedupe', data: { event: 'demo:message', data: { from: 'h', n: commandId, text: 'd'.repeat(8000) } } }));
    }
    return true;
  },
);

// 3. Room churn: join a new room, publish into it, leave; forever.
let churnRoom = 0;
const churner = loop('h-churn', () => {}, (ws) => {
  for (let i = 0; i < 10; i++) {
    const room = `demo:churn-${++churnRoom}`;
    send(ws, JSON.stringify({ t: 'join', id: `j${churnRoom}`, room }));
    send(ws, JSON.stringify({ t: 'cmd', id: `c${churnRoom}`, name: 'publish', room, data: { event: 'demo:message', data: { from: 'h', n: churnRoom, text: 'c'.repeat(4000) } } }));
    send(ws, JSON.stringify({ t: 'leave', room }));
  }
  return true;
});

// 4. Replay joins: re-join a long room from the very start, again and again.
let epoch = 'unknown';
let replayJoin = 0;
const replayer = loop(
  'h-replay',
  (ws) => send(ws, JSON.stringify({ t: 'join', id: 'first', room: replayRoom })),
  (ws) => {
    for (let i = 0; i < 20; i++) send(ws, JSON.stringify({ t: 'join', id: `r${++replayJoin}`, room: replayRoom, from: { epoch, seq: 0 } }));
    return true;
  },
  (frame) => {
    if (frame.t === 'joined' && typeof frame.epoch === 'string') epoch = frame.epoch;
  },
);

// 5. Connection churn: open, hello, close, in 8 loops at once, forever (each costs the
//    server a token check, a handshake and a session; refused past the user's connection rate).
const churnProtocols = protocolsFor(await createDevToken(secret, 'h-connect'));
const connectChurn = Array.from({ length: 8 }, async () => {
  while (running()) {
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(url, churnProtocols);
      ws.on('open', () => {
        stats.churnOpened++;
        ws.send(JSON.stringify({ t: 'hello', v: 1 }));
        ws.close();
      });
      ws.on('unexpected-response', (_req, res) => {
        if (res.statusCode === 429) stats.churnRefused++;
        res.resume();
        resolve();
      });
      ws.on('error', () => resolve());
      ws.on('close', () => resolve());
    });
    await sleep(2); // see loop(): the attacker's own CPU is not what is measured
  }
});

await Promise.all([flooder, deduper, churner, replayer, ...connectChurn]);
process.stdout.write(`${JSON.stringify(stats)}\n`);
process.exit(0);
