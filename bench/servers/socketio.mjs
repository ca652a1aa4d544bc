// socket.io 4 server under test (rooms, default settings), in its own process.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { serve, processStats } from '../lib/rpc.mjs';

let io;
let http;
let port = 0;

async function listen() {
  http = createServer();
  io = new Server(http); // default settings
  io.on('connection', (socket) => {
    socket.on('join', (room, ack) => {
      socket.join(room);
      if (typeof ack === 'function') ack(true);
    });
    // Broadcast to the whole room, sender included (same work as Sinyal, which echoes to the publisher).
    socket.on('pub', (room, msg) => io.to(room).emit('msg', msg));
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', resolve);
  });
  port = http.address().port;
}

async function close() {
  await new Promise((resolve) => io.close(() => resolve()));
  http.closeAllConnections?.();
}

serve({
  ...processStats,
  async start() {
    await listen();
    return { url: `http://127.0.0.1:${port}`, port };
  },
  connections: () => io.engine.clientsCount,
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
