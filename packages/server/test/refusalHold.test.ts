import { describe, expect, it } from 'vitest';
import { ActionRateLimiter } from '../src/limits/rateLimiter';
import { RefusalHold } from '../src/limits/refusalHold';

describe('RefusalHold', () => {
  it('holds later ids behind the first refused one until it comes back, or until the grace after its retry time', () => {
    let now = 1000;
    const hold = new RefusalHold(5000, () => now);
    expect(hold.check('s1', 'a')).toEqual({ ok: true });
    hold.refused('s1', 'b', 100);
    hold.refused('s1', 'c', 300); // the first refusal holds; a later one does not move it
    now = 1040;
    expect(hold.check('s1', 'c')).toEqual({ ok: false, retryAfterMs: 60 });
    expect(hold.check('s2', 'z')).toEqual({ ok: true }); // another connection is not held
    expect(hold.check('s1', 'b')).toEqual({ ok: true }); // the refused one is back: the hold ends
    expect(hold.check('s1', 'c')).toEqual({ ok: true });
    hold.refused('s1', 'd', 100);
    now = 1040 + 100 + 5000;
    expect(hold.check('s1', 'e')).toEqual({ ok: true }); // d never came back: the hold lapsed
    hold.refused('s1', 'f', 100);
    hold.refused('s2', 'g', 100);
    hold.prune('s1');
    expect(hold.size).toBe(1);
  });
});

describe('ActionRateLimiter keeps a connection\'s commands in order across refusals', () => {
  it('a refill between two refusals does not let a later command of the batch overtake the refused one', () => {
    let now = 0;
    const limiter = new ActionRateLimiter({ publish: { perSecond: 10, burst: 1 } }, () => now);
    const order = (commandId: string, sessionId = 'sid-1') => ({ sessionId, commandId });
    expect(limiter.take('ann', 'publish', order('c1'))).toEqual({ ok: true });
    expect(limiter.take('ann', 'publish', order('c2'))).toEqual({ ok: false, retryAfterMs: 100 });
    now = 150; // a token refilled while the rest of the pipelined batch was being read
    expect(limiter.take('ann', 'publish', order('c3'))).toEqual({ ok: false, retryAfterMs: 1 });
    // Without a connection to order by, the bucket alone decides (it has a token).
    expect(new ActionRateLimiter({ publish: { perSecond: 10, burst: 1 } }, () => now).take('ann', 'publish')).toEqual({ ok: true });
    expect(limiter.take('ann', 'publish', order('c2'))).toEqual({ ok: true }); // c2's retry comes first
    now = 260;
    expect(limiter.take('ann', 'publish', order('c3'))).toEqual({ ok: true });
    // Another connection of the same user is not held by this one's refusals (the bucket is shared).
    expect(limiter.take('ann', 'publish', order('x1', 'sid-2'))).toEqual({ ok: false, retryAfterMs: 100 });
    now = 400;
    limiter.forgetSession('sid-2');
    expect(limiter.take('ann', 'publish', order('x9', 'sid-2'))).toEqual({ ok: true });
  });
});
