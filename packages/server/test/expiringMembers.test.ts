// ExpiringMembers (redis/expiringMembers.ts) on a real Redis: the one implementation of
// "sessions that expire unless their node refreshes them, counted by distinct user" behind a
// property's viewers (RedisPresenceStore) and an auction room's bidders (RedisAuctionStore).
// What both features rely on: counts, the group's required key, key TTLs, expiry on Redis's
// clock whatever the nodes' clocks say, and the re-add of what Redis lost — never of a session
// that left.
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { ExpiringMembers, expiringMember } from '../src/redis/expiringMembers';
import { deleteKeys, REDIS_URL, redisTestScope } from '../../../test-utils/redis';

const redisTest = await redisTestScope();

afterEach(() => void vi.restoreAllMocks());

/** One node's groups on `prefix` (`g:<group>` sets; a group needs `need:<group>` when `guarded`). */
function node(prefix: string, ttlMs: number, guarded = false): ExpiringMembers {
  const redis = redisTest.node({ prefix });
  return redisTest.closeAfter(
    new ExpiringMembers(redis, {
      ttlMs,
      keys: (group) => ({ members: `${prefix}g:{${group}}`, users: `${prefix}g:{${group}}:users`, ...(guarded ? { requires: `${prefix}need:{${group}}` } : {}) }),
    }),
  );
}

async function raw<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

redisTest.describe('ExpiringMembers', () => {
  it('counts distinct users; counts an extra user on demand; sessions are a set', async () => {
    const members = node(redisTest.freshPrefix(), 30_000);
    expect(await members.add('p', 'ann', 's1')).toBe(1);
    expect(await members.add('p', 'ann', 's1')).toBe(1);
    expect(await members.add('p', 'ann', 's2')).toBe(1);
    expect(await members.add('p', 'bob', 's3')).toBe(2);
    expect(await members.count('p')).toBe(2);
    expect(await members.count('p', 'ann')).toBe(2);
    expect(await members.count('p', 'cat')).toBe(3);
    expect(await members.has('p', 'bob')).toBe(true);
    expect(await members.remove('p', 'ann', 's1')).toBe(2);
    expect(await members.remove('p', 'ann', 's2')).toBe(1);
    expect(await members.remove('p', 'ann', 's2')).toBe(1);
    expect(await members.has('p', 'ann')).toBe(false);
    expect(await members.count('elsewhere', 'cat')).toBe(1);
  });

  it('stores nothing and counts 0 while the key a group requires is missing', async () => {
    const prefix = redisTest.freshPrefix();
    const members = node(prefix, 30_000, true);
    expect(await members.add('a1', 'ann', 's1')).toBe(0);
    expect(await members.count('a1', 'bob')).toBe(0);
    expect(await raw((redis) => redis.exists(`${prefix}g:{a1}`, `${prefix}g:{a1}:users`))).toBe(0);
    await raw((redis) => redis.set(`${prefix}need:{a1}`, '1'));
    expect(await members.add('a1', 'ann', 's1')).toBe(1);
    expect(await members.count('a1', 'bob')).toBe(2);
  });

  it("a group's keys expire 2 × ttlMs after the last add or refresh, and members are scored by Redis's clock", async () => {
    const prefix = redisTest.freshPrefix();
    const members = node(prefix, 60_000);
    await members.add('p', 'ann', 's1');
    const [redisNow, score, ttls] = await raw(async (redis) => {
      const [seconds, micros] = await redis.time();
      return [
        Number(seconds) * 1000 + Math.floor(Number(micros) / 1000),
        Number(await redis.zscore(`${prefix}g:{p}`, expiringMember('ann', 's1'))),
        [await redis.pttl(`${prefix}g:{p}`), await redis.pttl(`${prefix}g:{p}:users`)],
      ] as const;
    });
    expect(score).toBeGreaterThan(redisNow + 50_000);
    expect(score).toBeLessThanOrEqual(redisNow + 60_000);
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(60_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    }
  });

  it("expiry runs on Redis's clock: nodes whose clocks are an hour apart keep each other's live sessions, and a dead node's still expire", async () => {
    const prefix = redisTest.freshPrefix();
    const realNow = Date.now.bind(Date);
    const ahead = node(prefix, 300);
    const behind = node(prefix, 1500);
    const clock = vi.spyOn(Date, 'now');
    clock.mockImplementation(() => realNow() + 3_600_000);
    expect(await ahead.add('p', 'ann', 's1')).toBe(1);
    clock.mockImplementation(() => realNow() - 3_600_000);
    expect(await behind.add('p', 'bob', 's2')).toBe(2);
    clock.mockImplementation(() => realNow() + 3_600_000);
    expect(await ahead.count('p')).toBe(2);
    expect(await ahead.has('p', 'bob')).toBe(true);
    clock.mockRestore();
    // The node an hour ahead dies: its session stops counting within its TTL, on Redis's clock.
    ahead.close();
    await eventually(async () => (await behind.count('p')) === 1);
    expect(await behind.has('p', 'bob')).toBe(true);
  });

  it('re-adds what Redis lost while the node still holds it, never a session that left', async () => {
    const prefix = redisTest.freshPrefix();
    const members = node(prefix, 300);
    await members.add('p', 'ann', 's1');
    await members.add('p', 'bob', 's2');
    await members.remove('p', 'bob', 's2');
    await deleteKeys(prefix); // Redis flushed or restarted
    await eventually(async () => (await members.count('p')) === 1);
    expect(await members.has('p', 'ann')).toBe(true);
    expect(await members.has('p', 'bob')).toBe(false);
    // Removed while a refresh may be under way: it stays removed.
    expect(await members.remove('p', 'ann', 's1')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await members.count('p')).toBe(0);
  });
});
