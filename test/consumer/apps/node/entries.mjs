// The client's extra entry points from the installed tarball, in a plain Node ESM script:
// - @sinyal/client/http: bob connects with `transports: httpTransport()` (HTTP only) and
//   receives alice's message over the HTTP transport;
// - @sinyal/client/tabs: without Web Locks (Node) a shared client has a connection of its
//   own (role `alone`), is the same SinyalClient class as the core's (one copy), and chats;
// - @sinyal/client/push: on a platform without service workers the store says `unsupported`.
// Prints a JSON line with what it saw; exits 0 on success.
import { SinyalClient, createClient } from '@sinyal/client';
import { httpFallback, httpTransport } from '@sinyal/client/http';
import { pushNotifications } from '@sinyal/client/push';
import { createSharedClient } from '@sinyal/client/tabs';
import { createDevToken, createServer } from '@sinyal/server';
import WebSocket from 'ws';

const secret = 'consumer-test-secret-0123456789abcdef';
const server = await createServer({ port: 0, auth: { secret }, logger: false, rooms: { demo: { publish: ['demo:message'] } } });
const token = (user) => () => createDevToken(secret, user);
const alice = createSharedClient({ url: server.url, token: token('alice'), WebSocket, tabs: { key: 'alice' } });
const bob = createClient({ url: server.url, token: token('bob'), transports: httpTransport() });
const carol = createClient({ url: server.url, token: token('carol'), transports: httpFallback({ WebSocket }) });

const joined = async (client) => {
  const room = client.room('demo:lobby');
  const off = room.on('demo:message', () => {});
  while (room.getSnapshot().status !== 'joined') await new Promise((r) => setTimeout(r, 10));
  return { room, off };
};
const bobGot = new Promise((resolve) => bob.room('demo:lobby').on('demo:message', (message, meta) => resolve({ ...message, seq: meta.seq })));
const carolGot = new Promise((resolve) => carol.room('demo:lobby').on('demo:message', (message) => resolve(message.text)));
const [{ room, off }] = await Promise.all([joined(alice), joined(bob), joined(carol)]);
const sent = room.publish('demo:message', { text: 'Halo lewat HTTP' });
await sent.done;
const message = await bobGot;
const viaFallback = await carolGot;
const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
const httpConnections = Number(/^sinyal_http_connections (\d+)$/m.exec(metrics)?.[1]);
const push = pushNotifications(bob, { serviceWorker: '/sinyal-sw.js' });
const pushStatus = (await push.refresh()).status;
const role = alice.tabs.getSnapshot().role;
off();
for (const client of [alice, bob, carol]) client.close();
await server.close();
console.log(JSON.stringify({
  module: 'esm',
  message,
  viaFallback,
  status: sent.status,
  httpConnections,
  role,
  oneCore: alice instanceof SinyalClient && bob instanceof SinyalClient,
  pushStatus,
}));
