import { describe, expect, it } from 'vitest';
import { FrameQueue } from '../src/connection/frameQueue';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** A gate a test opens by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('FrameQueue', () => {
  it('runs frames one at a time in arrival order, whatever each takes', async () => {
    const queue = new FrameQueue(() => {});
    const log: string[] = [];
    let running = 0;
    for (const [i, ms] of [30, 0, 10, 0, 5].entries()) {
      queue.push('room:a', async () => {
        running++;
        expect(running).toBe(1);
        log.push(`start ${i}`);
        await tick(ms);
        log.push(`end ${i}`);
        running--;
      });
    }
    expect(queue.pending).toBe(5);
    await queue.whenIdle();
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    expect(queue.pending).toBe(0);
  });

  it('a frame that steps aside lets other scopes go on; a later frame of its scope waits behind it', async () => {
    const queue = new FrameQueue(() => {});
    const log: string[] = [];
    const waiting = gate();
    queue.push('room:a', async (stepAside) => {
      stepAside();
      await waiting.opened;
      log.push('a1');
    });
    queue.push('room:a', async () => void log.push('a2'));
    queue.push('room:b', async () => void log.push('b1'));
    queue.push('cmd:bid', async () => void log.push('bid'));
    await queue.whenIdle();
    await tick();
    expect(log).toEqual(['b1', 'bid']);
    expect(queue.pending).toBe(2);
    waiting.open();
    await tick();
    expect(log).toEqual(['b1', 'bid', 'a1', 'a2']);
    expect(queue.pending).toBe(0);
  });

  it('reports a failing frame and goes on with the next', async () => {
    const errors: unknown[] = [];
    const queue = new FrameQueue((err) => errors.push(err));
    const log: string[] = [];
    queue.push('s', async () => {
      throw new Error('boom');
    });
    queue.push('s', async () => void log.push('next'));
    await queue.whenIdle();
    expect(errors).toEqual([new Error('boom')]);
    expect(log).toEqual(['next']);
    expect(queue.pending).toBe(0);
  });

  it('whenIdle resolves every waiter of a busy spell, and waiters of a later one only at its end', async () => {
    const queue = new FrameQueue(() => {});
    const resolved: string[] = [];
    const first = gate();
    queue.push('room:a', () => first.opened);
    void queue.whenIdle().then(() => resolved.push('w1'));
    void queue.whenIdle().then(() => resolved.push('w2'));
    first.open();
    await tick();
    expect(resolved).toEqual(['w1', 'w2']);
    // Frames that ran with no one waiting leave nothing behind for the next spell.
    queue.push('room:a', async () => {});
    await tick();
    const second = gate();
    queue.push('room:b', () => second.opened);
    void queue.whenIdle().then(() => resolved.push('w3'));
    await tick(5);
    expect(resolved).toEqual(['w1', 'w2']);
    second.open();
    await tick();
    expect(resolved).toEqual(['w1', 'w2', 'w3']);
  });

  it('whenIdle resolves once the frame being handled is done, without waiting for one aside', async () => {
    const queue = new FrameQueue(() => {});
    await queue.whenIdle(); // empty: at once
    const aside = gate();
    const slow = gate();
    queue.push('room:a', async (stepAside) => {
      stepAside();
      await aside.opened;
    });
    queue.push('room:b', () => slow.opened);
    let idle = false;
    void queue.whenIdle().then(() => (idle = true));
    await tick(5);
    expect(idle).toBe(false);
    slow.open();
    await tick();
    expect(idle).toBe(true);
    expect(queue.pending).toBe(1);
    aside.open();
  });
});
