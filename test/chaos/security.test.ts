// Security properties as tests: Origin allow-list at the socket level, secrets never in
// logs, authorization re-checked on every resume, and the publish API's secret.
import { createDevToken, SinyalServerError, type SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultProxy } from '../../test-utils/faultProxy';
import { connect, record, SECRET, sleep, startServer, until } from '../../test-utils/harness';
import { rawConnect, sinyalProtocols, upgradeRequest } from '../../test-utils/wsFrames';
import { captureLogs } from './support';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function server(options: Parameters<typeof startServer>[0] = {}): Promise<SinyalServer> {
  const s = await startServer(options);
  cleanups.push(() => s.close());
  return s;
}

describe('security', () => {
  it('cross-site Origin is refused with 403 at the upgrade, the probe and REST; look-alikes do not pass', async () => {
    const s = await server({ origins: ['https://app.example.com'] });
    const token = await createDevToken(SECRET, 'alice');
    const upgrade = async (origin?: string) => {
      const raw = await rawConnect(s.port, upgradeRequest({ protocols: sinyalProtocols(token), ...(origin === undefined ? {} : { origin }) }));
      raw.destroy();
      return raw.status;
    };
    for (const evil of [
      'https://evil.example',
      'https://app.example.com.evil.example',
      'http://app.example.com', // scheme differs
      'https://app.example.com:8443', // port differs
      'https://sub.app.example.com',
      'null', // sandboxed iframes, file:// pages
      '',
    ]) {
      expect(await upgrade(evil), evil).toBe(403);
      const probe = await fetch(s.url.replace('ws:', 'http:'), { headers: { origin: evil, authorization: `Bearer ${token}` } });
      expect(probe.status, `probe ${evil}`).toBe(403);
      expect(await probe.text()).not.toContain(token);
      const rest = await fetch(`${s.httpUrl}/api/publish`, { method: 'POST', headers: { origin: evil } });
      expect(rest.status, `REST ${evil}`).toBe(403);
      expect(rest.headers.get('access-control-allow-origin')).toBeNull();
    }
    // The allowed origin (case and a trailing slash do not matter) and servers without an Origin get in.
    for (const good of ['https://app.example.com', 'HTTPS://APP.EXAMPLE.COM', 'https://app.example.com/', undefined]) expect(await upgrade(good)).toBe(101);
  });

  it('tokens, secrets and message bodies never reach the logs (connection, refused token, failed command, publish API)', async () => {
    const { lines, logger } = captureLogs();
    const publishSecret = 'publish-secret-SHOULD-NOT-BE-LOGGED-0123';
    const s = await server({
      logger,
      publishSecret,
      allowQueryToken: true,
      commands: {
        'demo:explode': () => {
          throw new Error('handler exploded');
        },
        'demo:refuse': () => {
          throw new SinyalServerError('conflict', 'refused');
        },
      },
    });
    const good = await createDevToken(SECRET, 'alice');
    const expired = await createDevToken(SECRET, 'alice', -60);
    const forged = await createDevToken('another-secret-entirely-0123456789', 'alice');
    const body = 'BODY-MARKER-7f3a';

    // A good connection through the real client: join, publish, a failing and a refused command.
    const client = connect(s.url, 'alice');
    cleanups.push(() => client.close());
    const rec = record(client, 'demo:secret');
    await until(() => rec.room.getSnapshot().status === 'joined');
    await rec.room.publish('demo:message', { from: 'alice', n: 1, text: body }).done;
    await expect(client.request('demo:explode' as never, { text: body } as never)).rejects.toMatchObject({ code: 'internal' });
    await expect(client.request('demo:refuse' as never, { text: body } as never)).rejects.toMatchObject({ code: 'conflict' });
    // Refused tokens: subprotocol, probe header, query string.
    for (const bad of [expired, forged, `${good}x`]) {
      const raw = await rawConnect(s.port, upgradeRequest({ protocols: sinyalProtocols(bad) }));
      expect(raw.status).toBe(401);
      raw.destroy();
      expect((await fetch(s.url.replace('ws:', 'http:'), { headers: { authorization: `Bearer ${bad}` } })).status).toBe(401);
      const q = await rawConnect(s.port, upgradeRequest({ path: `/ws?token=${encodeURIComponent(bad)}`, protocols: ['sinyal.v1'] }));
      expect(q.status).toBe(401);
      q.destroy();
    }
    // A good token in the query string (allowed here) is not logged either.
    const q = await rawConnect(s.port, upgradeRequest({ path: `/ws?token=${encodeURIComponent(good)}`, protocols: ['sinyal.v1'] }));
    expect(q.status).toBe(101);
    q.destroy();
    // The publish API with the right secret, a wrong one, and a body.
    const publish = (secret: string) =>
      fetch(`${s.httpUrl}/api/publish`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ room: 'demo:secret', event: 'demo:message', data: { from: 'platform', n: 2, text: body } }),
      });
    expect((await publish(publishSecret)).status).toBe(200);
    expect((await publish(`${publishSecret}-wrong`)).status).toBe(401);
    client.close();
    await until(() => s.connections() === 0);
    await sleep(50);

    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0); // the capture works: the server did log (refusals, the failed handler…)
    expect(all).toContain('handler exploded');
    for (const secret of [good, expired, forged, publishSecret, body]) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(Buffer.from(secret).toString('base64url'));
      expect(all).not.toContain(encodeURIComponent(secret));
    }
    // Not even a token's signature (the part that makes it usable) appears.
    for (const token of [good, expired, forged]) expect(all).not.toContain(token.split('.')[2]!);
  });

  it('a resume after access was revoked is refused (forbidden) and no event of the room arrives after the refusal', async () => {
    let allowed = true;
    const s = await server({
      rooms: { vip: { authorize: () => allowed, history: 100, publish: ['vip:note'] } },
    });
    const proxy = await createFaultProxy({ targetPort: s.port });
    cleanups.push(() => proxy.close());
    const client = connect(`ws://127.0.0.1:${proxy.port}/ws`, 'alice');
    cleanups.push(() => client.close());
    const room = client.room('vip:lounge');
    const got: number[] = [];
    const off = room.on('vip:note' as never, ((data: { n: number }) => got.push(data.n)) as never);
    cleanups.push(off);
    await until(() => room.getSnapshot().status === 'joined');
    for (let n = 1; n <= 3; n++) await s.publish('vip:lounge', 'vip:note', { n });
    await until(() => got.length === 3);

    // Access is revoked while the client is away; events keep being published meanwhile.
    allowed = false;
    proxy.cutAll();
    for (let n = 4; n <= 6; n++) await s.publish('vip:lounge', 'vip:note', { n });
    await until(() => room.getSnapshot().status === 'error', 10_000);
    expect(room.getSnapshot().error).toMatchObject({ code: 'forbidden' });
    expect(client.state).toBe('open'); // the connection itself is fine; only the room was refused
    // Events after the refusal (and the ones missed while away) never reach the client.
    for (let n = 7; n <= 9; n++) await s.publish('vip:lounge', 'vip:note', { n });
    await sleep(300);
    expect(got).toEqual([1, 2, 3]);
    expect(s.localMembers('vip:lounge')).toBe(0);
  });

  it('the publish API refuses a missing or wrong secret (401) and answers 403 without publishSecret', async () => {
    const secret = 'the-real-publish-secret-0123456789';
    const withSecret = await server({ publishSecret: secret });
    const without = await server();
    const post = (s: SinyalServer, authorization?: string) =>
      fetch(`${s.httpUrl}/api/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify({ room: 'demo:x', event: 'demo:message', data: { from: 'p', n: 1 } }),
      });
    for (const authorization of [undefined, '', 'Bearer', 'Bearer ', `Bearer ${secret}x`, `Bearer ${secret.slice(0, -1)}`, `Basic ${secret}`, secret, `Bearer ${secret.toUpperCase()}`]) {
      const res = await post(withSecret, authorization);
      expect(res.status, String(authorization)).toBe(401);
      const text = await res.text();
      expect(text).not.toContain(secret);
    }
    expect((await post(withSecret, `Bearer ${secret}`)).status).toBe(200);
    expect(withSecret.localMembers('demo:x')).toBe(0);
    for (const authorization of [undefined, `Bearer ${secret}`, 'Bearer anything']) expect((await post(without, authorization)).status).toBe(403);
  });
});
