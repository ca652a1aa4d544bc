// The Redis link watchdog (RedisConnection) against the real Redis: it must sever a link
// that stays silent, and must not sever a healthy one because this process was busy.
import { Redis } from 'ioredis';
import { expect, it, vi } from 'vitest';
import { RedisConnection } from '../src/redis/redisConnection';
import { REDIS_URL, redisTestScope } from '../../../test-utils/redis';

const redisTest = await redisTestScope();

/** A connection with a fast watchdog, closed after the test. */
async function watched(watch = { intervalMs: 30, timeoutMs: 100 }): Promise<{ client: Redis; link: RedisConnection }> {
  const client = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const link = new RedisConnection(client, watch);
  redisTest.cleanup(() => link.close());
  await link.get();
  return { client, link };
}

/** Blocks the event loop (a long synchronous task, a GC pause, a starved CPU) for `ms`. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

redisTest.describe('RedisConnection watchdog', () => {
  it('severs a link whose PING is never answered, and reports it down', async () => {
    const { client, link } = await watched();
    const down = vi.fn();
    link.onDown(down);
    vi.spyOn(client, 'ping').mockImplementation((() => new Promise(() => {})) as never);
    await vi.waitFor(() => expect(link.severedCount).toBeGreaterThanOrEqual(1), { timeout: 5000, interval: 20 });
    await vi.waitFor(() => expect(down).toHaveBeenCalled(), { timeout: 5000, interval: 20 });
  });

  it('does not sever a healthy link when this process was blocked past the PING timeout', async () => {
    const { client, link } = await watched();
    const down = vi.fn();
    link.onDown(down);
    const ping = client.ping.bind(client);
    let stalls = 0;
    // Each PING goes out, then — after this loop turn's I/O phase, before the PONG could be
    // read — the event loop is blocked for 3× the timeout: Redis answers at once, but the
    // answer can only be read after the timeout's timer is due (timers run before I/O).
    vi.spyOn(client, 'ping').mockImplementation(((...args: Parameters<Redis['ping']>) => {
      const reply = (ping as (...a: unknown[]) => Promise<string>)(...args);
      if (stalls < 5) {
        stalls++;
        setImmediate(() => block(300));
      }
      return reply;
    }) as never);
    await vi.waitFor(() => expect(stalls).toBe(5), { timeout: 5000, interval: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(link.severedCount).toBe(0);
    expect(down).not.toHaveBeenCalled();
    expect(link.up).toBe(true);
    expect(await client.ping()).toBe('PONG');
  });
});
