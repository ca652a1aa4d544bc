// Real-Redis test support: where Redis is, whether to run, a unique key prefix per run, cleanup
// — all of it for one test file in `redisTestScope()`.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect } from 'vitest';
import { encodeEvent } from '../packages/server/src/redis/eventCodec';
import { RedisStore, type RedisStoreOptions } from '../packages/server/src/redis/redisStore';

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

/** What {@link redisTestScope} gives one test file. */
export interface RedisTestScope {
  /** `describe` when Redis is reachable, else a visible skip — or, in CI, a failure ({@link describeWithRedis}). */
  describe: typeof describe;
  /** This file's key prefix, unique per file and run: every key under it is deleted after the file's tests. */
  prefix: string;
  /** A prefix of its own under {@link prefix} (a fresh Redis for one test or one group of nodes). */
  freshPrefix(): string;
  /** A RedisStore (one node's connection) on {@link REDIS_URL} and this file's prefix unless `options` say otherwise, closed after the test. */
  node(options?: RedisStoreOptions): RedisStore;
  /** Runs each of `closes` after the test; the last registered runs first (a server before the store it uses). */
  cleanup(...closes: Array<() => unknown>): void;
  /** Closes `closable` after the test (see {@link cleanup}) and returns it. */
  closeAfter<T extends { close(): unknown }>(closable: T): T;
}

/**
 * The Redis setup of a test file, called once at its top level (`const redis = await
 * redisTestScope()`): a key prefix of its own, whatever the test registers (`node`,
 * `closeAfter`, `cleanup`: stores, servers, clients, processes) closed after each test, last
 * first, and the file's keys deleted after all its tests. Tests go in `redis.describe(…)`, which
 * skips visibly without Redis and fails in CI.
 *
 * @example
 * ```ts
 * const redis = await redisTestScope();
 * redis.describe('RedisThing', () => {
 *   it('…', async () => {
 *     const store = new RedisThing(redis.node({ prefix: redis.freshPrefix() }));
 *   });
 * });
 * ```
 */
export async function redisTestScope(): Promise<RedisTestScope> {
  const describeRedis = await describeWithRedis();
  const prefix = testPrefix();
  const cleanups: Array<() => unknown> = [];
  let namespaces = 0;
  afterEach(async () => {
    const failures: unknown[] = [];
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length) throw failures[0];
  });
  if (describeRedis === describe) afterAll(() => deleteKeys(prefix));
  const cleanup = (...closes: Array<() => unknown>) => void cleanups.push(...closes);
  const closeAfter = <T extends { close(): unknown }>(closable: T): T => {
    cleanup(() => closable.close());
    return closable;
  };
  return {
    describe: describeRedis,
    prefix,
    freshPrefix: () => `${prefix}${++namespaces}:`,
    node: (options = {}) => closeAfter(new RedisStore({ url: REDIS_URL, prefix, ...options })),
    cleanup,
    closeAfter,
  };
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
