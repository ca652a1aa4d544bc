import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index';

describe('MemoryStore', () => {
  it('numbers events per room from 1 and keeps a bounded history', async () => {
    const store = new MemoryStore();
    const epoch = await store.epoch();
    expect(await store.head('r')).toEqual({ epoch, seq: 0 });
    for (let i = 1; i <= 5; i++) expect(await store.append('r', { name: 'k:e', data: { i }, at: i }, 3)).toMatchObject({ epoch, seq: i });
    expect(await store.append('other', { name: 'k:e', data: null, at: 0 }, 3)).toMatchObject({ seq: 1 });
    expect(await store.head('r')).toEqual({ epoch, seq: 5 });
    expect((await store.readAfter('r', 2)) as unknown[]).toHaveLength(3);
    expect(await store.readAfter('r', 1)).toBe('truncated');
    expect(await store.readAfter('r', 5)).toEqual([]);
    expect(await store.readAfter('r', 9)).toEqual([]);
    expect(await store.readAfter('nothing', 0)).toEqual([]);
    const [fourth] = (await store.readAfter('r', 3)) as Array<{ seq: number; data: unknown }>;
    expect(fourth).toMatchObject({ seq: 4, data: { i: 4 } });
  });

  it('copies payloads so later mutation does not rewrite history', async () => {
    const store = new MemoryStore();
    const data = { n: 1 };
    await store.append('r', { name: 'k:e', data, at: 0 }, 10);
    data.n = 2;
    expect(((await store.readAfter('r', 0)) as Array<{ data: unknown }>)[0]!.data).toEqual({ n: 1 });
  });

  it('has a new epoch per instance', async () => {
    expect(await new MemoryStore().epoch()).not.toBe(await new MemoryStore().epoch());
  });

  it('expires command outcomes after their ttl', async () => {
    let now = 1000;
    const store = new MemoryStore(() => now);
    await store.saveCommandResult('k', { ok: true, data: 1 }, 100);
    expect(await store.getCommandResult('k')).toEqual({ ok: true, data: 1 });
    now = 1100;
    expect(await store.getCommandResult('k')).toBeUndefined();
  });
});
