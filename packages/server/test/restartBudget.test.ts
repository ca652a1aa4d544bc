import { describe, expect, it } from 'vitest';
import { RestartBudget } from '../src/cli/restartBudget';

describe('RestartBudget (worker restarts of sinyal-server --workers)', () => {
  it('lets `max` restarts through at once, then spaces the rest so no window holds more than `max`', () => {
    const budget = new RestartBudget(3, 60_000);
    expect([budget.take(0), budget.take(1_000), budget.take(2_000)]).toEqual([0, 0, 0]);
    expect(budget.take(3_000)).toBe(57_000); // at 60 s, when the first leaves the window
    expect(budget.take(3_000)).toBe(58_000); // at 61 s
    expect(budget.take(70_000)).toBe(0); // the window (10 s, 70 s] holds only the ones at 60 s and 61 s
    expect(budget.take(70_000)).toBe(50_000); // now 60, 61 and 70 s: the next at 120 s
  });

  it('forgets restarts older than the window', () => {
    const budget = new RestartBudget(1, 1_000);
    expect(budget.take(0)).toBe(0);
    expect(budget.take(500)).toBe(500);
    expect(budget.take(5_000)).toBe(0);
  });
});
