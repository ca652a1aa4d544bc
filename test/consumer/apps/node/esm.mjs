// A plain Node ESM script against the installed packages: a server and two clients, one
// message from alice to bob. Prints a JSON line with what it saw; exits 0 on success.
import { createClient } from '@sinyal/client';
import { ErrorCodes, PROTOCOL_VERSION } from '@sinyal/protocol';
import { parseClientFrame } from '@sinyal/protocol/schema';
import { createDevToken, createServer } from '@sinyal/server';
import WebSocket from 'ws';

const secret = 'consumer-test-secret-0123456789abcdef';
const server = await createServer({ port: 0, auth: { secret }, logger: false, rooms: { demo: { publish: ['demo:message'] } } });
const person = (user) => createClient({ url: server.url, token: () => createDevToken(secret, user), WebSocket });
const alice = person('alice');
const bob = person('bob');

const received = new Promise((resolve) => bob.room('demo:lobby').on('demo:message', (message, meta) => resolve({ ...message, seq: meta.seq })));
const aliceRoom = alice.room('demo:lobby');
const offAlice = aliceRoom.on('demo:message', () => {});
while (bob.room('demo:lobby').getSnapshot().status !== 'joined') await new Promise((r) => setTimeout(r, 10));
const sent = aliceRoom.publish('demo:message', { text: 'Halo dari ESM' });
await sent.done;
const message = await received;
offAlice();
alice.close();
bob.close();
await server.close();
console.log(JSON.stringify({ module: 'esm', message, status: sent.status, protocol: PROTOCOL_VERSION, code: ErrorCodes.bad_request, parsed: parseClientFrame('{"t":"join","id":"j1","room":"demo:lobby"}').ok }));
