// Bugs the chaos suite found, pinned as regression tests (see docs/reliability.md, "Found by chaos").
import { parseServerFrame } from '@sinyal/protocol/schema';
import { createDevToken, MemoryStore, type SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { rawClient } from '../../test-utils/rawClient';
import { SECRET, startServer } from '../../test-utils/harness';
import { encodeFrame, rawSession } from '../../test-utils/wsFrames';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

let server: SinyalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('found by chaos', () => {
  it('a frame with an empty id is answered with a valid frame (error, not a nack with id "")', async () => {
    server = await startServer();
    const client = await rawClient(server.url, SECRET, 'alice');
    client.send({ t: 'join', id: '', room: 'demo:x' });
    client.send({ t: 'cmd', id: '', name: 'publish' });
    const answers = [await client.next((f) => f.t === 'error' || f.t === 'nack'), await client.next((f) => f.t === 'error' || f.t === 'nack')];
    for (const frame of answers) {
      expect(parseServerFrame(frame).ok).toBe(true);
      expect(frame).toMatchObject({ t: 'error', code: 'invalid_frame' });
    }
    client.close();
  });

  it('data nested too deep to serialise is refused as bad_request, burns no seq, and never poisons the room', async () => {
    server = await startServer();
    const room = 'demo:deep';
    const member = await rawClient(server.url, SECRET, 'member');
    await member.join(room);
    // The publisher writes raw text: the test's own JSON.stringify could not serialise these payloads either.
    const publisher = await rawSession(server.port, await createDevToken(SECRET, 'publisher'));
    const send = (text: string) => publisher.write(encodeFrame({ payload: text }));
    send(JSON.stringify({ t: 'join', id: 'j', room }));
    await publisher.nextMessage((m) => m.id === 'j');
    const publish = (id: string, dataText: string) => {
      send(`{"t":"cmd","id":"${id}","name":"publish","room":"${room}","data":{"event":"demo:message","data":${dataText}}}`);
      return publisher.nextMessage((m) => m.id === id && (m.t === 'ack' || m.t === 'nack'));
    };
    const nestedText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

    const acked: number[] = [];
    const answers: Record<number, string> = {};
    expect(await publish('a', '{"n":1}')).toMatchObject({ t: 'ack', data: { seq: 1 } });
    acked.push(1);
    // Around and past the depth where V8's JSON.stringify overflows the stack (a few thousand levels).
    for (const depth of [10, 64, 200, 1000, 2000, 3000, 3500, 4000, 4500, 5000, 8000, 15000, 30000]) {
      const answer = await publish(`deep-${depth}`, nestedText(depth));
      answers[depth] = answer.t === 'ack' ? 'ack' : String(answer.code);
      if (answer.t === 'ack') acked.push((answer.data as { seq: number }).seq);
      else expect(answer.code).toBe('bad_request');
    }
    for (const n of [2, 3]) {
      const answer = await publish(`n${n}`, `{"n":${n}}`);
      expect(answer.t).toBe('ack');
      acked.push((answer.data as { seq: number }).seq);
    }
    // Shallow payloads pass, payloads no stack can serialise are refused, and no seq was skipped.
    expect(answers[10]).toBe('ack');
    expect(answers[64]).toBe('ack');
    expect(answers[200]).toBe('bad_request'); // over MAX_DATA_DEPTH (100)
    expect(answers[30000]).toBe('bad_request');
    expect(acked).toEqual(acked.map((_, i) => i + 1));
    const last = acked.at(-1)!;

    // The live member got exactly the acked events.
    await member.next((f) => f.t === 'event' && f.seq === last);
    expect(member.frames.filter((f) => f.t === 'event').map((f) => f.seq)).toEqual(acked);

    // Every resume position replays exactly what follows it, and a fresh join still works.
    const head = (await rawClient(server.url, SECRET, 'fresh').then((c) => c.join(room))) as { epoch: string; seq: number };
    expect(head.seq).toBe(last);
    for (let from = 0; from <= last; from++) {
      const late = await rawClient(server.url, SECRET, `late-${from}`);
      late.send({ t: 'join', id: 'r', room, from: { epoch: head.epoch, seq: from } });
      expect(await late.next((f) => f.id === 'r')).toMatchObject({ t: 'joined', resumed: true });
      if (from < last) await late.next((f) => f.t === 'event' && f.seq === last);
      else await new Promise((r) => setTimeout(r, 20));
      expect(late.frames.filter((f) => f.t === 'event').map((f) => f.seq)).toEqual(acked.filter((s) => s > from));
      late.close();
    }
    member.close();
    publisher.destroy();
  });

  it('MemoryStore: an append whose payload cannot be serialised changes nothing (no burned seq, no gap on resume)', async () => {
    const store = new MemoryStore();
    await store.append('demo:s', { name: 'demo:message', data: 1, at: 0 }, 10);
    await expect(store.append('demo:s', { name: 'demo:message', data: { big: 1n }, at: 0 }, 10)).rejects.toThrow(TypeError);
    await store.append('demo:s', { name: 'demo:message', data: 2, at: 0 }, 10);
    await store.append('demo:s', { name: 'demo:message', data: 3, at: 0 }, 10);
    expect((await store.head('demo:s')).seq).toBe(3);
    expect(await store.readAfter('demo:s', 2)).toMatchObject([{ seq: 3, data: 3 }]);
  });

  it('server.publish refuses data nested too deep with a SinyalServerError(bad_request)', async () => {
    server = await startServer();
    await expect(server.publish('demo:deep', 'demo:message', nested(20_000))).rejects.toMatchObject({ code: 'bad_request' });
    await expect(server.publish('demo:deep', 'demo:message', { ok: true })).resolves.toMatchObject({ seq: 1 });
  });
});
