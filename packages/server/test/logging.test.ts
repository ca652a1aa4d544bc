import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPinoLogger, createServer, REDACT_PATHS } from '../src';
import { envLogLevel } from '../src/ops/logger';
import { exerciseLogging, protocolsFor, refused, SECRET } from './helpers';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('structured logs (pino)', () => {
  it('the default logger is pino: JSON lines on stderr, level from logLevel', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    // No `logger`: the default one.
    const info = await createServer({ auth: { secret: SECRET }, logLevel: 'info' });
    await info.close(); // while stderr is captured
    const line = writes.map((w) => JSON.parse(w) as Record<string, unknown>).find((l) => l.msg === 'sinyal server listening');
    expect(line).toMatchObject({ level: 'info', url: expect.stringMatching(/^ws:/), time: expect.any(String) });

    writes.length = 0;
    await (await createServer({ auth: { secret: SECRET }, logLevel: 'warn' })).close();
    expect(writes.join('')).not.toContain('sinyal server listening');
  });

  it('logger: false (like null) silences the server: it serves, and nothing reaches stderr', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const server = await createServer({ auth: { secret: SECRET }, logger: false, logLevel: 'debug' });
    const health = await fetch(`${server.httpUrl}/health`);
    expect(health.status).toBe(200);
    // A refused upgrade is logged at info by a logger that is on.
    expect((await refused(server.url, protocolsFor('not-a-token'))).status).toBe(401);
    await server.close();
    expect(writes).toEqual([]);
  });

  it('takes its level from SINYAL_LOG_LEVEL when it names one', () => {
    expect(envLogLevel({ SINYAL_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(envLogLevel({ SINYAL_LOG_LEVEL: 'verbose' })).toBe('warn');
    expect(envLogLevel({})).toBe('warn');
  });

  it('redacts tokens and authorization headers that application code might log', () => {
    const { lines, stream } = sink();
    const logger = createPinoLogger('info', stream);
    logger.info(
      {
        token: 'TOKEN-1',
        user: { id: 'u1', token: 'TOKEN-2' },
        headers: { authorization: 'Bearer TOKEN-3', 'sec-websocket-protocol': 'sinyal.v1, sinyal.bearer.TOKEN-4', host: 'example' },
        req: { headers: { authorization: 'Bearer TOKEN-5', cookie: 'sid=TOKEN-6' } },
        publishSecret: 'TOKEN-7',
      },
      'request',
    );
    const all = lines.join('\n');
    for (let i = 1; i <= 7; i++) expect(all).not.toContain(`TOKEN-${i}`);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'request', user: { id: 'u1', token: '[redacted]' }, headers: { host: 'example' } });
    expect(REDACT_PATHS).toContain('req.headers.authorization');
  });

  it('accepts a pino logger, and never logs tokens or payloads through it', async () => {
    const { lines, stream } = sink();
    const { all, secrets } = await exerciseLogging(pino({ level: 'debug' }, stream), lines);
    expect(all).toContain('upgrade refused');
    expect(all).toContain('command handler failed');
    expect(lines.every((l) => typeof JSON.parse(l) === 'object')).toBe(true);
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
