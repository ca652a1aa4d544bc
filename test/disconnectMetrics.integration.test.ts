// sinyal_disconnects_total counts the code the server closed with: a client that stops
// reading (slow consumer, 4009) or sends an oversized frame (1009) and never answers the
// close frame is counted under that code, not as 1006 (abnormal closure).
import { createDevToken, type SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, startServer, until } from '../test-utils/harness';
import { encodeFrame, rawSession } from '../test-utils/wsFrames';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function disconnects(s: SinyalServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^sinyal_disconnects_total\{code="([^"]+)"\} (\d+)/.exec(line);
    if (match) counts[match[1]!] = Number(match[2]);
  }
  return counts;
}

describe('disconnect metrics', () => {
  it('a client that stops reading is dropped with 4009 and counted as 4009, not 1006', async () => {
    const s = await startServer({ rooms: { demo: { history: 0 } }, limits: { maxBufferedBytes: 128 * 1024 } });
    cleanups.push(() => s.close());
    const raw = await rawSession(s.port, await createDevToken(SECRET, 'sloth'));
    cleanups.push(() => raw.destroy());
    raw.write(encodeFrame({ payload: JSON.stringify({ t: 'join', id: 'j1', room: 'demo:feed' }) }));
    await raw.nextMessage((m) => m.t === 'joined');
    // Stops reading: the server's send buffer fills up and never drains.
    raw.socket.pause();
    const blob = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 2000 && s.connections() === 1; i++) {
      await s.publish('demo:feed', 'demo:blob', { blob });
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => s.connections() === 0);
    const counts = await disconnects(s);
    expect(counts['4009']).toBe(1);
    expect(counts['1006'] ?? 0).toBe(0);
  });

  it('an oversized frame closes with 1009 and is counted as 1009 even when the client never answers the close', async () => {
    const s = await startServer({ limits: { maxFrameBytes: 1024 } });
    cleanups.push(() => s.close());
    const raw = await rawSession(s.port, await createDevToken(SECRET, 'big'));
    cleanups.push(() => raw.destroy());
    raw.write(encodeFrame({ payload: JSON.stringify({ t: 'ping', ts: 1, pad: 'y'.repeat(4096) }) }));
    await raw.ended();
    raw.destroy(); // no close frame back: the server sees the TCP connection vanish
    await until(() => s.connections() === 0);
    const counts = await disconnects(s);
    expect(counts['1009']).toBe(1);
    expect(counts['1006'] ?? 0).toBe(0);
  });
});
