// The HTTP side of the server against hostile sockets on 127.0.0.1: bodies trickled after an
// early refusal, slow-loris bodies and headers, oversized bodies, and connection floods from
// one address or in total (limits.maxConnections / maxConnectionsPerIp, trustProxy).
import net from 'node:net';
import { createDevToken, type SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { metric, SECRET, sleep, startServer, until } from '../test-utils/harness';
import { encodeFrame, rawConnect, sinyalProtocols, upgradeRequest, type RawSocket } from '../test-utils/wsFrames';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const PUBLISH_SECRET = 'http-test-publish-secret-0123456789';

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<SinyalServer> {
  const s = await startServer({
    publishSecret: PUBLISH_SECRET,
    routes: [{ method: 'POST', path: '/api/echo', auth: 'user', handler: ({ body }) => ({ echo: body }) }],
    ...options,
  });
  cleanups.push(() => s.close());
  return s;
}

function track(raw: RawSocket): RawSocket {
  cleanups.push(() => raw.destroy());
  return raw;
}

/** Request head (and optionally the start of a body) as raw HTTP/1.1. */
function request(method: string, path: string, headers: Record<string, string>, body = ''): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n${body}`;
}

const upgradeWith = async (s: SinyalServer, user: string, extraHeaders: Array<[string, string]> = []) =>
  track(await rawConnect(s.port, upgradeRequest({ protocols: sinyalProtocols(await createDevToken(SECRET, user)), extraHeaders })));

describe('early refusals close the connection instead of reading the body', () => {
  it('401, 403, 404 and 429-style refusals answered before a 100 KB body arrives end the socket with Connection: close', async () => {
    const s = await server({ origins: ['https://app.example.com'] });
    const token = await createDevToken(SECRET, 'alice');
    const cases: Array<[string, string, Record<string, string>]> = [
      ['401 publish API without the secret', '/api/publish', {}],
      ['401 user route without a token', '/api/echo', {}],
      ['401 user route with a forged token', '/api/echo', { authorization: `Bearer ${token}x` }],
      ['404 unknown path', '/nothing/here', { authorization: `Bearer ${token}` }],
      ['403 foreign origin', '/api/echo', { origin: 'https://evil.example', authorization: `Bearer ${token}` }],
    ];
    for (const [label, path, headers] of cases) {
      // Announces 100 KB, sends 10 bytes, and would trickle the rest for minutes.
      const raw = track(await rawConnect(s.port, request('POST', path, { 'content-type': 'application/json', 'content-length': '100000', ...headers }, '{"a":"xxxx')));
      expect(raw.status, label).toBeGreaterThanOrEqual(400);
      expect(raw.responseHead.toLowerCase(), label).toContain('connection: close');
      const end = await raw.ended(3000);
      expect(end.socketClosed, label).toBe(true);
    }
  });

  it('a keep-alive request without a body keeps its connection (no needless close)', async () => {
    const s = await server();
    const raw = track(await rawConnect(s.port, request('GET', '/nothing', { connection: 'keep-alive' })));
    expect(raw.status).toBe(404);
    expect(raw.responseHead.toLowerCase()).not.toContain('connection: close');
  });

  it('an announced or streamed body over 64 KiB is answered 413 (readable), then the socket is closed', async () => {
    const s = await server();
    const auth = { authorization: `Bearer ${PUBLISH_SECRET}`, 'content-type': 'application/json' };
    const announced = track(await rawConnect(s.port, request('POST', '/api/publish', { ...auth, 'content-length': '1000000' }, '{')));
    expect(announced.status).toBe(413);
    expect(JSON.parse(announced.bodyText())).toMatchObject({ code: 'too_large' });
    expect((await announced.ended(3000)).socketClosed).toBe(true);

    // Chunked: no length up front, 80 KB streamed.
    const streamed = track(await rawConnect(s.port, request('POST', '/api/publish', { ...auth, 'transfer-encoding': 'chunked' }, `${(80 * 1024).toString(16)}\r\n${'x'.repeat(80 * 1024)}\r\n`)));
    expect(streamed.status).toBe(413);
    expect((await streamed.ended(3000)).socketClosed).toBe(true);
  });
});

describe('timeouts', () => {
  it('a body trickled byte by byte is cut off after httpRequestTimeoutMs; open WebSocket connections are not', async () => {
    const s = await server({ limits: { httpRequestTimeoutMs: 800, httpHeadersTimeoutMs: 800 } });
    const token = await createDevToken(SECRET, 'alice');
    const ws = await upgradeWith(s, 'bob');
    expect(ws.status).toBe(101);

    const slow = net.connect({ port: s.port, host: '127.0.0.1' });
    cleanups.push(() => slow.destroy());
    let received = '';
    slow.on('data', (chunk) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
    slow.on('error', () => {});
    slow.write(request('POST', '/api/echo', { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': '1000' }, '{'));
    const trickle = setInterval(() => !slow.destroyed && slow.write(' '), 100);
    cleanups.push(() => clearInterval(trickle));
    await closed; // the test's own timeout is the bound
    clearInterval(trickle);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);

    // Headers trickled (slow-loris) are cut too.
    const loris = net.connect({ port: s.port, host: '127.0.0.1' });
    cleanups.push(() => loris.destroy());
    loris.on('error', () => {});
    const lorisClosed = new Promise<void>((resolve) => loris.once('close', () => resolve()));
    loris.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => !loris.destroyed && loris.write('X-a: b\r\n'), 100);
    cleanups.push(() => clearInterval(drip));
    await lorisClosed;
    clearInterval(drip);

    // The WebSocket connection outlived both timeouts and still answers.
    ws.write(encodeFrame({ payload: JSON.stringify({ t: 'hello', v: 1 }) }));
    await ws.nextMessage((m) => m.t === 'welcome');
    ws.write(encodeFrame({ payload: JSON.stringify({ t: 'ping', ts: 1 }) }));
    await ws.nextMessage((m) => m.t === 'pong');
  });
});

describe('connection caps', () => {
  it('maxConnectionsPerIp: the upgrade over the cap from one address gets 429 JSON before its token is checked, counted in /metrics', async () => {
    let verified = 0;
    const s = await server({
      limits: { maxConnectionsPerIp: 3 },
      origins: '*', // the hook takes bearer tokens, not cookies
      auth: {
        verify: async (token) => {
          verified++;
          if (token === 'slow') await sleep(60_000); // an upgrade held open in authentication
          return { id: token };
        },
      },
    });
    const upgrade = (token: string) => rawConnect(s.port, upgradeRequest({ protocols: sinyalProtocols(token) }), 2000);
    // One pending (its verification never ends) and two open: three from 127.0.0.1.
    const pending = net.connect({ port: s.port, host: '127.0.0.1' }, () => pending.write(upgradeRequest({ protocols: sinyalProtocols('slow') })));
    pending.on('error', () => {});
    cleanups.push(() => pending.destroy());
    await until(() => verified === 1);
    const a = track(await upgrade('a'));
    const b = track(await upgrade('b'));
    expect([a.status, b.status]).toEqual([101, 101]);
    const over = track(await upgrade('c'));
    expect(over.status).toBe(429);
    expect(JSON.parse(over.bodyText())).toEqual({ code: 'rate_limited', msg: 'too many connections from this address' });
    expect(verified).toBe(3); // the refused one was never verified
    expect(await metric(s.httpUrl, 'sinyal_upgrades_refused_total', 'status="429"')).toBe(1);

    // A connection closing frees its slot.
    a.destroy();
    await until(() => s.connections() === 1);
    const again = track(await upgrade('d'));
    expect(again.status).toBe(101);
  });

  it('trustProxy: X-Forwarded-For is ignored unless trusted; with one trusted hop each forwarded client has its own cap', async () => {
    const behindProxy = [['X-Forwarded-For', '203.0.113.7']] as Array<[string, string]>;
    const plain = await server({ limits: { maxConnectionsPerIp: 1 } });
    expect((await upgradeWith(plain, 'a', [['X-Forwarded-For', '203.0.113.1']])).status).toBe(101);
    // Not trusted: a client cannot pick another address to escape the cap.
    expect((await upgradeWith(plain, 'b', [['X-Forwarded-For', '203.0.113.2']])).status).toBe(429);

    const proxied = await server({ limits: { maxConnectionsPerIp: 1 }, trustProxy: 1 });
    expect((await upgradeWith(proxied, 'a', behindProxy)).status).toBe(101);
    expect((await upgradeWith(proxied, 'b', [['X-Forwarded-For', '203.0.113.8']])).status).toBe(101);
    expect((await upgradeWith(proxied, 'c', behindProxy)).status).toBe(429);
    // With one hop trusted, a spoofed left-most entry changes nothing: the proxy appended the real one.
    expect((await upgradeWith(proxied, 'd', [['X-Forwarded-For', '198.51.100.1, 203.0.113.7']])).status).toBe(429);

    const listed = await server({ limits: { maxConnectionsPerIp: 1 }, trustProxy: ['127.0.0.0/8'] });
    expect((await upgradeWith(listed, 'a', [['X-Forwarded-For', '2001:db8:1:2::1']])).status).toBe(101);
    // Same /64: the same unit.
    expect((await upgradeWith(listed, 'b', [['X-Forwarded-For', '2001:db8:1:2::ffff']])).status).toBe(429);
    expect((await upgradeWith(listed, 'c', [['X-Forwarded-For', '2001:db8:1:3::1']])).status).toBe(101);
  });

  it('maxConnections: past the server-wide cap upgrades get 503 JSON and REST 503, while /health and /metrics still answer', async () => {
    const s = await server({ limits: { maxConnections: 4 } });
    const open: RawSocket[] = [];
    for (const user of ['a', 'b', 'c', 'd']) open.push(await upgradeWith(s, user));
    expect(open.map((r) => r.status)).toEqual([101, 101, 101, 101]);
    const over = await upgradeWith(s, 'e');
    expect(over.status).toBe(503);
    expect(JSON.parse(over.bodyText())).toMatchObject({ code: 'unavailable' });
    const rest = track(await rawConnect(s.port, request('GET', '/api/whatever', {})));
    expect(rest.status).toBe(503);
    expect((await fetch(`${s.httpUrl}/health`)).status).toBe(200);
    expect(await metric(s.httpUrl, 'sinyal_upgrades_refused_total', 'status="503"')).toBe(1);
    expect(await metric(s.httpUrl, 'sinyal_sockets_limit')).toBe(4);
    for (const r of open) r.destroy();
    await until(() => s.connections() === 0);
    await sleep(50);
    expect((await upgradeWith(s, 'f')).status).toBe(101);
  });
});
