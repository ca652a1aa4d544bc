import { Redis } from 'ioredis';
import { expect, it, vi } from 'vitest';
import { runInCommandScope } from '../src/commands/commandScope';
import { Deduper } from '../src/commands/dedupe';
import { silentLogger } from '../src/ops/logger';
import type { CommandOutcome, RedisStore, RedisStoreOptions, StoredEvent } from '../src';
import { deleteKeys, REDIS_URL, redisTestScope } from '../../../test-utils/redis';

const redisTest = await redisTestScope();
const { prefix, freshPrefix } = redisTest;

/** A RedisStore (= one node) on this file's prefix unless told otherwise; closed after each test. */
const store = (options: RedisStoreOptions = {}): RedisStore => redisTest.node(options);

const ev = (i: number) => ({ name: 'k:e', data: { i }, at: i });

redisTest.describe('RedisStore', () => {
  it('numbers events per room from 1, keeps a bounded history and reads after a seq', async () => {
    const s = store();
    const epoch = await s.epoch();
    expect(await s.head('r')).toEqual({ epoch, seq: 0 });
    for (let i = 1; i <= 5; i++) expect(await s.append('r', ev(i), 3)).toMatchObject({ epoch, seq: i, data: { i } });
    expect(await s.append('other', { name: 'k:e', data: null, at: 0 }, 3)).toMatchObject({ seq: 1, data: null });
    expect(await s.head('r')).toEqual({ epoch, seq: 5 });
    expect((await s.readAfter('r', 2)) as StoredEvent[]).toHaveLength(3);
    expect(await s.readAfter('r', 1)).toBe('truncated');
    expect(await s.readAfter('r', 0)).toBe('truncated');
    expect(await s.readAfter('r', 5)).toEqual([]);
    expect(await s.readAfter('r', 9)).toEqual([]);
    expect(await s.readAfter('nothing', 0)).toEqual([]);
    const [fourth] = (await s.readAfter('r', 3)) as StoredEvent[];
    expect(fourth).toEqual({ epoch, seq: 4, name: 'k:e', data: { i: 4 }, at: 4 });
  });

  it('shares rooms and the epoch between instances (nodes), and keeps undefined data undefined', async () => {
    const a = store();
    const b = store();
    expect(await a.epoch()).toBe(await b.epoch());
    await a.append('shared', { name: 'k:e', data: undefined, at: 1 }, 10);
    const second = await b.append('shared', ev(2), 10);
    expect(second.seq).toBe(2);
    const events = (await a.readAfter('shared', 0)) as StoredEvent[];
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(events[0]!.data).toBeUndefined();
  });

  it('serialises concurrent appends from several instances into one gap-free sequence', async () => {
    const nodes = [store(), store(), store()];
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => nodes[i % 3]!.append('race', ev(i), 1000)));
    expect(results.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const stored = (await nodes[0]!.readAfter('race', 0)) as StoredEvent[];
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('gets a new epoch when Redis lost its data (keys flushed)', async () => {
    const own = freshPrefix();
    const s = store({ prefix: own });
    await s.append('r', ev(1), 10);
    const before = await s.head('r');
    await deleteKeys(own); // what FLUSHALL does to our keys
    const after = await s.head('r');
    expect(after.seq).toBe(0);
    expect(after.epoch).not.toBe(before.epoch);
    expect((await s.append('r', ev(2), 10)).epoch).toBe(after.epoch);
    await deleteKeys(own);
  });

  it('expires command outcomes after their ttl', async () => {
    const s = store();
    await s.saveCommandResult('k', { ok: true, data: 1 }, 100);
    expect(await s.getCommandResult('k')).toEqual({ ok: true, data: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(await s.getCommandResult('k')).toBeUndefined();
  });

  it('claims a command once; the others see it running, then its outcome; release frees it', async () => {
    const a = store();
    const b = store();
    const claim = await a.claimCommand('c1');
    expect(claim.status).toBe('claimed');
    expect(await b.claimCommand('c1')).toEqual({ status: 'running' });
    expect(await b.getCommandResult('c1')).toBeUndefined();
    await a.saveCommandResult('c1', { ok: true, data: 'x' }, 10_000);
    expect(await b.claimCommand('c1')).toEqual({ status: 'done', outcome: { ok: true, data: 'x' } });

    const again = await a.claimCommand('c2');
    if (again.status !== 'claimed') throw new Error('expected a claim');
    await b.releaseCommand('c2', 'Pnot-the-token');
    expect(await b.claimCommand('c2')).toEqual({ status: 'running' });
    await a.releaseCommand('c2', again.token);
    expect((await b.claimCommand('c2')).status).toBe('claimed');
  });

  it('a claim lapses after its lease (a node died mid-command)', async () => {
    const a = store({ commandLeaseMs: 100 });
    expect((await a.claimCommand('lease')).status).toBe('claimed');
    await new Promise((r) => setTimeout(r, 150));
    expect((await a.claimCommand('lease')).status).toBe('claimed');
  });

  it("a dead node's claim is taken over once its liveness key expires, long before the lease", async () => {
    const a = store({ nodeTtlMs: 300 }); // default 15 s lease
    const b = store({ nodeTtlMs: 300 });
    await vi.waitFor(async () => expect(await a.connection.client.exists(`${prefix}node:${a.nodeId}`)).toBe(1));
    expect((await a.claimCommand('orphan')).status).toBe('claimed');
    expect(await b.claimCommand('orphan')).toEqual({ status: 'running' }); // a is alive: wait
    await a.close(); // a dies mid-command: its liveness key is no longer refreshed
    await vi.waitFor(async () => expect((await b.claimCommand('orphan')).status).toBe('claimed'), { timeout: 2000, interval: 50 });
  });

  it('a node that lost its claim (presumed dead while stalled) cannot act for the command any more: FENCED, nothing appended', async () => {
    const a = store({ nodeTtlMs: 300 });
    const b = store({ nodeTtlMs: 300 });
    const c = store({ nodeTtlMs: 300 });
    const claimA = await a.claimCommand('fenced');
    if (claimA.status !== 'claimed') throw new Error('expected a claim');
    await a.close(); // a stops beating; its command is still "running" in its (frozen) mind
    const claimB = await vi.waitFor(async () => {
      const claim = await b.claimCommand('fenced');
      if (claim.status !== 'claimed') throw new Error('not taken over yet');
      return claim;
    }, { timeout: 2000, interval: 50 });
    // a's late append (through any connection, with a's claim token) is refused…
    await expect(runInCommandScope({ key: 'fenced', token: claimA.token, windowMs: 60_000 }, () => c.append('fenced-room', ev(1), 10))).rejects.toMatchObject({ code: 'unavailable' });
    expect(await c.head('fenced-room')).toMatchObject({ seq: 0 });
    // …and b's goes through.
    await runInCommandScope({ key: 'fenced', token: claimB.token, windowMs: 60_000 }, () => b.append('fenced-room', ev(2), 10));
    expect(await c.head('fenced-room')).toMatchObject({ seq: 1 });
  });

  it('a node dying after appending for a command: the retry gets what it published, not a second run', async () => {
    const a = store({ commandLeaseMs: 100 });
    const b = store({ commandLeaseMs: 100 });
    const claim = await a.claimCommand('died');
    if (claim.status !== 'claimed') throw new Error('expected a claim');
    const published = await runInCommandScope({ key: 'died', token: claim.token, windowMs: 60_000 }, () => a.append('dying', ev(1), 10));
    // …and node a dies here, before saving the outcome (or fails retryably: the record stays).
    await a.releaseCommand('died', claim.token);
    expect(await b.claimCommand('died')).toEqual({ status: 'running' });
    await new Promise((r) => setTimeout(r, 150));
    expect(await b.claimCommand('died')).toEqual({ status: 'done', outcome: { ok: true, data: { epoch: published.epoch, seq: 1 } } });
  });

  it('runs concurrent duplicates arriving on two nodes exactly once (Deduper over two stores)', async () => {
    const nodes = [new Deduper(store(), 60_000, silentLogger), new Deduper(store(), 60_000, silentLogger)];
    let runs = 0;
    const execute = async (): Promise<CommandOutcome> => {
      runs++;
      await new Promise((r) => setTimeout(r, 100));
      return { ok: true, data: { run: runs } };
    };
    const outcomes = await Promise.all([nodes[0]!.run('u', 'dup', execute), nodes[1]!.run('u', 'dup', execute), nodes[1]!.run('u', 'dup', execute), nodes[0]!.run('u', 'dup', execute)]);
    expect(runs).toBe(1);
    for (const outcome of outcomes) expect(outcome).toEqual({ ok: true, data: { run: 1 } });
    expect(await nodes[1]!.run('u', 'dup', execute)).toEqual({ ok: true, data: { run: 1 } });
    expect(runs).toBe(1);
  });

  it('lets a retryable failure run again on another node', async () => {
    const nodes = [new Deduper(store(), 60_000, silentLogger), new Deduper(store(), 60_000, silentLogger)];
    expect(await nodes[0]!.run('u', 'retry', async () => ({ ok: false, code: 'internal', msg: 'boom' }))).toMatchObject({ code: 'internal' });
    expect(await nodes[1]!.run('u', 'retry', async () => ({ ok: true, data: 2 }))).toEqual({ ok: true, data: 2 });
  });

  it('keeps keys under its prefix with the documented names', async () => {
    const own = freshPrefix();
    const s = store({ prefix: own });
    await s.append('demo:x', ev(1), 10);
    await s.saveCommandResult('u:c', { ok: true }, 10_000);
    const redis = new Redis(REDIS_URL);
    try {
      await vi.waitFor(async () => expect(await redis.exists(`${own}node:${s.nodeId}`)).toBe(1));
      const keys = (await redis.keys(`${own}*`)).sort();
      expect(keys).toEqual([`${own}cmd:u:c`, `${own}epoch`, `${own}node:${s.nodeId}`, `${own}room:{demo:x}:log`, `${own}room:{demo:x}:seq`]);
      // The node's liveness key expires unless the node keeps refreshing it.
      expect(await redis.pttl(`${own}node:${s.nodeId}`)).toBeLessThanOrEqual(1500);
      expect(await redis.type(`${own}room:{demo:x}:log`)).toBe('stream');
      expect(await redis.pttl(`${own}cmd:u:c`)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
      await deleteKeys(own);
    }
  });

  it('fails fast with a retryable `unavailable` when Redis is unreachable', async () => {
    const s = store({ url: 'redis://127.0.0.1:1' });
    await expect(s.head('r')).rejects.toMatchObject({ code: 'unavailable' });
    const started = Date.now();
    await expect(s.append('r', ev(1), 10)).rejects.toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(s.up).toBe(false);
  });
});
