// The `ws` internals the server relies on for write batching and pre-framed broadcasts
// (src/wire/wsInternals.ts). If a `ws` upgrade changes them, this fails — loudly, instead of
// the server silently falling back to slower writes. package.json pins `ws` to what it covers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { frameWriterOf, hasExpectedInternals, socketOf } from '../src/wire/wsInternals';
import { encodeTextFrame } from '../src/wire/sharedFrame';

const WS_VERSION = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A ws server and one connected client; resolves with the server side of the connection. */
async function pair(perMessageDeflate = false): Promise<{ server: WebSocket; client: WebSocket }> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())), () => wss.close());
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`, { perMessageDeflate });
  cleanups.push(() => client.terminate());
  await new Promise((resolve) => client.once('open', resolve));
  return { server: await serverSide, client };
}

describe('ws internals (wire/wsInternals.ts)', () => {
  it(`ws ${WS_VERSION} exposes the socket and sender internals the server uses`, async () => {
    const { server } = await pair();
    expect(hasExpectedInternals(server)).toBe(true);
    expect(socketOf(server)).not.toBeNull();
    expect(frameWriterOf(server)).not.toBeNull();
  });

  it('bytes framed once and written through the sender arrive as an ordinary text message, in order with ws.send', async () => {
    const { server, client } = await pair();
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const write = frameWriterOf(server)!;
    server.send('first');
    expect(write(encodeTextFrame('{"t":"event","n":2}'))).toBe(true);
    server.send('third');
    await expect.poll(() => received.length).toBe(3);
    expect(received).toEqual(['first', '{"t":"event","n":2}', 'third']);
  });

  it('a compressing connection gets no pre-framed writer (ws deflates each message itself)', async () => {
    const { server } = await pair(true);
    expect(server.extensions).toContain('permessage-deflate');
    expect(frameWriterOf(server)).toBeNull();
  });
});
