import { describe, expect, it } from 'vitest';
import { SinyalServerError, type SinyalServer } from '../src';
import { redisTestScope } from '../../../test-utils/redis';
import { protocolsFor, RawClient, refused, startServer, waitFor } from './helpers';

/** Parses Prometheus text into `name{a="b",…}` → value (labels sorted). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return out;
}

/** The value of one series (0 when absent: counters start when first incremented). */
function value(metrics: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const key = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}`;
  return metrics.get(key) ?? 0;
}

async function scrape(server: SinyalServer, headers: Record<string, string> = {}, path = '/metrics'): Promise<Map<string, number>> {
  const res = await fetch(`${server.httpUrl}${path}`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parse(await res.text());
}

describe('Prometheus metrics', () => {
  it('counts connections, rooms, frames in/out, errors and command latency', async () => {
    const server = await startServer({
      rooms: { demo: { publish: ['demo:msg'] } },
      commands: {
        echo: ({ data }) => data,
        nope: () => {
          throw new SinyalServerError('conflict', 'no');
        },
      },
    });
    let m = await scrape(server);
    expect(value(m, 'sinyal_connections')).toBe(0);
    expect(value(m, 'sinyal_rooms')).toBe(0);
    expect(m.has('sinyal_redis_up{}')).toBe(false); // no Redis store, no Redis gauge

    const alice = await RawClient.ready(server, 'alice');
    const bob = await RawClient.ready(server, 'bob');
    for (const [c, room] of [[alice, 'demo:a'], [bob, 'demo:a'], [bob, 'demo:b']] as const) {
      c.send({ t: 'join', id: `j-${room}`, room });
      await c.next('joined');
    }
    m = await scrape(server);
    expect(value(m, 'sinyal_connections')).toBe(2);
    expect(value(m, 'sinyal_rooms')).toBe(2);
    expect(value(m, 'sinyal_messages_in_total', { type: 'hello' })).toBe(2);
    expect(value(m, 'sinyal_messages_in_total', { type: 'join' })).toBe(3);
    expect(value(m, 'sinyal_messages_out_total', { type: 'welcome' })).toBe(2);
    expect(value(m, 'sinyal_messages_out_total', { type: 'joined' })).toBe(3);

    alice.send({ t: 'cmd', id: 'c1', name: 'echo', data: 1 });
    alice.send({ t: 'cmd', id: 'c2', name: 'nope' });
    alice.send({ t: 'cmd', id: 'c3', name: 'no-such-command-xyz' });
    alice.send({ t: 'cmd', id: 'c4', name: 'publish', room: 'demo:a', data: { event: 'demo:msg', data: { text: 'hi' } } });
    alice.send('{not json');
    await alice.next('ack', (f) => f.id === 'c4');
    await alice.next('error');
    await bob.next('event');
    m = await scrape(server);
    expect(value(m, 'sinyal_messages_in_total', { type: 'cmd' })).toBe(4);
    expect(value(m, 'sinyal_messages_in_total', { type: 'invalid' })).toBe(1);
    expect(value(m, 'sinyal_messages_out_total', { type: 'ack' })).toBe(2);
    expect(value(m, 'sinyal_messages_out_total', { type: 'nack' })).toBe(2);
    expect(value(m, 'sinyal_messages_out_total', { type: 'event' })).toBe(2); // alice and bob both in demo:a
    expect(value(m, 'sinyal_errors_total', { code: 'conflict' })).toBe(1);
    expect(value(m, 'sinyal_errors_total', { code: 'not_found' })).toBe(1);
    expect(value(m, 'sinyal_errors_total', { code: 'invalid_frame' })).toBe(1);
    expect(value(m, 'sinyal_command_duration_seconds_count', { command: 'echo', result: 'ack' })).toBe(1);
    expect(value(m, 'sinyal_command_duration_seconds_count', { command: 'nope', result: 'nack' })).toBe(1);
    expect(value(m, 'sinyal_command_duration_seconds_count', { command: 'publish', result: 'ack' })).toBe(1);
    // Unknown names are bucketed, so a client cannot grow the label set.
    expect(value(m, 'sinyal_command_duration_seconds_count', { command: 'other', result: 'nack' })).toBe(1);
    expect([...m.keys()].some((k) => k.includes('no-such-command-xyz'))).toBe(false);

    bob.send({ t: 'leave', room: 'demo:b' });
    alice.close();
    await alice.closed;
    await waitFor(() => server.connections() === 1);
    await waitFor(() => server.localMembers('demo:b') === 0);
    m = await scrape(server);
    expect(value(m, 'sinyal_connections')).toBe(1);
    expect(value(m, 'sinyal_rooms')).toBe(1);
    expect(value(m, 'sinyal_disconnects_total', { code: '1005' }) + value(m, 'sinyal_disconnects_total', { code: '1000' }) + value(m, 'sinyal_disconnects_total', { code: 'other' })).toBe(1);
  });

  it('counts refused upgrades and rate-limited frames', async () => {
    const server = await startServer({ limits: { messagesPerSecond: 1, burst: 1 } });
    expect((await refused(server.url, ['sinyal.v1'])).status).toBe(401);
    expect((await refused(server.url, protocolsFor('not.a.jwt'))).status).toBe(401);
    const client = await RawClient.ready(server);
    client.send({ t: 'ping', ts: 1 });
    client.send({ t: 'ping', ts: 2 });
    client.send({ t: 'ping', ts: 3 });
    await client.next('error');
    const m = await scrape(server);
    expect(value(m, 'sinyal_rate_limited_total', { scope: 'user' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'sinyal_messages_in_total', { type: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'sinyal_errors_total', { code: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'sinyal_upgrades_refused_total', { status: '401' })).toBe(2);
  });

  it('gives every server its own registry', async () => {
    const a = await startServer();
    const b = await startServer();
    await RawClient.ready(a);
    expect(value(await scrape(a), 'sinyal_connections')).toBe(1);
    expect(value(await scrape(b), 'sinyal_connections')).toBe(0);
    expect(a.metrics).not.toBe(b.metrics);
  });

  it('protects the endpoint with a bearer token when configured, and can move or disable it', async () => {
    const server = await startServer({ metrics: { token: 'scrape-secret', path: '/internal/metrics' } });
    expect((await fetch(`${server.httpUrl}/internal/metrics`)).status).toBe(401);
    expect((await fetch(`${server.httpUrl}/internal/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(404);
    const m = await scrape(server, { Authorization: 'Bearer scrape-secret' }, '/internal/metrics');
    expect(m.has('sinyal_connections{}')).toBe(true);

    const off = await startServer({ metrics: false });
    expect((await fetch(`${off.httpUrl}/metrics`)).status).toBe(404);
    expect(await off.metrics.getSingleMetricAsString('sinyal_connections')).toContain('sinyal_connections');
  });

  it('rejects bad metrics options', async () => {
    await expect(startServer({ metrics: { path: 'metrics' } })).rejects.toThrow(/metrics.path/);
    await expect(startServer({ metrics: { token: '' } })).rejects.toThrow(/metrics.token/);
  });

  it('collects process metrics only when asked', async () => {
    const plain = await startServer();
    expect([...(await scrape(plain)).keys()].some((k) => k.startsWith('sinyal_process_'))).toBe(false);
    const withProcess = await startServer({ metrics: { processMetrics: true } });
    expect([...(await scrape(withProcess)).keys()].some((k) => k.startsWith('sinyal_process_cpu'))).toBe(true);
  });
});

const redisTest = await redisTestScope();

redisTest.describe('Prometheus metrics with a RedisStore', () => {
  it('reports sinyal_redis_up 1 while Redis is reachable, 0 when it is not', async () => {
    const store = redisTest.node();
    const server = await startServer({ store });
    await waitFor(() => store.up, 5000);
    const client = await RawClient.ready(server);
    client.send({ t: 'cmd', id: 'c1', name: 'publish', room: 'x:1', data: { event: 'x:e' } });
    await client.next('nack');
    expect(value(await scrape(server), 'sinyal_redis_up')).toBe(1);

    const dead = redisTest.node({ url: 'redis://127.0.0.1:1', redis: { retryStrategy: () => 50 } });
    const down = await startServer({ store: dead });
    let v = 1;
    for (let i = 0; i < 100 && v !== 0; i++) {
      v = value(await scrape(down), 'sinyal_redis_up');
      if (v !== 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(v).toBe(0);
    expect((await scrape(down)).has('sinyal_redis_up{}')).toBe(true);
  });
});
