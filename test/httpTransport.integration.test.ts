// The server's HTTP fallback transport over real HTTP on 127.0.0.1: the same session, frames,
// auth, origin check and limits as the WebSocket path, with SSE or long-poll downstream and
// POSTed upstream batches.
import { createDevToken, type SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, startServer, until } from '../test-utils/harness';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<SinyalServer> {
  const s = await startServer(options);
  cleanups.push(() => s.close());
  return s;
}

type Frame = { t: string; [key: string]: unknown };

/**
 * A raw HTTP-transport peer: a connection opened by its stream (`GET stream`) or for
 * long-polling (`POST open`), and numbered POSTed batches.
 */
async function peer(s: SinyalServer, user: string, mode: 'stream' | 'poll' = 'poll', headers: Record<string, string> = {}) {
  const base = `${s.httpUrl}/ws/http`;
  const auth = { authorization: `Bearer ${await createDevToken(SECRET, user)}`, ...headers };
  const frames: Frame[] = [];
  let close: { code: number; reason: string } | undefined;
  let sid = '';
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  if (mode === 'poll') {
    const opened = await fetch(`${base}/open`, { method: 'POST', headers: auth });
    expect(opened.status).toBe(200);
    sid = ((await opened.json()) as { sid: string }).sid;
  } else {
    const res = await fetch(`${base}/stream`, { headers: auth, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let opened = () => {};
    const open = new Promise<void>((resolve) => (opened = resolve));
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block.split('\n').find((l) => l.startsWith('data: '))?.slice(6);
            if (data === undefined) continue;
            if (block.startsWith('event: open')) {
              sid = (JSON.parse(data) as { sid: string }).sid;
              opened();
            } else if (block.startsWith('event: close')) close = JSON.parse(data) as typeof close;
            else frames.push(JSON.parse(data) as Frame);
          }
        }
      } catch {
        // aborted
      }
    })();
    await open;
  }
  let batch = 0;
  const post = (body: string, n = batch++) => fetch(`${base}/send?sid=${sid}&n=${n}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
  const send = (...list: unknown[]) => post(JSON.stringify(list.map((f) => (typeof f === 'string' ? f : JSON.stringify(f)))));
  const poll = async () => {
    const res = await fetch(`${base}/poll?sid=${sid}`, { headers: auth, signal: controller.signal });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { frames: string[]; close?: typeof close };
    for (const f of body.frames) frames.push(JSON.parse(f) as Frame);
    if (body.close) close = body.close;
    return body;
  };
  return { sid, base, auth, frames, send, post, poll, controller, closed: () => close };
}

describe('HTTP transport: the session over SSE + POST', () => {
  it('hello → welcome, join and publish, ping → pong, all over one stream and POSTed batches', async () => {
    const s = await server();
    const p = await peer(s, 'alice', 'stream');
    expect((await p.send({ t: 'hello', v: 1 }, { t: 'join', id: 'j1', room: 'demo:http' }, { t: 'ping', ts: 1 })).status).toBe(204);
    await until(() => p.frames.some((f) => f.t === 'joined') && p.frames.some((f) => f.t === 'pong'));
    expect(p.frames[0]).toMatchObject({ t: 'welcome', user: 'alice' });
    await s.publish('demo:http', 'demo:message', { from: 'server', n: 1 });
    await p.send({ t: 'cmd', id: 'c1', name: 'publish', room: 'demo:http', data: { event: 'demo:message', data: { from: 'alice', n: 2 } } });
    await until(() => p.frames.some((f) => f.t === 'ack' && f.id === 'c1'));
    await until(() => p.frames.filter((f) => f.t === 'event').length === 2);
    expect(p.frames.filter((f) => f.t === 'event').map((f) => [(f.data as { n: number }).n, f.seq])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(s.connections()).toBe(1);
  });

  it('a stream connection cannot be polled (409); a cut stream ends the session', async () => {
    const s = await server();
    const p = await peer(s, 'alice', 'stream');
    await p.send({ t: 'hello', v: 1 });
    await until(() => p.frames.length === 1);
    const poll = await fetch(`${p.base}/poll?sid=${p.sid}`, { headers: p.auth });
    expect(poll.status).toBe(409);
    expect(await poll.json()).toMatchObject({ code: 'conflict' });
    p.controller.abort();
    await until(() => s.connections() === 0);
    const after = await p.send({ t: 'ping', ts: 1 });
    expect(after.status).toBe(404);
  });

  it('numbered batches are handed on in their order, whatever order they arrive in; a repeat is ignored', async () => {
    const s = await server();
    const p = await peer(s, 'alice', 'stream');
    const frames = (...list: object[]) => JSON.stringify(list.map((f) => JSON.stringify(f)));
    expect((await p.post(frames({ t: 'join', id: 'j1', room: 'demo:order' }), 1)).status).toBe(204);
    expect((await p.post(frames({ t: 'ping', ts: 2 }), 2)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.frames).toEqual([]); // waiting for batch 0
    expect((await p.post(frames({ t: 'hello', v: 1 }), 0)).status).toBe(204);
    await until(() => p.frames.length === 3);
    expect(p.frames.map((f) => f.t)).toEqual(['welcome', 'pong', 'joined'].sort((a, b) => (a === 'welcome' ? -1 : b === 'welcome' ? 1 : 0)));
    expect((await p.post(frames({ t: 'hello', v: 1 }), 0)).status).toBe(204); // a repeat: no second hello
    await p.post(frames({ t: 'ping', ts: 3 }), 3);
    await until(() => p.frames.length === 4);
    expect(p.frames.at(-1)).toMatchObject({ t: 'pong', ts: 3 });
  });

  it('the server closing the session ends the stream with its close code', async () => {
    const s = await server();
    const p = await peer(s, 'alice', 'stream');
    await p.send({ t: 'hello', v: 1 });
    await until(() => p.frames.length === 1);
    await s.disconnectUser('alice', { code: 4001, reason: 'bye' });
    await until(() => p.closed() !== undefined);
    expect(p.closed()).toEqual({ code: 4001, reason: 'bye' });
    await until(() => s.connections() === 0);
  });
});

describe('HTTP transport: long-poll', () => {
  it('a poll answers queued frames at once, waits for the next ones, and carries the close', async () => {
    const s = await server();
    const p = await peer(s, 'bob');
    await p.send({ t: 'hello', v: 1 }, { t: 'join', id: 'j1', room: 'demo:poll' });
    // The welcome and the join's answer may come in one answer or two.
    for (let polls = 0; polls < 2 && !p.frames.some((f) => f.t === 'joined'); polls++) expect((await p.poll()).frames.length).toBeGreaterThan(0);
    expect(p.frames.map((f) => f.t)).toEqual(['welcome', 'joined']);
    const waiting = p.poll();
    await new Promise((r) => setTimeout(r, 50));
    await s.publish('demo:poll', 'demo:message', { from: 'server', n: 7 });
    await waiting;
    expect(p.frames.at(-1)).toMatchObject({ t: 'event', seq: 1, data: { n: 7 } });
    await s.disconnectUser('bob', { code: 4001, reason: 'bye' });
    await p.poll();
    expect(p.closed()).toEqual({ code: 4001, reason: 'bye' });
    await until(() => s.connections() === 0);
  });

  it('a connection with no stream or poll for the heartbeat timeout is closed', async () => {
    const s = await server({ limits: { heartbeatTimeoutMs: 300 } });
    await peer(s, 'carol');
    expect(s.connections()).toBe(1);
    await until(() => s.connections() === 0, 5000);
  });
});

describe('HTTP transport: auth, origin, limits', () => {
  it('refuses a missing or bad token (401) and a foreign origin (403) at open', async () => {
    const s = await server({ origins: ['https://app.example.com'] });
    const base = `${s.httpUrl}/ws/http`;
    expect((await fetch(`${base}/open`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${base}/open`, { method: 'POST', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const token = await createDevToken(SECRET, 'alice');
    const foreign = await fetch(`${base}/open`, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const ok = await fetch(`${base}/open`, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: 'https://app.example.com' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect((await fetch(`${base}/nothing`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await fetch(`${base}/open`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
  });

  it("another user's token cannot use a connection (404), nor can a made-up sid", async () => {
    const s = await server();
    const p = await peer(s, 'alice');
    const mallory = { authorization: `Bearer ${await createDevToken(SECRET, 'mallory')}`, 'content-type': 'application/json' };
    const hijack = await fetch(`${p.base}/send?sid=${p.sid}&n=0`, { method: 'POST', headers: mallory, body: JSON.stringify([JSON.stringify({ t: 'hello', v: 1 })]) });
    expect(hijack.status).toBe(404);
    expect((await fetch(`${p.base}/poll?sid=${p.sid}`, { headers: mallory })).status).toBe(404);
    expect((await fetch(`${p.base}/poll?sid=made-up`, { headers: p.auth })).status).toBe(404);
  });

  it('bad batches get a typed 400, oversized ones 413; an oversized frame closes the session with 1009', async () => {
    const s = await server({ limits: { maxFrameBytes: 1024 } });
    const p = await peer(s, 'alice', 'stream');
    for (const body of ['not json', '[]', '{"t":"hello"}', '[1,2]']) {
      const res = await p.post(body, 0);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'bad_request' });
    }
    const noNumber = await fetch(`${p.base}/send?sid=${p.sid}`, { method: 'POST', headers: p.auth, body: '["{}"]' });
    expect(noNumber.status).toBe(400);
    const huge = await p.post(JSON.stringify(['x'.repeat(5000)]), 0);
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'too_large' });
    expect(s.connections()).toBe(1);
    await p.send({ t: 'hello', v: 1 });
    await until(() => p.frames.length === 1);
    await p.send('x'.repeat(2000));
    await until(() => p.closed() !== undefined);
    expect(p.closed()!.code).toBe(1009);
    await until(() => s.connections() === 0);
  });

  it('counts toward the per-user connection cap like a WebSocket', async () => {
    const s = await server({ limits: { maxConnectionsPerUser: 2 } });
    await peer(s, 'dave');
    await peer(s, 'dave');
    const token = await createDevToken(SECRET, 'dave');
    const third = await fetch(`${s.httpUrl}/ws/http/open`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ code: 'rate_limited' });
  });

  it('a connection whose queued downstream passes maxBufferedBytes is closed (4009) and /metrics shows the queue', async () => {
    const s = await server({ limits: { maxBufferedBytes: 4096 } });
    const p = await peer(s, 'erin');
    await p.send({ t: 'hello', v: 1 }, { t: 'join', id: 'j1', room: 'demo:big' });
    await until(() => s.localMembers('demo:big') === 1);
    const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^sinyal_http_connections 1$/m);
    expect(text).toMatch(/^sinyal_http_queued_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^sinyal_http_queued_bytes_max 4096$/m);
    for (let n = 0; n < 20; n++) await s.publish('demo:big', 'demo:message', { from: 'server', n, text: 'y'.repeat(500) });
    await until(() => s.connections() === 0);
    const body = await p.poll().catch(() => undefined);
    expect(body).toBeUndefined();
  });

  it('a flood over the rate limit closes the connection with 1008 and the cool-down refuses a new one (429), as for a WebSocket', async () => {
    const s = await server({ limits: { messagesPerSecond: 5, burst: 5, overLimitFrames: 5, floodCooldownMs: 60_000 } });
    const p = await peer(s, 'fred', 'stream');
    await p.send({ t: 'hello', v: 1 });
    await until(() => p.frames.length === 1);
    await p.send(...Array.from({ length: 40 }, (_, i) => ({ t: 'ping', ts: i })));
    await until(() => p.closed() !== undefined);
    expect(p.closed()!.code).toBe(1008);
    expect(p.frames.some((f) => f.t === 'nack' || f.t === 'error')).toBe(true);
    const again = await fetch(`${p.base}/open`, { method: 'POST', headers: p.auth });
    expect(again.status).toBe(429);
  });

  it('a server shutting down closes its HTTP connections with 1012 (the close event ends the stream)', async () => {
    const s = await startServer();
    const p = await peer(s, 'gina', 'stream');
    await p.send({ t: 'hello', v: 1 });
    await until(() => p.frames.length === 1);
    await s.close();
    await until(() => p.closed() !== undefined);
    expect(p.closed()).toEqual({ code: 1012, reason: 'service restart' });
  });

  it('hostile requests (random actions, methods, sids, numbers and bodies) get typed answers only; the server keeps serving', async () => {
    const s = await server({ limits: { maxFrameBytes: 2048 } });
    const p = await peer(s, 'hank', 'stream');
    await p.send({ t: 'hello', v: 1 });
    await until(() => p.frames.length === 1);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
    const bodies = ['', 'null', '[]', '[""]', '["{}"]', '[[]]', '{"a":1}', '["' + 'x'.repeat(3000) + '"]', '\u0000\uffff', '[' + '"{}",'.repeat(50) + '"{}"]', '["{\\"t\\":\\"cmd\\"}"]'];
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const action = pick(['open', 'stream', 'poll', 'send', 'close', 'x', '', '../health', 'send/extra']);
      const method = pick(['GET', 'POST', 'PUT', 'DELETE']);
      const sid = pick([p.sid, '', 'x', p.sid + 'x', '%00', 'a'.repeat(500)]);
      const n = pick(['0', '1', '-1', '1e3', 'abc', '99999999999999999999', '']);
      const controller = new AbortController();
      const res = await fetch(`${p.base}/${action}?sid=${encodeURIComponent(sid)}&n=${n}`, {
        method,
        headers: { ...p.auth, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: pick(bodies) }),
        signal: controller.signal,
      });
      statuses.add(res.status);
      if (res.headers.get('content-type')?.startsWith('application/json')) expect(await res.json()).toBeTypeOf('object');
      controller.abort(); // streams opened by GET stream end here
    }
    expect([...statuses].every((status) => [200, 204, 400, 404, 405, 409, 413, 429].includes(status))).toBe(true);
    expect((await fetch(`${s.httpUrl}/health`)).status).toBe(200);
  });
});
