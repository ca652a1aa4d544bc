import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ForwardPacer } from '../src/http/forwardPacer';

describe('ForwardPacer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const limits = { perSecond: 10, burst: 2, maxHeldPerUser: 4, maxHeldPerAddress: 6, maxWaitMs: 1000 };

  it('passes the burst at once, then one request per 1/perSecond; a request that waited counts as paced', async () => {
    const pacer = new ForwardPacer(limits, () => Date.now());
    const turns = [pacer.acquire('u', 'a', () => false), pacer.acquire('u', 'a', () => false), pacer.acquire('u', 'a', () => false)];
    const done: number[] = [];
    turns.forEach((turn, i) => void turn.then(() => done.push(i)));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toEqual([0, 1, 2]);
    expect(pacer.paced).toBe(1);
    expect(pacer.held).toBe(3);
    for (const turn of await Promise.all(turns)) if (turn && 'release' in turn) turn.release();
    expect(pacer.held).toBe(0);
  });

  it('refuses past the bound per user and per address, and takes requests again once released', async () => {
    const pacer = new ForwardPacer({ ...limits, burst: 100 }, () => Date.now());
    const mine = await Promise.all([1, 2, 3, 4].map(() => pacer.acquire('u', 'a', () => false)));
    expect(await pacer.acquire('u', 'a', () => false)).toMatchObject({ refusal: { status: 429, code: 'rate_limited' } });
    // Other users from the same address: 2 more fit (6 per address), the next does not.
    expect(await pacer.acquire('v', 'a', () => false)).toHaveProperty('release');
    expect(await pacer.acquire('w', 'a', () => false)).toHaveProperty('release');
    expect(await pacer.acquire('x', 'a', () => false)).toMatchObject({ refusal: { msg: expect.stringContaining('address') } });
    expect(await pacer.acquire('x', 'elsewhere', () => false)).toHaveProperty('release');
    const first = mine[0]!;
    if (!first || !('release' in first)) throw new Error('expected a turn');
    first.release();
    first.release(); // once only
    expect(pacer.held).toBe(6);
    expect(await pacer.acquire('u', 'b', () => false)).toHaveProperty('release');
  });

  it('gives the place back when the requester leaves while waiting, and refuses a wait longer than maxWaitMs', async () => {
    const pacer = new ForwardPacer({ ...limits, burst: 1, perSecond: 1, maxWaitMs: 1500 }, () => Date.now());
    await pacer.acquire('u', 'a', () => false); // the burst (kept: held 1)
    let gone = false;
    const waiting = pacer.acquire('u', 'a', () => gone);
    await vi.advanceTimersByTimeAsync(10);
    expect(pacer.held).toBe(2);
    gone = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(await waiting).toBeUndefined();
    expect(pacer.held).toBe(1);
    // The token that refilled meanwhile goes to the next request, not to the one that left.
    expect(await pacer.acquire('u', 'a', () => false)).toHaveProperty('release');
    const tooLong = new ForwardPacer({ ...limits, burst: 1, perSecond: 0.5, maxWaitMs: 1000 }, () => Date.now());
    await tooLong.acquire('u', 'a', () => false);
    expect(await tooLong.acquire('u', 'a', () => false)).toMatchObject({ refusal: { status: 429 } });
    expect(tooLong.held).toBe(1);
  });
});
