// The shared Coalescer (rooms/coalescer.ts) beyond what presence needs from it
// (presenceCoalescer.test.ts): what the auction's `auction:bidders` relies on — a periodic
// recount that every node sends to its own members (`localOnly`), even unchanged, a change
// that still reaches every node, and only the keys this node's members listen to.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from '../src/rooms/coalescer';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(values: Record<string, number>, listened: Set<string>) {
  const sent: Array<{ key: string; value: number; localOnly: boolean }> = [];
  const errors: unknown[] = [];
  const coalescer = new Coalescer<number>({
    intervalMs: 10,
    read: async (key) => values[key]!,
    send: (key, value, { localOnly }) => void sent.push({ key, value, localOnly }),
    forget: (key) => !listened.has(key),
    onError: (error) => void errors.push(error),
  });
  return { coalescer, sent, errors };
}

describe('Coalescer recount', () => {
  it('re-announces every key its members listen to, every interval, to this node only, even unchanged (the auction)', async () => {
    const listened = new Set(['a1', 'a2']);
    const { coalescer, sent } = setup({ a1: 3, a2: 1, gone: 9 }, listened);
    coalescer.recountEvery(1000, () => ['a1', 'a2', 'gone'], { resend: true, localOnly: true });
    await vi.advanceTimersByTimeAsync(1010);
    expect(sent).toEqual([
      { key: 'a1', value: 3, localOnly: true },
      { key: 'a2', value: 1, localOnly: true },
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(4); // the same counts again: every node tells its own members
    listened.delete('a2'); // nobody on this node listens to a2 any more
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.slice(4)).toEqual([{ key: 'a1', value: 3, localOnly: true }]);
  });

  it('without resend, a recount sends only what changed since this node last sent (presence)', async () => {
    const values = { p: 2 };
    const { coalescer, sent } = setup(values, new Set(['p']));
    coalescer.mark('p');
    await vi.advanceTimersByTimeAsync(10);
    coalescer.recountEvery(1000, () => ['p']);
    await vi.advanceTimersByTimeAsync(1010);
    expect(sent).toEqual([{ key: 'p', value: 2, localOnly: false }]);
    values.p = 1; // another node's viewer expired
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([
      { key: 'p', value: 2, localOnly: false },
      { key: 'p', value: 1, localOnly: false },
    ]);
  });

  it('a change pending with a recount reaches every node, also when it comes during the flush', async () => {
    const values = { a1: 1 };
    const { coalescer, sent } = setup(values, new Set(['a1']));
    coalescer.mark('a1', { resend: true, localOnly: true });
    coalescer.mark('a1', { resend: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(sent).toEqual([{ key: 'a1', value: 1, localOnly: false }]);
    coalescer.mark('a1', { resend: true, localOnly: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(sent.at(-1)).toEqual({ key: 'a1', value: 1, localOnly: true });

    // A slow read: a change arriving during the flush is sent everywhere by the next one.
    let release!: () => void;
    const slow = new Coalescer<number>({
      intervalMs: 10,
      read: async () => {
        if (!release) await new Promise<void>((resolve) => (release = resolve));
        return values.a1;
      },
      send: (key, value, { localOnly }) => void sent.push({ key, value, localOnly }),
      onError: () => {},
    });
    slow.mark('a1', { resend: true, localOnly: true });
    await vi.advanceTimersByTimeAsync(10);
    values.a1 = 2;
    slow.mark('a1', { resend: true });
    release();
    await vi.advanceTimersByTimeAsync(10);
    expect(sent.slice(-2)).toEqual([
      { key: 'a1', value: 2, localOnly: true },
      { key: 'a1', value: 2, localOnly: false },
    ]);
  });

  it('reports a recount that cannot list its keys, keeps recounting, and stops with the coalescer', async () => {
    const { coalescer, sent, errors } = setup({ k: 1 }, new Set(['k']));
    let fail = true;
    coalescer.recountEvery(100, () => {
      if (fail) throw new Error('boom');
      return ['k'];
    });
    coalescer.recountEvery(0, () => ['k']); // not positive: no recount
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(110);
    expect(sent).toEqual([{ key: 'k', value: 1, localOnly: false }]);
    coalescer.stop();
    expect(vi.getTimerCount()).toBe(0);
    coalescer.recountEvery(100, () => ['k']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(1);
  });
});
