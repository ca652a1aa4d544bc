// JWT checks at the upgrade, as an attacker holding a token meant for something else would
// try them: another service's token signed with the same secret (wrong iss/aud), an old
// token, a short shared secret; and tokens of an identity provider verified against its key
// set (JWKS) served over real HTTP on 127.0.0.1.
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDevToken, createServer, type AuthOptions, type SinyalServer } from '@sinyal/server';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET } from '../test-utils/harness';
import { rawConnect, sinyalProtocols, upgradeRequest } from '../test-utils/wsFrames';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(auth: AuthOptions): Promise<SinyalServer> {
  // Every auth here is a bearer token (the verify hooks included), so any origin may connect.
  const s = await createServer({ port: 0, auth, logger: null, origins: '*' });
  cleanups.push(() => s.close());
  return s;
}

/** The upgrade's status and JSON body for `token`. */
async function upgrade(s: SinyalServer, token: string): Promise<{ status: number; body: unknown }> {
  const raw = await rawConnect(s.port, upgradeRequest({ protocols: sinyalProtocols(token) }));
  if (raw.status !== 101) await raw.ended().catch(() => {});
  raw.destroy();
  const text = raw.bodyText();
  return { status: raw.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const now = () => Math.floor(Date.now() / 1000);
const hs256 = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

/** A JWKS endpoint on 127.0.0.1 that serves `keys` (mutable) and counts requests. */
async function jwksServer(keys: JWK[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const http: Server = createHttpServer((req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => http.close(() => resolve()));
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, requests: () => requests, close };
}

describe('JWT with a shared secret', () => {
  it('refuses a secret shorter than 32 bytes at createServer, with a clear error', async () => {
    for (const secret of ['x', 'dev-secret', 'a'.repeat(31), new Uint8Array(16)]) {
      await expect(createServer({ port: 0, auth: { secret }, logger: null })).rejects.toThrow(/auth\.secret is \d+ bytes; HS256 needs at least 32/);
    }
    await expect(createServer({ port: 0, auth: { secret: 'a'.repeat(40), algorithms: ['HS512'] }, logger: null })).rejects.toThrow(/HS512 needs at least 64/);
    await expect(createServer({ port: 0, auth: { secret: SECRET, algorithms: ['RS256' as never] }, logger: null })).rejects.toThrow(/RS256/);
    // 32 bytes is enough.
    const s = await server({ secret: 'k'.repeat(32) });
    expect((await upgrade(s, await createDevToken('k'.repeat(32), 'alice'))).status).toBe(101);
  });

  it('with several HMAC algorithms allowed, each verifies with its own hash; others, alg none and a bad signature are refused', async () => {
    const secret = 'h'.repeat(64);
    const key = new TextEncoder().encode(secret);
    const s = await server({ secret, algorithms: ['HS256', 'HS512'] });
    const claims = { sub: 'alice', iat: now(), exp: now() + 600 };
    const signed = (alg: string) => new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
    expect((await upgrade(s, await signed('HS256'))).status).toBe(101);
    expect((await upgrade(s, await signed('HS512'))).status).toBe(101);
    expect((await upgrade(s, await signed('HS384'))).status).toBe(401);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect((await upgrade(s, unsigned)).status).toBe(401);
    const [header, payload] = (await signed('HS512')).split('.');
    const forged = `${header}.${payload}.${Buffer.from(new Uint8Array(64)).toString('base64url')}`;
    expect((await upgrade(s, forged)).status).toBe(401);
  });

  it('with issuer and audience set, a token for another service signed with the same secret is refused', async () => {
    const s = await server({ secret: SECRET, issuer: 'https://auth.example.com', audience: 'sinyal' });
    const base = { sub: 'mallory', iat: now(), exp: now() + 600 };
    const ours = await hs256({ ...base, iss: 'https://auth.example.com', aud: 'sinyal' });
    expect((await upgrade(s, ours)).status).toBe(101);
    // An audience list that includes ours is fine.
    expect((await upgrade(s, await hs256({ ...base, iss: 'https://auth.example.com', aud: ['billing', 'sinyal'] }))).status).toBe(101);
    for (const [label, claims, msg] of [
      ['another audience', { ...base, iss: 'https://auth.example.com', aud: 'billing' }, 'token invalid: wrong aud'],
      ['another issuer', { ...base, iss: 'https://evil.example', aud: 'sinyal' }, 'token invalid: wrong iss'],
      ['no audience', { ...base, iss: 'https://auth.example.com' }, 'token invalid: no aud'],
      ['no issuer', { ...base, aud: 'sinyal' }, 'token invalid: no iss'],
    ] as const) {
      expect(await upgrade(s, await hs256(claims)), label).toEqual({ status: 401, body: { code: 'unauthorized', msg } });
    }
  });

  it('with maxTokenAge, a token issued too long ago (or without iat) is refused even before its exp', async () => {
    const s = await server({ secret: SECRET, maxTokenAge: 300 });
    expect((await upgrade(s, await hs256({ sub: 'alice', iat: now() - 60, exp: now() + 3600 }))).status).toBe(101);
    expect(await upgrade(s, await hs256({ sub: 'alice', iat: now() - 3000, exp: now() + 3600 }))).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token expired' } });
    expect((await upgrade(s, await hs256({ sub: 'alice', exp: now() + 3600 }))).status).toBe(401);
    // Without the option the old token passes (the default checks only exp).
    const lax = await server({ secret: SECRET });
    expect((await upgrade(lax, await hs256({ sub: 'alice', iat: now() - 3000, exp: now() + 3600 }))).status).toBe(101);
  });

  it('maxTokenAge as a time span (\'5 min\') works the same; a span it cannot read fails createServer', async () => {
    const s = await server({ secret: SECRET, maxTokenAge: '5 min' });
    expect((await upgrade(s, await hs256({ sub: 'alice', iat: now() - 60, exp: now() + 3600 }))).status).toBe(101);
    expect((await upgrade(s, await hs256({ sub: 'alice', iat: now() - 3000, exp: now() + 3600 }))).body).toEqual({ code: 'unauthorized', msg: 'token expired' });
    await expect(createServer({ port: 0, auth: { secret: SECRET, maxTokenAge: 'soon' }, logger: null })).rejects.toThrow(/maxTokenAge/);
  });

  it('refuses a token not valid yet (nbf), one with a critical header it does not know, one signed with another secret, and junk', async () => {
    const s = await server({ secret: SECRET });
    const base = { sub: 'mallory', iat: now(), exp: now() + 600 };
    const refused = { status: 401, body: { code: 'unauthorized', msg: 'token invalid' } };
    expect(await upgrade(s, await hs256({ ...base, nbf: now() + 600 }))).toEqual(refused);
    // Signed by hand: a signing library refuses a critical header it does not know, as a verifier must.
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const signingInput = `${part({ alg: 'HS256', crit: ['exp-check'], 'exp-check': true })}.${part(base)}`;
    const critical = `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`;
    expect(await upgrade(s, critical)).toEqual(refused);
    expect(await upgrade(s, await hs256(base, 'another-secret-of-at-least-32-bytes!!'))).toEqual(refused);
    for (const junk of ['a.b.c', 'not a token', `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.`]) expect((await upgrade(s, junk)).status).toBe(401);
  });

  it('applies the clock tolerance to exp consistently: a token expired 2 s ago is accepted by default, refused with tolerance 0', async () => {
    const justExpired = await hs256({ sub: 'alice', iat: now() - 60, exp: now() - 2 });
    const longExpired = await hs256({ sub: 'alice', iat: now() - 60, exp: now() - 30 });
    const s = await server({ secret: SECRET });
    expect((await upgrade(s, justExpired)).status).toBe(101);
    expect(await upgrade(s, longExpired)).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token expired' } });
    const strict = await server({ secret: SECRET, clockToleranceSec: 0 });
    expect(await upgrade(strict, justExpired)).toEqual({ status: 401, body: { code: 'unauthorized', msg: 'token expired' } });
    // The same tolerance applies to the expiresAt a verify hook returns.
    const hooked = await server({ verify: () => ({ id: 'alice', expiresAt: Date.now() - 2000 }) });
    expect((await upgrade(hooked, 'anything')).status).toBe(101);
    await expect(createServer({ port: 0, auth: { secret: SECRET, clockToleranceSec: -1 }, logger: null })).rejects.toThrow(/clockToleranceSec/);
  });
});

describe('JWT of an identity provider (JWKS)', () => {
  it('accepts RS256 and ES256 tokens signed with the published keys; refuses other keys, wrong iss/aud, HS256 and alg none', async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const stranger = await generateKeyPair('RS256');
    const jwks = await jwksServer([
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ]);
    const s = await server({ jwksUrl: jwks.url, issuer: 'https://idp.example.com/', audience: 'sinyal-api' });
    const claims = { iss: 'https://idp.example.com/', aud: 'sinyal-api' };
    const sign = (key: CryptoKey, alg: string, kid: string, extra: Record<string, unknown> = {}) =>
      new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg, kid }).setSubject('buyer-7').setIssuedAt().setExpirationTime('10m').sign(key);

    expect((await upgrade(s, await sign(rsa.privateKey, 'RS256', 'rsa-1'))).status).toBe(101);
    expect((await upgrade(s, await sign(ec.privateKey, 'ES256', 'ec-1'))).status).toBe(101);
    expect(jwks.requests()).toBeGreaterThanOrEqual(1);

    // Signed by a key the provider never published (claiming a published kid, or an unknown one).
    expect((await upgrade(s, await sign(stranger.privateKey, 'RS256', 'rsa-1'))).status).toBe(401);
    expect((await upgrade(s, await sign(stranger.privateKey, 'RS256', 'rsa-2'))).status).toBe(401);
    expect((await upgrade(s, await sign(rsa.privateKey, 'RS256', 'rsa-1', { aud: 'other-api' }))).body).toEqual({ code: 'unauthorized', msg: 'token invalid: wrong aud' });
    expect((await upgrade(s, await sign(rsa.privateKey, 'RS256', 'rsa-1', { iss: 'https://evil.example/' }))).body).toEqual({ code: 'unauthorized', msg: 'token invalid: wrong iss' });
    // HS256 "signed" with the public key as a shared secret (the classic key-confusion attack), and alg none.
    const publicPem = JSON.stringify(await exportJWK(rsa.publicKey));
    const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setSubject('mallory').setExpirationTime('10m').sign(new TextEncoder().encode(publicPem));
    expect((await upgrade(s, confused)).status).toBe(401);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory', exp: now() + 600 })).toString('base64url')}.`;
    expect((await upgrade(s, unsigned)).status).toBe(401);
  });

  it('only the configured algorithms pass: an ES256-only server refuses an RS256 token', async () => {
    const rsa = await generateKeyPair('RS256');
    const jwks = await jwksServer([{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }]);
    const s = await server({ jwksUrl: jwks.url, algorithms: ['ES256'] });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setSubject('alice').setExpirationTime('10m').sign(rsa.privateKey);
    expect((await upgrade(s, token)).status).toBe(401);
    await expect(createServer({ port: 0, auth: { jwksUrl: jwks.url, algorithms: ['HS256' as never] }, logger: null })).rejects.toThrow(/HS256/);
    await expect(createServer({ port: 0, auth: { jwksUrl: 'not a url' }, logger: null })).rejects.toThrow(/jwksUrl/);
  });

  it('an unreachable key set refuses with 503 unavailable (retry later), not 401', async () => {
    const rsa = await generateKeyPair('RS256');
    const jwks = await jwksServer([]);
    await jwks.close();
    const s = await server({ jwksUrl: jwks.url, jwks: { timeoutMs: 1000 } });
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setSubject('alice').setExpirationTime('10m').sign(rsa.privateKey);
    expect(await upgrade(s, token)).toMatchObject({ status: 503, body: { code: 'unavailable' } });
  });
});
