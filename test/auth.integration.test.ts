// Bad input through the real client: refused tokens, forbidden rooms, oversized commands.
import { createDevToken } from '@sinyal/server';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createFaultProxy } from '../test-utils/faultProxy';
import { connect, record, SECRET, sleep, startServer, until } from '../test-utils/harness';
import { rawClient } from '../test-utils/rawClient';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const s = await startServer();
  cleanups.push(() => s.close());
  const proxy = await createFaultProxy({ targetPort: s.port });
  cleanups.push(() => proxy.close());
  return { s, proxy, url: `ws://127.0.0.1:${proxy.port}/ws` };
}

const expiredToken = () =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('late').setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(new TextEncoder().encode(SECRET));

describe('refused tokens end in failed with the reason, without a reconnect loop', () => {
  const cases: Array<[string, () => string | Promise<string> | undefined, RegExp]> = [
    ['missing', () => undefined, /missing/i],
    ['expired', expiredToken, /expired/i],
    ['forged', () => createDevToken('some-other-secret-0123456789abcdef', 'mallory'), /invalid|signature/i],
  ];
  for (const [label, makeToken, reason] of cases) {
    it(`${label} token`, async () => {
      const { proxy, url } = await setup();
      const calls: number[] = [];
      const c = connect(url, 'x', {
        token: makeToken() === undefined ? undefined : async () => (calls.push(Date.now()), (await makeToken())!),
      } as never);
      cleanups.push(() => c.close());
      await until(() => c.state === 'failed');
      const error = c.getSnapshot().error!;
      expect(error.code).toBe('unauthorized');
      expect(error.message).toMatch(reason);
      const accepted = proxy.accepted();
      await sleep(600);
      expect(proxy.accepted()).toBe(accepted); // no more attempts
      expect(c.state).toBe('failed');
      if (label !== 'missing') expect(calls).toHaveLength(2); // fetched anew once, then stopped
    });
  }

  it('a provider that returns a refused token first and a good one next recovers', async () => {
    const { url } = await setup();
    let calls = 0;
    const c = connect(url, 'x', {
      token: async () => (++calls === 1 ? expiredToken() : createDevToken(SECRET, 'recovered')),
    });
    cleanups.push(() => c.close());
    await until(() => c.state === 'open');
    expect(c.user).toBe('recovered');
    expect(calls).toBe(2);
  });
});

describe('a refused Origin ends in failed in Node as in browsers', () => {
  /** Node's `ws` sends the Origin an app gives it: a server-side app, a test, a bot. */
  const withOrigin = (origin: string) =>
    class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { origin });
      }
    };

  it('an Origin not on the allow-list: failed with forbidden, no reconnect loop; an allowed one connects', async () => {
    const s = await startServer({ origins: ['https://app.example'] });
    cleanups.push(() => s.close());
    const proxy = await createFaultProxy({ targetPort: s.port });
    cleanups.push(() => proxy.close());
    const url = `ws://127.0.0.1:${proxy.port}/ws`;
    const evil = connect(url, 'x', { WebSocket: withOrigin('https://evil.example') as never });
    cleanups.push(() => evil.close());
    await until(() => evil.state === 'failed');
    expect(evil.getSnapshot().error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/origin/) });
    const accepted = proxy.accepted();
    await sleep(600);
    expect(proxy.accepted()).toBe(accepted); // no more attempts
    const good = connect(url, 'x', { WebSocket: withOrigin('https://app.example') as never });
    cleanups.push(() => good.close());
    await until(() => good.state === 'open');
  });
});

