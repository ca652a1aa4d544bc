import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../src';
import { exerciseLogging, RawClient, startServer, waitFor } from './helpers';

function capture() {
  const lines: string[] = [];
  return { lines, logger: createJsonLogger('debug', (line) => lines.push(line)) };
}

describe('operational hygiene', () => {
  it('never logs tokens or payloads', async () => {
    const { lines, logger } = capture();
    const { all, secrets } = await exerciseLogging(logger, lines);
    expect(all).toContain('upgrade refused');
    expect(all).toContain('command handler failed');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });

  it('drops a slow consumer (4009) instead of buffering without bound', async () => {
    const { lines, logger } = capture();
    const server = await startServer({ logger, rooms: { demo: { history: 0 } }, limits: { maxBufferedBytes: 256 * 1024 } });
    const slow = await RawClient.ready(server);
    const fast = await RawClient.ready(server, 'bob');
    for (const c of [slow, fast]) {
      c.send({ t: 'join', id: 'j', room: 'demo:r' });
      await c.next('joined');
    }
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const blob = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 400 && server.connections() === 2 && !lines.some((l) => l.includes('slow consumer')); i++) {
      await server.publish('demo:r', 'demo:blob', { blob });
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(lines.some((l) => l.includes('dropping slow consumer'))).toBe(true);
    await waitFor(() => server.connections() === 1, 3000);
    // The other member keeps receiving.
    await server.publish('demo:r', 'demo:last', {});
    await fast.next('event', (e) => e.name === 'demo:last');
  });
});
