import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { protocolsFor, RawClient, startServer, token, waitFor } from './helpers';

/** A raw client that negotiates permessage-deflate and records every frame it receives. */
async function deflateMember(url: string, user: string, room: string): Promise<{ ws: WebSocket; frames: Array<{ t: string; [k: string]: unknown }> }> {
  const ws = new WebSocket(url, protocolsFor(await token(user)), { perMessageDeflate: { threshold: 0 } });
  const frames: Array<{ t: string; [k: string]: unknown }> = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as { t: string }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  expect(ws.extensions).toContain('permessage-deflate');
  ws.send(JSON.stringify({ t: 'hello', v: 1 }));
  ws.send(JSON.stringify({ t: 'join', id: 'j', room }));
  await waitFor(() => frames.some((f) => f.t === 'joined'));
  return { ws, frames };
}

describe('broadcast writes (shared frames, one write per connection per turn)', () => {
  it('delivers the same events, in seq order, to plain and compressing members, for every frame size', async () => {
    const server = await startServer({ perMessageDeflate: { threshold: 0 }, rooms: { demo: {} } });
    const plain = await RawClient.ready(server, 'alice');
    plain.send({ t: 'join', id: 'j', room: 'demo:r' });
    await plain.next('joined');
    const compressing = await deflateMember(server.url, 'bob', 'demo:r');
    // Lengths around the 7-bit, 16-bit and 64-bit payload length encodings, and multi-byte text.
    const texts = ['', 'x'.repeat(60), 'x'.repeat(120), 'é'.repeat(70), 'x'.repeat(70_000), '∑ü'.repeat(40_000)];
    await Promise.all(texts.map((text, i) => server.publish('demo:r', 'demo:msg', { i, text })));
    for (const [i, text] of texts.entries()) {
      const event = await plain.next('event');
      expect(event).toMatchObject({ room: 'demo:r', name: 'demo:msg', seq: i + 1, data: { i, text } });
    }
    await waitFor(() => compressing.frames.filter((f) => f.t === 'event').length === texts.length);
    const events = compressing.frames.filter((f) => f.t === 'event');
    expect(events.map((e) => e.seq)).toEqual(texts.map((_, i) => i + 1));
    expect(events.map((e) => (e.data as { text: string }).text)).toEqual(texts);
    compressing.ws.close();
  });

  it("answers a publisher with its ack and its own echoed event, and other members get the event", async () => {
    const server = await startServer({ rooms: { demo: { publish: ['demo:msg'] } } });
    const [alice, bob] = await Promise.all([RawClient.ready(server, 'alice'), RawClient.ready(server, 'bob')]);
    for (const c of [alice, bob]) {
      c.send({ t: 'join', id: 'j', room: 'demo:r' });
      await c.next('joined');
    }
    for (let i = 1; i <= 20; i++) alice.send({ t: 'cmd', id: `c${i}`, name: 'publish', room: 'demo:r', data: { event: 'demo:msg', data: { i } } });
    for (let i = 1; i <= 20; i++) {
      expect(await alice.next('ack', (a) => a.id === `c${i}`)).toMatchObject({ data: { seq: i } });
      expect(await alice.next('event')).toMatchObject({ seq: i, data: { i } });
      expect(await bob.next('event')).toMatchObject({ seq: i, data: { i } });
    }
  });

  it('in a large room, every member gets every publisher\'s events in seq order, and publishers their acks', async () => {
    const server = await startServer({ rooms: { lobby: { publish: ['lobby:msg'] } } });
    const members = await Promise.all(Array.from({ length: 20 }, (_, i) => RawClient.ready(server, `user${i}`)));
    for (const m of members) {
      m.send({ t: 'join', id: 'j', room: 'lobby:1' });
      await m.next('joined');
    }
    const publishers = members.slice(0, 5);
    for (let round = 0; round < 4; round++) {
      for (const [p, c] of publishers.entries()) c.send({ t: 'cmd', id: `c${round}`, name: 'publish', room: 'lobby:1', data: { event: 'lobby:msg', data: { p, round } } });
    }
    for (const c of publishers) for (let round = 0; round < 4; round++) await c.next('ack', (a) => a.id === `c${round}`);
    for (const m of members) {
      const seqs: number[] = [];
      for (let i = 0; i < 20; i++) seqs.push((await m.next('event')).seq!);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    }
  });

  it('does not mistake a burst sent in one turn for a slow consumer, even with a small maxBufferedBytes', async () => {
    const server = await startServer({ rooms: { demo: { history: 0 } }, limits: { maxBufferedBytes: 8 * 1024 } });
    const client = await RawClient.ready(server);
    client.send({ t: 'join', id: 'j', room: 'demo:r' });
    await client.next('joined');
    const blob = 'b'.repeat(1024);
    // 60 KiB of events produced in one loop turn: more than maxBufferedBytes, but only held for this turn.
    await Promise.all(Array.from({ length: 60 }, (_, i) => server.publish('demo:r', 'demo:blob', { i, blob })));
    for (let i = 0; i < 60; i++) expect(await client.next('event')).toMatchObject({ data: { i } });
    expect(server.connections()).toBe(1);
  });
});
