// Sinyal in one file: a server and two clients (alice, bob) chatting in a room.
// Midway the server restarts; alice keeps typing while it is down. Her messages wait
// in the outbox, go out after the reconnect, and bob's room resumes where it left
// off: nothing lost, nothing twice. Run: npm run demo
import { createClient } from '@sinyal/client';
import { createDevToken, createServer, MemoryStore } from '@sinyal/server';
import WebSocket from 'ws';

const secret = 'demo-secret-not-for-production-0123456789';
const store = new MemoryStore(); // kept across the restart, as Redis would be
const rooms = { demo: { publish: ['demo:message'] } };
const started = Date.now();
const log = (who, text) => console.log(`${String(Date.now() - started).padStart(5)} ms  ${who.padEnd(7)} ${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check) => { while (!check()) await sleep(10); };

let server = await createServer({ port: 0, auth: { secret }, store, rooms, logger: null });
const { port } = server;
log('server', `listening on ${server.url}`);

function person(user) {
  const client = createClient({
    url: server.url,
    token: () => createDevToken(secret, user),
    WebSocket,
    reconnect: { initialDelayMs: 300, maxDelayMs: 1000 },
  });
  let last = client.state;
  client.subscribe(() => {
    if (client.state !== last) log(user, `connection: ${last} → ${(last = client.state)}`);
  });
  const room = client.room('demo:lobby');
  room.on('demo:message', (message, meta) => {
    if (message.from !== user) log(user, `got #${meta.seq} from ${message.from}: "${message.text}"`);
  });
  const say = (text) => room.publish('demo:message', { from: user, text });
  return { client, room, say };
}

const alice = person('alice');
const bob = person('bob');
await until(() => alice.room.getSnapshot().status === 'joined' && bob.room.getSnapshot().status === 'joined');

await alice.say('Hi Bob, is the flat on Jalan Kemang still available?').done;
await bob.say('Hi Alice! Yes, viewing slots on Saturday.').done;
await sleep(100);

log('server', 'restarting (clients are told 1012 and will come back)…');
await server.close();
await until(() => alice.client.state !== 'open');
const queued = [alice.say('Great, 10:00 works for me.'), alice.say('Can I bring my partner?')];
log('alice', `typed 2 messages while the server is down: ${queued.map((c) => c.status).join(', ')}`);
await sleep(300);
server = await createServer({ port, auth: { secret }, store, rooms, logger: null });
log('server', 'back on the same port with the same store');

await Promise.all(queued.map((c) => c.done));
log('alice', `outbox after reconnect: ${queued.map((c) => c.status).join(', ')}`);
await bob.say('Of course, see you both at 10.').done;
await sleep(200);

alice.client.close();
bob.client.close();
await server.close();
log('demo', 'done: every message arrived once, in order, across a server restart.');
