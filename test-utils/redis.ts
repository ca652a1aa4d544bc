// Real-Redis test support: where Redis is, whether to run, a unique key prefix per run, cleanup.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { encodeEvent } from '../packages/server/src/redis/eventCodec';
import type { RedisStore } from '../packages/server/src/redis/redisStore';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether a TCP connection to `url` opens within a second. */
export function redisReachable(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * `describe` when Redis is reachable; otherwise `describe.skip` with a visible message —
 * except in CI (`CI` set), where an unreachable Redis fails the run.
 */
export async function describeWithRedis(): Promise<typeof describe> {
  if (await redisReachable()) return describe;
  if (process.env.CI) throw new Error(`Redis tests must run in CI, but ${REDIS_URL} is unreachable (set REDIS_URL)`);
  console.warn(`\n⚠ SKIPPING Redis tests: ${REDIS_URL} is unreachable (start Redis or set REDIS_URL).\n`);
  return describe.skip as unknown as typeof describe;
}

/** A key prefix no other test run uses. */
export function testPrefix(): string {
  return `sinyal-test-${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A room's events as a resume would read them, each checked to be stored byte for byte as
 * the server's own publish writes it (`encodeEvent`), so clients cannot tell whether a
 * feature store's script or the core appended it.
 */
export async function roomEventsExactly(redis: RedisStore, room: string) {
  const events = await redis.readAfter(room, 0);
  if (events === 'truncated') throw new Error('truncated');
  const raw = new Redis(REDIS_URL);
  try {
    const entries = await raw.xrange(redis.keys.roomLog(room), '-', '+');
    expect(entries.map(([id]) => id)).toEqual(events.map((e) => `${e.seq}-0`));
    for (const [i, [, fields]] of entries.entries()) {
      const event = events[i]!;
      expect(fields[1]).toBe(encodeEvent({ name: event.name, data: event.data, at: event.at }));
    }
  } finally {
    raw.disconnect();
  }
  return events;
}
