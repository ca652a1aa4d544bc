import { describe, expect, it } from 'vitest';
import { sleep, waitAtMost } from '../src/time';

describe('waitAtMost', () => {
  it('is true when the promise fulfils in time, false when the time runs out first', async () => {
    expect(await waitAtMost(sleep(5), 1000)).toBe(true);
    expect(await waitAtMost(new Promise(() => {}), 20)).toBe(false);
    expect(await waitAtMost(Promise.resolve(), -5)).toBe(true);
  });

  it('passes on a rejection that comes in time', async () => {
    await expect(waitAtMost(Promise.reject(new Error('no')), 1000)).rejects.toThrow('no');
  });
});
