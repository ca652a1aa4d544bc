import { describe, expect, it } from 'vitest';
import { MemoryStore, type StoredEvent } from '../src';

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

  it('hands every reader its own copy of the data: mutating what was read does not rewrite history', async () => {
    const store = new MemoryStore();
    await store.append('r', { name: 'k:e', data: { tags: ['a'] }, at: 0 }, 10);
    const [first] = (await store.readAfter('r', 0)) as Array<{ data: { tags: string[] } }>;
    first!.data.tags.push('b');
    const [again] = (await store.readAfter('r', 0)) as Array<{ data: unknown }>;
    expect(again!.data).toEqual({ tags: ['a'] });
    expect({ ...again }).toMatchObject({ name: 'k:e', data: { tags: ['a'] } });
    expect(JSON.parse(JSON.stringify(again))).toMatchObject({ data: { tags: ['a'] } });
  });

  it('refuses data JSON cannot carry without using up a seq', async () => {
    const store = new MemoryStore();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.append('r', { name: 'k:e', data: cyclic, at: 0 }, 10)).rejects.toThrow();
    expect(await store.append('r', { name: 'k:e', data: 1, at: 0 }, 10)).toMatchObject({ seq: 1 });
  });

  it('hands out the same object for an event on every read (a join caches replayed frames by it), a copy of its data each time', async () => {
    const store = new MemoryStore();
    for (let i = 1; i <= 3; i++) await store.append('r', { name: 'k:e', data: { i }, at: i }, 10);
    const first = (await store.readAfter('r', 0)) as StoredEvent[];
    const again = (await store.readAfter('r', 1)) as StoredEvent[];
    expect(again[0]).toBe(first[1]);
    expect(again[1]).toBe(first[2]);
    expect(first.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(first[0]!.data).toEqual({ i: 1 });
    expect(first[0]!.data).not.toBe(first[0]!.data);
    await store.append('r', { name: 'k:e', data: { i: 4 }, at: 4 }, 3); // trims the first
    const after = (await store.readAfter('r', 1)) as StoredEvent[];
    expect(after.map((event) => event.seq)).toEqual([2, 3, 4]);
    expect(after[0]).toBe(first[1]);
  });

  it('counts an event object kept after its first read in the history bytes, once', async () => {
    const store = new MemoryStore();
    for (let i = 1; i <= 3; i++) await store.append('r', { name: 'k:e', data: { i }, at: i }, 10);
    const unread = store.stats().bytes;
    await store.readAfter('r', 1);
    const read = store.stats().bytes;
    expect(read).toBeGreaterThan(unread);
    await store.readAfter('r', 0);
    const perEvent = (read - unread) / 2;
    expect(store.stats().bytes).toBe(read + perEvent);
    await store.readAfter('r', 0);
    expect(store.stats().bytes).toBe(read + perEvent);
  });

  it('has a new epoch per instance', async () => {
    expect(await new MemoryStore().epoch()).not.toBe(await new MemoryStore().epoch());
  });

  it('keeps no command outcomes: the server keeps them, in its outcome budget', () => {
    const store = new MemoryStore();
    expect('getCommandResult' in store || 'saveCommandResult' in store).toBe(false);
  });
});

describe('MemoryStore bounds', () => {
  const ev = (n: number, text = '') => ({ name: 'demo:m', data: { n, text }, at: 0 });

  it('drops rooms idle past roomIdleMs (by its clock); a room in use stays', async () => {
    let now = 0;
    const store = new MemoryStore({ now: () => now, roomIdleMs: 1000 });
    await store.append('demo:idle', ev(1), 10);
    await store.append('demo:busy', ev(1), 10);
    now = 600;
    await store.append('demo:busy', ev(2), 10);
    now = 1200; // demo:idle unused for 1200 ms, demo:busy for 600 ms
    await store.append('demo:other', ev(1), 10);
    expect(store.stats()).toMatchObject({ rooms: 2, evictedRooms: { idle: 1, bytes: 0 } });
    expect((await store.head('demo:busy')).seq).toBe(2);
    expect((await store.head('demo:idle')).seq).toBe(0);
  });

  it('keeps the history under maxHistoryBytes by dropping the least recently used rooms', async () => {
    const store = new MemoryStore({ maxHistoryBytes: 20_000 });
    for (let r = 0; r < 50; r++) await store.append(`demo:r${r}`, ev(1, 'x'.repeat(900)), 10);
    const stats = store.stats();
    expect(stats.bytes).toBeLessThanOrEqual(20_000);
    expect(stats.rooms).toBeLessThan(50);
    expect(stats.evictedRooms.bytes).toBe(50 - stats.rooms);
    // The most recently used rooms are the ones kept.
    expect((await store.head('demo:r49')).seq).toBe(1);
    expect((await store.head('demo:r0')).seq).toBe(0);
  });

  it('a room read or appended to is used: the byte bound and idleness drop the rooms untouched longest first', async () => {
    let now = 0;
    const store = new MemoryStore({ maxHistoryBytes: 7_000, roomIdleMs: 1000, now: () => now });
    for (const room of ['demo:a', 'demo:b', 'demo:c']) await store.append(room, ev(1, 'x'.repeat(900)), 10);
    now = 100;
    await store.readAfter('demo:a', 1); // a is now the most recent (nothing read): b is the least
    await store.head('demo:c'); // then c: the order is b, a, c
    await store.append('demo:d', ev(1, 'x'.repeat(900)), 10);
    expect(store.stats().evictedRooms.bytes).toBe(1);
    expect((await store.head('demo:b')).seq).toBe(0);
    for (const room of ['demo:a', 'demo:c', 'demo:d']) expect((await store.head(room)).seq).toBe(1);
    // Idleness goes by the same order (the reads above used a, c and d at 100 again).
    now = 150;
    await store.head('demo:a'); // order: c, d, a
    now = 1120; // c and d unused for 1020 ms, a for 970
    await store.append('demo:e', ev(1), 10);
    expect(store.stats()).toMatchObject({ rooms: 2, evictedRooms: { idle: 2, bytes: 1 } });
    expect((await store.head('demo:a')).seq).toBe(1);
    expect((await store.head('demo:e')).seq).toBe(1);
  });

  it('a room alone over the bound keeps its newest events; older ones read as truncated', async () => {
    const store = new MemoryStore({ maxHistoryBytes: 5_000 });
    for (let i = 1; i <= 20; i++) await store.append('demo:big', ev(i, 'y'.repeat(900)), 100);
    expect(store.stats().bytes).toBeLessThanOrEqual(5_000);
    expect(await store.readAfter('demo:big', 0)).toBe('truncated');
    const tail = await store.readAfter('demo:big', 19);
    expect(tail).not.toBe('truncated');
    expect((tail as Array<{ seq: number }>).map((e) => e.seq)).toEqual([20]);
  });

  it('a dropped room starts again under a new epoch: an old position is never mistaken for the new numbering', async () => {
    const store = new MemoryStore({ maxHistoryBytes: 3_000 });
    for (let i = 1; i <= 3; i++) await store.append('demo:a', ev(i), 10);
    const before = await store.head('demo:a');
    for (let r = 0; r < 10; r++) await store.append(`demo:f${r}`, ev(1, 'z'.repeat(500)), 10);
    expect((await store.head('demo:a')).seq).toBe(0);
    await store.append('demo:a', ev(1), 10);
    const after = await store.head('demo:a');
    expect(after.seq).toBe(1);
    expect(after.epoch).not.toBe(before.epoch);
    // A room never dropped keeps the store's epoch.
    expect(before.epoch).toBe(await store.epoch());
  });
});