describe('the per-user rate of new connections', () => {
  it('tabs of one user opened at once past connectBurst are refused 429, retry with backoff and all get in; a command sent meanwhile arrives once', async () => {
    const s = await startServer({ limits: { connectsPerSecond: 2, connectBurst: 2 } });
    cleanups.push(() => s.close());
    const tabs = Array.from({ length: 4 }, () => connect(s.url, 'many-tabs'));
    for (const tab of tabs) cleanups.push(() => tab.close());
    const last = tabs[3]!;
    const seen = record(tabs[0]!, 'demo:tabs');
    const lastRoom = last.room('demo:tabs');
    lastRoom.on('demo:message', () => {}); // a room with a listener is joined (and published to) once connected
    const sent = lastRoom.publish('demo:message', { from: 'last', n: 1 });
    await until(() => tabs.every((tab) => tab.state === 'open'), 15_000);
    await sent.done;
    await until(() => seen.items.length === 1);
    await sleep(100);
    expect(seen.items).toEqual([{ from: 'last', n: 1, seq: 1 }]);
    const refused = (await (await fetch(`${s.httpUrl}/metrics`)).text()).match(/^sinyal_rate_limited_total\{scope="connect"\} (\d+)/m);
    expect(Number(refused?.[1])).toBeGreaterThanOrEqual(1); // at least one tab was refused and came back
  });
});

describe('refusals inside a live connection', () => {
  it('a forbidden join is a typed room error; the connection and other rooms carry on', async () => {
    const { url } = await setup();
    const c = connect(url, 'eve');
    cleanups.push(() => c.close());
    const other = c.room('private:alice');
    other.subscribe(() => {});
    const own = c.room('private:eve');
    own.subscribe(() => {});
    await until(() => other.getSnapshot().status === 'error' && own.getSnapshot().status === 'joined');
    expect(other.getSnapshot().error?.code).toBe('forbidden');
    const unknownKind = c.room('nosuchkind:1');
    unknownKind.subscribe(() => {});
    await until(() => unknownKind.getSnapshot().status === 'error');
    expect(unknownKind.getSnapshot().error?.code).toBe('not_found');
    expect(c.state).toBe('open');
    await expect(own.publish('private:note', { text: 'mine' }).done).resolves.toMatchObject({ seq: 1 });
  });

  it('an event the kind does not allow is refused; a room not joined is waited for, never published into', async () => {
    const { s, url } = await setup();
    const c = connect(url, 'eve', { outbox: { ttlMs: 1500 } });
    cleanups.push(() => c.close());
    const room = c.room('demo:x');
    room.subscribe(() => {});
    await until(() => room.getSnapshot().status === 'joined');
    await expect(c.command('publish', { event: 'demo:secret', data: {} }, { room: 'demo:x' }).done).rejects.toMatchObject({ code: 'forbidden' });
    // Never subscribed: the command waits for the room, then expires, reported, unsent.
    const unjoined = c.command('publish', { event: 'demo:message', data: {} }, { room: 'demo:other' });
    await expect(unjoined.done).rejects.toMatchObject({ code: 'expired' });
    expect(c.state).toBe('open');
    // The server's "join first" is transient: retryable after retryAfterMs, and not remembered.
    const raw = await rawClient(`ws://127.0.0.1:${s.port}/ws`, SECRET, 'eve');
    cleanups.push(() => raw.close());
    raw.send({ t: 'cmd', id: 'early', name: 'publish', room: 'demo:late', data: { event: 'demo:message', data: { n: 1 } } });
    expect(await raw.next((f) => f.id === 'early')).toMatchObject({ t: 'nack', code: 'forbidden', retryAfterMs: 1000 });
    await raw.join('demo:late');
    raw.send({ t: 'cmd', id: 'early', name: 'publish', room: 'demo:late', data: { event: 'demo:message', data: { n: 1 } } });
    expect(await raw.next((f) => f.id === 'early')).toMatchObject({ t: 'ack', data: { seq: 1 } });
  });

  it('an oversized command fails locally with too_large and loses nothing else', async () => {
    const { url } = await setup();
    const c = connect(url, 'big');
    cleanups.push(() => c.close());
    const room = c.room('demo:big');
    const seen: number[] = [];
    room.on('demo:message', (m) => seen.push(m.n));
    await until(() => room.getSnapshot().status === 'joined');
    const huge = room.publish('demo:message', { from: 'big', n: 0, text: 'x'.repeat(70 * 1024) });
    const small = room.publish('demo:message', { from: 'big', n: 1 });
    await expect(huge.done).rejects.toMatchObject({ code: 'too_large' });
    await small.done;
    await until(() => seen.length === 1);
    expect(seen).toEqual([1]);
    expect(c.state).toBe('open');
  });
});
