import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_BYTES, OutcomeBudget } from '../src/commands/outcomeBudget';

describe('OutcomeBudget', () => {
  const limits = { maxOutcomeBytes: 1000, outcomeBytesPerUser: 3000, outcomeBytesTotal: 5000 };
  const answer = (bytes: number) => ({ ok: true as const, data: 'a'.repeat(bytes) });

  it("over a user's budget forgets that user's oldest outcomes first", () => {
    const forgotten: string[] = [];
    const budget = new OutcomeBudget(limits, 60_000, (key) => forgotten.push(key));
    budget.admit('bob:1', 'bob', answer(500));
    for (let i = 0; i < 10; i++) budget.admit(`eve:${i}`, 'eve', answer(500));
    expect(forgotten.every((key) => key.startsWith('eve:'))).toBe(true);
    expect(forgotten.slice(0, 3)).toEqual(['eve:0', 'eve:1', 'eve:2']);
    expect(budget.stats().evicted.user).toBe(forgotten.length);
  });

  it('over the total forgets the oldest of anyone, and never exceeds it', () => {
    const forgotten: string[] = [];
    const budget = new OutcomeBudget(limits, 60_000, (key) => forgotten.push(key));
    for (let u = 0; u < 20; u++) budget.admit(`u${u}:1`, `u${u}`, answer(400));
    expect(budget.stats().bytes).toBeLessThanOrEqual(5000);
    expect(forgotten[0]).toBe('u0:1');
    expect(budget.stats().evicted.total).toBe(forgotten.length);
  });

  it('keeps an outcome over maxOutcomeBytes without its data', () => {
    const budget = new OutcomeBudget(limits, 60_000, () => {});
    expect(budget.admit('k', 'u', answer(5000))).toEqual({ outcome: { ok: true }, json: '{"ok":true}' });
    expect(budget.admit('n', 'u', { ok: false, code: 'bad_request', msg: 'm'.repeat(5000) }).outcome).toEqual({ ok: false, code: 'bad_request', msg: 'm'.repeat(256) });
    expect(budget.stats().compacted).toBe(2);
  });

  it('stops counting outcomes past their window (the store expires them itself)', () => {
    let now = 0;
    const forgotten: string[] = [];
    const budget = new OutcomeBudget(limits, 1000, (key) => forgotten.push(key), () => now);
    budget.admit('a', 'u', answer(100));
    now = 1001;
    budget.admit('b', 'u', answer(100));
    expect(budget.stats().entries).toBe(1);
    expect(forgotten).toEqual([]);
  });

  it('forgets exactly what a plain model of the rules forgets, over 12,000 random admissions by 7 users (repeated keys, expiry, both bounds, the columns let go a chunk at a time)', () => {
    let now = 0;
    const forgotten: string[] = [];
    const budget = new OutcomeBudget(limits, 2000, (key) => forgotten.push(key), () => now);
    // The model: one array in insertion order; a user's oldest is their first in it.
    let model: Array<{ key: string; owner: string; bytes: number; expiresAt: number; kept?: unknown }> = [];
    const modelForgotten: string[] = [];
    const sum = (xs: typeof model) => xs.reduce((n, e) => n + e.bytes, 0);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 12_000; i++) {
      now += Math.floor(random() * 3);
      const owner = `u${Math.floor(random() * 7)}`;
      const key = `${owner}:${Math.floor(random() * 40)}`;
      const outcome = answer(Math.floor(random() * 900));
      // Half kept here (as for MemoryStore), half only accounted for (as for a Redis store).
      const keepHere = random() < 0.5;
      if (keepHere) budget.keep(key, owner, outcome);
      else budget.admit(key, owner, outcome);
      const bytes = Buffer.byteLength(JSON.stringify(outcome)) + key.length + ENTRY_OVERHEAD_BYTES;
      model = model.filter((e) => e.expiresAt > now && e.key !== key);
      const evict = (e: (typeof model)[number]) => {
        model = model.filter((x) => x !== e);
        modelForgotten.push(e.key);
      };
      while (sum(model.filter((e) => e.owner === owner)) + bytes > limits.outcomeBytesPerUser) evict(model.find((e) => e.owner === owner)!);
      while (sum(model) + bytes > limits.outcomeBytesTotal && model.length > 0) evict(model[0]!);
      model.push({ key, owner, bytes, expiresAt: now + 2000, ...(keepHere ? { kept: outcome } : {}) });
      // A kept outcome is found until its window ends or a bound forgets it; an accounted one never is.
      const probe = `u${Math.floor(random() * 7)}:${Math.floor(random() * 40)}`;
      expect(budget.get(probe, probe.split(':')[0]!)).toEqual(model.find((e) => e.key === probe && e.expiresAt > now)?.kept);
    }
    expect(forgotten).toEqual(modelForgotten);
    expect(forgotten.length).toBeGreaterThan(100);
    const stats = budget.stats();
    expect(stats.entries).toBe(model.filter((e) => e.expiresAt > now).length);
    expect(stats.bytes).toBe(sum(model.filter((e) => e.expiresAt > now)));
  });

  it('tells apart the same command id of different users, and ids of any characters, across 30,000 entries', () => {
    const forgotten: Array<[string, string]> = [];
    const budget = new OutcomeBudget({ maxOutcomeBytes: 1000, outcomeBytesPerUser: 1e12, outcomeBytesTotal: 1e12 }, 60_000, (id, owner) => forgotten.push([id, owner]));
    const users = ['ana', 'budi', 'citra'];
    const idOf = (i: number) => (i % 3 === 0 ? `pesan-${i}-héllo-🏠` : `c${i}`);
    for (let i = 0; i < 10_000; i++) for (const [u, user] of users.entries()) budget.keep(idOf(i), user, { ok: true, data: { u, i } });
    expect(budget.stats().entries).toBe(30_000);
    for (const i of [0, 1, 2, 4095, 4096, 9999]) {
      for (const [u, user] of users.entries()) expect(budget.get(idOf(i), user)).toEqual({ ok: true, data: { u, i } });
    }
    expect(budget.get('c1', 'dewi')).toBeUndefined();
    expect(budget.get('c10000', 'ana')).toBeUndefined();
    // Forgetting by the total bound hands back each id and owner as they were given.
    budget.configure({ maxOutcomeBytes: 1000, outcomeBytesPerUser: 1e12, outcomeBytesTotal: budget.stats().bytes / 2 }, 60_000);
    budget.keep('last', 'ana', { ok: true });
    expect(forgotten.slice(0, 4)).toEqual([[idOf(0), 'ana'], [idOf(0), 'budi'], [idOf(0), 'citra'], [idOf(1), 'ana']]);
    for (const [id, owner] of forgotten) expect(budget.get(id, owner)).toBeUndefined();
    const first = forgotten.length / 3;
    expect(budget.get(idOf(Math.ceil(first) + 1), 'citra')).toEqual({ ok: true, data: { u: 2, i: Math.ceil(first) + 1 } });
    expect(budget.get('last', 'ana')).toEqual({ ok: true });
  });

  it('keeps an outcome for get(), as a copy, until its window ends', () => {
    let now = 0;
    const budget = new OutcomeBudget(limits, 1000, undefined, () => now);
    const outcome = { ok: true as const, data: { epoch: 'e', seq: 1 } };
    budget.keep('k', 'u', outcome);
    const got = budget.get('k', 'u');
    expect(got).toEqual(outcome);
    expect(got).not.toBe(outcome);
    budget.admit('only-counted', 'u', outcome);
    expect(budget.get('only-counted', 'u')).toBeUndefined();
    now = 999;
    expect(budget.get('k', 'u')).toEqual(outcome);
    now = 1000;
    expect(budget.get('k', 'u')).toBeUndefined();
    expect(budget.stats().entries).toBe(0);
  });

  it('a kept outcome forgotten by a bound is gone from get(), and one over maxOutcomeBytes is kept without its data', () => {
    const budget = new OutcomeBudget(limits, 60_000);
    budget.keep('big', 'u', answer(5000));
    expect(budget.get('big', 'u')).toEqual({ ok: true });
    for (let i = 0; i < 10; i++) budget.keep(`u:${i}`, 'u', answer(500));
    expect(budget.get('big', 'u')).toBeUndefined();
    expect(budget.get('u:0', 'u')).toBeUndefined();
    expect(budget.get('u:9', 'u')).toEqual(answer(500));
  });

  it('after thousands of expired entries are dropped from the front, the ones still kept are found, counted and forgotten by their bounds', () => {
    let now = 0;
    const forgotten: string[] = [];
    const budget = new OutcomeBudget({ maxOutcomeBytes: 1000, outcomeBytesPerUser: 1_000_000, outcomeBytesTotal: 10_000_000 }, 1000, (id) => forgotten.push(id), () => now);
    for (let i = 0; i < 5000; i++) budget.keep(`old${i}`, `u${i % 10}`, answer(10));
    now = 500;
    budget.keep('kept', 'u1', answer(20));
    now = 1000; // the 5,000 expire; the next admission drops them
    budget.keep('new', 'u2', answer(30));
    expect(budget.stats().entries).toBe(2);
    expect(budget.get('old4999', 'u9')).toBeUndefined();
    expect(budget.get('kept', 'u1')).toEqual(answer(20));
    expect(budget.get('new', 'u2')).toEqual(answer(30));
    budget.keep('kept', 'u1', answer(40)); // the same id again replaces it
    expect(budget.get('kept', 'u1')).toEqual(answer(40));
    expect(budget.stats().entries).toBe(2);
    budget.configure({ maxOutcomeBytes: 1000, outcomeBytesPerUser: 300, outcomeBytesTotal: 10_000_000 }, 1000);
    budget.keep('next', 'u1', answer(50)); // u1 over its bound: its oldest goes
    expect(forgotten).toEqual(['kept']);
    expect(budget.get('next', 'u1')).toEqual(answer(50));
    expect(budget.get('new', 'u2')).toEqual(answer(30));
  });
});
