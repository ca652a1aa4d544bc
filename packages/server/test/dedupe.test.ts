import { describe, expect, it } from 'vitest';
import { Deduper } from '../src/commands/dedupe';
import { silentLogger } from '../src/ops/logger';
import { DEFAULT_LIMITS, MemoryStore, type CommandOutcome, type Store } from '../src';

const limits = { maxOutcomeBytes: 1000, outcomeBytesPerUser: 3000, outcomeBytesTotal: 5000 };

/** A command that counts its runs and answers `outcome`, after `gate` if given. */
function command(outcome: CommandOutcome, gate?: Promise<void>) {
  const counted = {
    runs: 0,
    execute: async (): Promise<CommandOutcome> => {
      counted.runs++;
      await gate;
      return outcome;
    },
  };
  return counted;
}

describe('Deduper with a store that keeps no outcomes (MemoryStore)', () => {
  it('answers a repeat of a key with the first outcome, without running it again', async () => {
    const deduper = new Deduper(new MemoryStore(), 60_000, silentLogger, limits);
    const cmd = command({ ok: true, data: { seq: 1 } });
    expect(await deduper.run('u', 'k', cmd.execute)).toEqual({ ok: true, data: { seq: 1 } });
    expect(await deduper.run('u', 'k', cmd.execute)).toEqual({ ok: true, data: { seq: 1 } });
    expect(cmd.runs).toBe(1);
    expect(deduper.stats()).toMatchObject({ entries: 1 });
  });

  it('a repeat while the first still runs waits for it and is told it waited', async () => {
    const deduper = new Deduper(new MemoryStore(), 60_000, silentLogger, limits);
    let open!: () => void;
    const cmd = command({ ok: true }, new Promise<void>((resolve) => (open = resolve)));
    let waited = 0;
    const first = deduper.run('u', 'k', cmd.execute);
    const second = deduper.run('u', 'k', cmd.execute, () => waited++);
    open();
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    expect(cmd.runs).toBe(1);
    expect(waited).toBe(1);
  });

  it('duplicates of commands in flight together each wait for their own first run, before and after the others end', async () => {
    const deduper = new Deduper(new MemoryStore(), 60_000, silentLogger, limits);
    const gates = new Map<string, () => void>();
    const cmds = new Map(['a', 'b', 'c'].map((k) => [k, command({ ok: true, data: k }, new Promise<void>((resolve) => gates.set(k, resolve)))]));
    const run = (k: string, onWait?: () => void) => deduper.run('u', k, cmds.get(k)!.execute, onWait);
    let waited = 0;
    const a = run('a');
    const b = run('b');
    gates.get('a')!();
    expect(await a).toEqual({ ok: true, data: 'a' });
    // 'a' has ended while 'b' still runs: a duplicate of 'b' still finds it running.
    const b2 = run('b', () => waited++);
    gates.get('b')!();
    expect(await Promise.all([b, b2])).toEqual([{ ok: true, data: 'b' }, { ok: true, data: 'b' }]);
    // Nothing runs now; a command started after that is found running too.
    const c = run('c');
    const c2 = run('c', () => waited++);
    gates.get('c')!();
    expect(await Promise.all([c, c2])).toEqual([{ ok: true, data: 'c' }, { ok: true, data: 'c' }]);
    expect([...cmds.values()].map((cmd) => cmd.runs)).toEqual([1, 1, 1]);
    expect(waited).toBe(2);
    expect(deduper.stats()).toMatchObject({ entries: 3 });
  });

  it('runs a retry again after a retryable failure or a transient refusal, not after a final refusal', async () => {
    const deduper = new Deduper(new MemoryStore(), 60_000, silentLogger, limits);
    for (const outcome of [
      { ok: false, code: 'unavailable', msg: 'x' },
      { ok: false, code: 'forbidden', msg: 'join first', transient: true },
    ] as CommandOutcome[]) {
      const cmd = command(outcome);
      const key = `retry-${outcome.ok ? '' : outcome.code}`;
      await deduper.run('u', key, cmd.execute);
      await deduper.run('u', key, cmd.execute);
      expect(cmd.runs).toBe(2);
    }
    const refused = command({ ok: false, code: 'forbidden', msg: 'no' });
    await deduper.run('u', 'final', refused.execute);
    expect(await deduper.run('u', 'final', refused.execute)).toEqual({ ok: false, code: 'forbidden', msg: 'no' });
    expect(refused.runs).toBe(1);
  });

  it('keeps outcomes within the budget: past it the oldest retry runs again', async () => {
    const deduper = new Deduper(new MemoryStore(), 60_000, silentLogger, limits);
    const cmd = command({ ok: true, data: 'a'.repeat(400) });
    for (let i = 0; i < 20; i++) await deduper.run('u', `k${i}`, cmd.execute);
    expect(deduper.stats()!.bytes).toBeLessThanOrEqual(limits.outcomeBytesPerUser);
    await deduper.run('u', 'k19', cmd.execute);
    expect(cmd.runs).toBe(20);
    await deduper.run('u', 'k0', cmd.execute);
    expect(cmd.runs).toBe(21);
  });

  it('what is remembered belongs to the store instance: a server started again with it answers retries from before', async () => {
    const store = new MemoryStore();
    const cmd = command({ ok: true, data: 1 });
    await new Deduper(store, 60_000, silentLogger, limits).run('u', 'k', cmd.execute);
    expect(await new Deduper(store, 60_000, silentLogger, limits).run('u', 'k', cmd.execute)).toEqual({ ok: true, data: 1 });
    expect(cmd.runs).toBe(1);
    await new Deduper(new MemoryStore(), 60_000, silentLogger, limits).run('u', 'k', cmd.execute);
    expect(cmd.runs).toBe(2);
  });

  it('without limits uses the default bounds', () => {
    const deduper = new Deduper(new MemoryStore(), 60_000, silentLogger);
    expect(deduper.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect(DEFAULT_LIMITS.outcomeBytesTotal).toBeGreaterThan(0);
  });
});

describe('Deduper with a store that keeps outcomes', () => {
  /** A store keeping outcomes in a map (as a networked store would, elsewhere). */
  function keepingStore() {
    const saved = new Map<string, string>();
    const store = Object.assign(new MemoryStore(), {
      saved,
      async getCommandResult(key: string): Promise<CommandOutcome | undefined> {
        const json = saved.get(key);
        return json === undefined ? undefined : (JSON.parse(json) as CommandOutcome);
      },
      async saveCommandResult(key: string, outcome: CommandOutcome, _ttl: number, json?: string): Promise<void> {
        saved.set(key, json ?? JSON.stringify(outcome));
      },
      async forgetCommandResult(key: string): Promise<void> {
        saved.delete(key);
      },
    });
    return store;
  }

  it('saves the outcome in the store and answers a repeat from it (also a second node on the same store)', async () => {
    const store = keepingStore();
    const cmd = command({ ok: true, data: 1 });
    await new Deduper(store, 60_000, silentLogger, limits).run('u', 'k', cmd.execute);
    expect(JSON.parse(store.saved.get('1:u:k')!)).toEqual({ ok: true, data: 1 });
    expect(await new Deduper(store, 60_000, silentLogger, limits).run('u', 'k', cmd.execute)).toEqual({ ok: true, data: 1 });
    expect(cmd.runs).toBe(1);
  });

  it('has the store forget what the budget forgets', async () => {
    const store = keepingStore();
    const deduper = new Deduper(store, 60_000, silentLogger, limits);
    const cmd = command({ ok: true, data: 'a'.repeat(400) });
    for (let i = 0; i < 20; i++) await deduper.run('u', `k${i}`, cmd.execute);
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.saved.has('1:u:k0')).toBe(false);
    expect(store.saved.has('1:u:k19')).toBe(true);
  });

  it('refuses a store with only one of getCommandResult and saveCommandResult', () => {
    const half = Object.assign(new MemoryStore(), { getCommandResult: async () => undefined }) as Store;
    expect(() => new Deduper(half, 60_000, silentLogger, limits)).toThrow(TypeError);
  });
});
