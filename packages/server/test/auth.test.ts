import { describe, expect, it } from 'vitest';
import { SUBPROTOCOL } from '@sinyal/protocol';
import { createDevToken, SinyalServerError } from '../src';
import { RawClient, SECRET, protocolsFor, refused, startServer, token, waitFor } from './helpers';

async function probe(httpUrl: string, headers: Record<string, string>, method = 'GET') {
  const res = await fetch(`${httpUrl}/ws`, { method, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('authentication at the upgrade', () => {
  it('accepts a valid JWT in the subprotocol, selects sinyal.v1 and welcomes after hello', async () => {
    const server = await startServer({ limits: { heartbeatTimeoutMs: 12_345 } });
    const client = await RawClient.connect(server, 'alice');
    expect(client.ws.protocol).toBe(SUBPROTOCOL);
    client.send({ t: 'hello', v: 1, lib: 'test' });
    const welcome = await client.next('welcome');
    expect(welcome).toMatchObject({ v: 1, user: 'alice', heartbeatTimeoutMs: 12_345, maxFrameBytes: 65_536 });
    expect(typeof welcome.sid).toBe('string');
    expect(Math.abs(welcome.now - Date.now())).toBeLessThan(1000);
    expect(server.connections()).toBe(1);
  });

  it('refuses a missing, expired or forged token with 401 before upgrading, and the probe agrees', async () => {
    const server = await startServer();
    const expired = await token('alice', -10);
    const forged = await createDevToken('another-secret-of-enough-length-0123456789', 'alice');

    expect(await refused(server.url, [SUBPROTOCOL])).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token missing' } });
    expect(await refused(server.url, protocolsFor(expired))).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token expired' } });
    expect(await refused(server.url, protocolsFor(forged))).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token invalid' } });
    expect(await refused(server.url, [SUBPROTOCOL, 'sinyal.bearer.not.base64'])).toMatchObject({ status: 401 });

    expect(await probe(server.httpUrl, {})).toMatchObject({ status: 401, body: { code: 'unauthorized', msg: 'token missing' } });
    expect(await probe(server.httpUrl, { authorization: `Bearer ${expired}` })).toMatchObject({ status: 401, body: { msg: 'token expired' } });
    expect(await probe(server.httpUrl, { authorization: `Bearer ${forged}` })).toMatchObject({ status: 401, body: { msg: 'token invalid' } });
    expect(await probe(server.httpUrl, { authorization: `Bearer ${await token('bob')}` })).toMatchObject({ status: 200, body: { ok: true, user: 'bob' } });
    expect(server.connections()).toBe(0);
  });

  it('rejects tokens without sub and non-HS256 algorithms', async () => {
    const server = await startServer();
    const { SignJWT } = await import('jose');
    const key = new TextEncoder().encode(SECRET);
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key);
    const hs512 = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('alice').sign(key);
    expect((await refused(server.url, protocolsFor(noSub))).status).toBe(401);
    expect((await refused(server.url, protocolsFor(hs512))).body).toEqual({ code: 'unauthorized', msg: 'token invalid' });
  });

  it('ignores ?token= unless allowQueryToken is set', async () => {
    const tok = await token('alice');
    const strict = await startServer();
    expect(await refused(`${strict.url}?token=${tok}`, [SUBPROTOCOL])).toMatchObject({ status: 401, body: { msg: 'token missing' } });

    const lax = await startServer({ allowQueryToken: true });
    const client = await RawClient.connect(lax, tok, { url: `${lax.url}?token=${tok}`, protocols: [SUBPROTOCOL] });
    client.send({ t: 'hello', v: 1 });
    expect((await client.next('welcome')).user).toBe('alice');
  });

  it('uses the verify hook when given; any throw refuses with 401', async () => {
    const server = await startServer({
      origins: '*',
      auth: {
        verify: async (tok) => {
          if (tok === 'open-sesame') return { id: 'hooked', claims: { role: 'agent' } };
          if (tok === 'revoked') throw new SinyalServerError('unauthorized', 'token revoked');
          throw new Error('database exploded: secret details');
        },
      },
    });
    const client = await RawClient.connect(server, 'x.open-sesame', { protocols: protocolsFor('open-sesame') });
    client.send({ t: 'hello', v: 1 });
    expect((await client.next('welcome')).user).toBe('hooked');
    expect(await refused(server.url, protocolsFor('revoked'))).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token revoked' } });
    expect(await refused(server.url, protocolsFor('other'))).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token rejected' } });
    expect(await probe(server.httpUrl, { authorization: 'Bearer open-sesame' })).toMatchObject({ status: 200, body: { user: 'hooked' } });
  });

  it('refuses origins outside the allow-list with 403; no Origin header is allowed', async () => {
    const server = await startServer({ origins: ['https://app.example.com'] });
    const tok = await token();
    expect(await refused(server.url, protocolsFor(tok), { origin: 'https://evil.example' })).toEqual({
      status: 403,
      body: { code: 'forbidden', msg: 'origin not allowed' },
    });
    const browser = await RawClient.connect(server, tok, { headers: { origin: 'https://app.example.com' } });
    const native = await RawClient.connect(server, tok);
    expect([browser.ws.protocol, native.ws.protocol]).toEqual([SUBPROTOCOL, SUBPROTOCOL]);

    const denied = await probe(server.httpUrl, { authorization: `Bearer ${tok}`, origin: 'https://evil.example' });
    expect(denied).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    // Readable by the refused page on purpose: its client must see "forbidden" and stop, not retry forever.
    expect(denied.headers.get('access-control-allow-origin')).toBe('https://evil.example');
    const allowed = await probe(server.httpUrl, { authorization: `Bearer ${tok}`, origin: 'https://app.example.com' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const preflight = await probe(server.httpUrl, { origin: 'https://app.example.com', 'access-control-request-headers': 'authorization' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
  });

  it('refuses a wrong path (404), a missing sinyal.v1 (400) and too many connections per user (429)', async () => {
    const server = await startServer({ limits: { maxConnectionsPerUser: 2 } });
    const tok = await token('carol');
    expect((await refused(`${server.httpUrl.replace('http', 'ws')}/other`, protocolsFor(tok))).status).toBe(404);
    const v2 = ['sinyal.v2', protocolsFor(tok)[1]!];
    expect(await refused(server.url, v2)).toEqual({ status: 400, body: { code: 'unsupported_version', msg: 'server speaks sinyal.v1' } });

    const first = await RawClient.connect(server, tok);
    await RawClient.connect(server, tok);
    expect(await refused(server.url, protocolsFor(tok))).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    await RawClient.connect(server, 'dave'); // other users are not affected
    first.close();
    await first.closed;
    await waitFor(() => server.connections() === 2);
    await RawClient.connect(server, tok);
  });

  it('serves /health', async () => {
    const server = await startServer();
    await RawClient.connect(server);
    const res = await fetch(`${server.httpUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', connections: 1, uptimeS: 0 });
  });

  describe('origins default', () => {
    it('refuses to start with auth.verify and no origins (cookie auth would allow cross-site hijacking)', async () => {
      await expect(startServer({ auth: { verify: () => ({ id: 'x' }) } })).rejects.toThrow(/set `origins` when using auth.verify/);
      await expect(startServer({ auth: { verify: () => ({ id: 'x' }) }, origins: ['https://app.example.com'] })).resolves.toBeDefined();
    });

    it('with bearer tokens allows any origin but warns at start; an explicit list or an explicit * does not warn', async () => {
      const warnings: string[] = [];
      const logger = { info() {}, error() {}, debug() {}, warn: (_obj: unknown, msg?: string) => void warnings.push(String(msg)) };
      await startServer({ logger });
      expect(warnings.some((w) => /origins not set/.test(w))).toBe(true);
      warnings.length = 0;
      await startServer({ logger, origins: ['https://app.example.com'] });
      await startServer({ logger, origins: '*' });
      expect(warnings.some((w) => /origins not set/.test(w))).toBe(false);
    });

    it('rejects a malformed origins option', async () => {
      await expect(startServer({ origins: 'https://app.example.com' as unknown as '*' })).rejects.toThrow(/origins must be/);
    });
  });
});
