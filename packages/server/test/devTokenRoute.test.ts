import { describe, expect, it } from 'vitest';
import { devTokenRoute, DEV_TOKEN_TTL_SECONDS } from '../src/http/devTokenRoute';
import { RawClient, SECRET, startServer } from './helpers';

describe('GET /dev/token (the dev CLI’s token endpoint)', () => {
  it('hands out a token for the user asked, which the server accepts', async () => {
    const server = await startServer({ routes: [devTokenRoute(SECRET)], rooms: { demo: {} } });
    const response = await fetch(`${server.httpUrl}/dev/token?user=budi`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: string; token: string; expiresIn: number };
    expect(body).toMatchObject({ user: 'budi', expiresIn: DEV_TOKEN_TTL_SECONDS });
    const client = await RawClient.ready(server, body.token);
    client.send({ t: 'join', id: 'j1', room: 'demo:lobby' });
    await client.next('joined');
    const claims = JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number; iat: number };
    expect(claims.sub).toBe('budi');
    expect(claims.exp - claims.iat).toBe(DEV_TOKEN_TTL_SECONDS);
  });

  it('answers 400 without a user, and is CORS-readable from an allowed origin', async () => {
    const server = await startServer({ routes: [devTokenRoute(SECRET)], origins: ['http://127.0.0.1:5173'] });
    const missing = await fetch(`${server.httpUrl}/dev/token`, { headers: { origin: 'http://127.0.0.1:5173' } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'bad_request' });
    const ok = await fetch(`${server.httpUrl}/dev/token?user=${'x'.repeat(128)}`, { headers: { origin: 'http://127.0.0.1:5173' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect((await fetch(`${server.httpUrl}/dev/token?user=${'x'.repeat(129)}`)).status).toBe(400);
  });

  it('does not exist on a server that does not mount it', async () => {
    const server = await startServer();
    expect((await fetch(`${server.httpUrl}/dev/token?user=budi`)).status).toBe(404);
  });
});
