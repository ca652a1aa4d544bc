// The floor: a minimal broadcast server on `ws` (JSON frames, rooms as Sets, serialise once per broadcast).
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { serve, processStats } from '../lib/rpc.mjs';

let http;
let wss;
let port = 0;
const rooms = new Map();
const JOINED = '{"t":"joined"}';

async function listen() {
  http = createServer();
  wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    const mine = new Set();
    ws.on('message', (data) => {
      let m;
      try {
        m = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (m.t === 'join') {
        let set = rooms.get(m.room);
        if (!set) rooms.set(m.room, (set = new Set()));
        set.add(ws);
        mine.add(m.room);
        ws.send(JOINED);
      } else if (m.t === 'pub') {
        const set = rooms.get(m.room);
        if (!set) return;
        const out = JSON.stringify({ t: 'msg', room: m.room, data: m.data });
        for (const peer of set) peer.send(out);
      }
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      for (const room of mine) {
        const set = rooms.get(room);
        set?.delete(ws);
        if (set?.size === 0) rooms.delete(room);
      }
    });
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', resolve);
  });
  port = http.address().port;
}

async function close() {
  for (const ws of wss.clients) ws.close(1012, 'restart');
  const deadline = Date.now() + 2000;
  while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => {
    wss.close(() => resolve());
    http.close();
    http.closeAllConnections?.();
  });
  rooms.clear();
}

serve({
  ...processStats,
  async start() {
    await listen();
    return { url: `ws://127.0.0.1:${port}/`, port };
  },
  connections: () => wss.clients.size,
  async restart() {
    const t0 = performance.now();
    await close();
    const closedMs = performance.now() - t0;
    await listen();
    return { closedMs, listeningMs: performance.now() - t0 };
  },
  async exit() {
    await Promise.race([close(), new Promise((r) => setTimeout(r, 3000))]);
  },
});
