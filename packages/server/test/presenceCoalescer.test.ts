import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from '../src/rooms/coalescer';
import { KeyedQueue } from '../src/store/keyedQueue';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(read: (key: string) => Promise<number>, forget?: (key: string) => boolean) {
  const sent: Array<[string, number]> = [];
  const errors: unknown[] = [];
  const coalescer = new Coalescer<number>({
    intervalMs: 100,
    read,
    send: (key, value) => void sent.push([key, value]),
    ...(forget ? { forget } : {}),
    onError: (error) => void errors.push(error),
  });
  return { coalescer, sent, errors };
}

describe('Coalescer', () => {
  it('sends the latest value once per interval, on the trailing edge', async () => {
    let value = 0;
    const { coalescer, sent } = setup(async () => value);
    for (let i = 0; i < 200; i++) {
      value++;
      coalescer.mark('room');
    }
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['room', 200]]);
    value = 201;
    coalescer.mark('room');
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([['room', 200], ['room', 201]]);
  });

  it('skips a value equal to the last one sent, and keeps keys apart', async () => {
    const values: Record<string, number> = { a: 1, b: 1 };
    const { coalescer, sent } = setup(async (key) => values[key]!);
    coalescer.mark('a');
    coalescer.mark('b');
    await vi.advanceTimersByTimeAsync(100);
    coalescer.mark('a'); // e.g. a join and a leave within one interval: the value ends where it was
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['a', 1], ['b', 1]]);
  });

  it('a mark with resend sends an unchanged value again (another node may have sent a different one since)', async () => {
    let value = 5;
    const { coalescer, sent } = setup(async () => value);
    coalescer.mark('room');
    await vi.advanceTimersByTimeAsync(100);
    // Node B pushed 6 meanwhile, then a leave here brings the shared count back to 5.
    coalescer.mark('room', { resend: true });
    await vi.advanceTimersByTimeAsync(100);
    // A plain mark (the periodic recount) still skips a repeat.
    coalescer.mark('room');
    await vi.advanceTimersByTimeAsync(100);
    value = 7;
    coalescer.mark('room', { resend: true });
    coalescer.mark('room');
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['room', 5], ['room', 5], ['room', 7]]);
  });

  it('never sends an older value after a newer one when a read is slow', async () => {
    let value = 1;
    let release!: () => void;
    const slowRead = vi.fn(async () => {
      const seen = value;
      if (seen === 1) await new Promise<void>((resolve) => (release = resolve));
      return seen;
    });
    const { coalescer, sent } = setup(slowRead);
    coalescer.mark('k');
    await vi.advanceTimersByTimeAsync(100); // first flush is now stuck reading value 1
    value = 2;
    coalescer.mark('k');
    await vi.advanceTimersByTimeAsync(500);
    expect(slowRead).toHaveBeenCalledTimes(1); // the second flush waits for the first
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['k', 1], ['k', 2]]);
  });

  it('reports failures and tries again on the next change; forgets unwatched keys; stops for good', async () => {
    let fail = true;
    let watched = true;
    const { coalescer, sent, errors } = setup(
      async () => {
        if (fail) throw new Error('store down');
        return 7;
      },
      () => !watched,
    );
    coalescer.mark('k');
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveLength(1);
    fail = false;
    coalescer.mark('k');
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['k', 7]]);
    watched = false; // nobody listens: the memory of 7 is dropped, so 7 is sent again next time
    coalescer.mark('k');
    await vi.advanceTimersByTimeAsync(100);
    coalescer.mark('k');
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([['k', 7], ['k', 7]]);
    coalescer.mark('k');
    coalescer.stop();
    coalescer.mark('k');
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('KeyedQueue', () => {
  it('runs tasks of one key in order, survives failures, and runs keys concurrently', async () => {
    vi.useRealTimers();
    const queue = new KeyedQueue();
    const log: string[] = [];
    const slow = queue.run('s1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push('s1 add');
    });
    const failing = queue.run('s1', async () => {
      throw new Error('boom');
    });
    const after = queue.run('s1', async () => void log.push('s1 remove'));
    const other = queue.run('s2', async () => void log.push('s2 add'));
    await expect(failing).rejects.toThrow('boom');
    await Promise.all([slow, after, other]);
    expect(log).toEqual(['s2 add', 's1 add', 's1 remove']);
  });
});
