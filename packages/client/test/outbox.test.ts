import { afterEach, describe, expect, it, vi } from 'vitest';
import { SinyalError } from '../src/errors';
import { Outbox, PendingCommand, DEFAULT_OUTBOX } from '../src/outbox';
import { localStorageStorage, memoryStorage, type OutboxRecord } from '../src/outboxStorage';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(options: Partial<typeof DEFAULT_OUTBOX> & { storage?: ReturnType<typeof memoryStorage> } = {}) {
  const sent: string[] = [];
  const errors: unknown[] = [];
  let open = true;
  const outbox = new Outbox(
    { ...DEFAULT_OUTBOX, storage: memoryStorage(), ...options },
    (command) => {
      if (!open) return false;
      sent.push(command.id);
      return undefined;
    },
    (e) => errors.push(e),
  );
  const add = (id: string, createdAt = Date.now()) => outbox.add({ id, name: 'publish', data: { id }, createdAt }, open);
  return { outbox, sent, errors, add, setOpen: (value: boolean) => (open = value) };
}

describe('Outbox', () => {
  afterEach(() => vi.useRealTimers());

  it('holds commands while offline and flushes them in creation order', async () => {
    const { outbox, sent, add, setOpen } = setup();
    await outbox.ready;
    setOpen(false);
    const commands = ['a', 'b', 'c'].map((id) => add(id));
    expect(commands.map((c) => c.status)).toEqual(['queued', 'queued', 'queued']);
    expect(sent).toEqual([]);
    setOpen(true);
    outbox.flush();
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(commands.map((c) => c.status)).toEqual(['sent', 'sent', 'sent']);
    outbox.ack('b', { ok: 2 });
    expect(commands[1]!.status).toBe('acked');
    await expect(commands[1]!.done).resolves.toEqual({ ok: 2 });
    expect(outbox.getSnapshot().map((c) => c.id)).toEqual(['a', 'c']);
  });

  it('re-sends what was on the wire after a disconnect, with the same ids and order', async () => {
    const { outbox, sent, add, setOpen } = setup();
    await outbox.ready;
    add('a');
    add('b');
    setOpen(false);
    outbox.requeueSent();
    add('c');
    expect(outbox.getSnapshot().map((c) => c.status)).toEqual(['queued', 'queued', 'queued']);
    setOpen(true);
    outbox.flush();
    expect(sent).toEqual(['a', 'b', 'a', 'b', 'c']);
  });

  it('expires queued commands after the TTL and reports them as failed(expired)', async () => {
    vi.useFakeTimers({ now: 0 });
    const { outbox, add, setOpen } = setup({ ttlMs: 1000 });
    await outbox.ready;
    setOpen(false);
    const first = add('a');
    vi.advanceTimersByTime(500);
    const second = add('b');
    vi.advanceTimersByTime(501);
    expect(first.status).toBe('failed');
    expect(first.getSnapshot().error?.code).toBe('expired');
    await expect(first.done).rejects.toMatchObject({ code: 'expired' });
    expect(second.status).toBe('queued');
    vi.advanceTimersByTime(500);
    expect(second.getSnapshot().error?.code).toBe('expired');
    expect(outbox.size).toBe(0);
  });

  it('does not expire a command that is on the wire (its answer decides)', async () => {
    vi.useFakeTimers({ now: 0 });
    const { outbox, add } = setup({ ttlMs: 100 });
    await outbox.ready;
    const command = add('a');
    vi.advanceTimersByTime(1000);
    expect(command.status).toBe('sent');
    outbox.ack('a', null);
    expect(command.status).toBe('acked');
  });

  it('overflow "reject" fails the new command, visibly', async () => {
    const { outbox, add, setOpen } = setup({ maxSize: 2 });
    await outbox.ready;
    setOpen(false);
    add('a');
    add('b');
    const third = add('c');
    expect(third.status).toBe('failed');
    expect(third.getSnapshot().error?.code).toBe('overflow');
    expect(outbox.getSnapshot().map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('overflow "drop-oldest" fails the oldest queued command, visibly', async () => {
    const { outbox, add, setOpen } = setup({ maxSize: 2, overflow: 'drop-oldest' });
    await outbox.ready;
    setOpen(false);
    const first = add('a');
    add('b');
    const third = add('c');
    expect(third.status).toBe('queued');
    expect(first.status).toBe('failed');
    expect(first.getSnapshot().error?.code).toBe('overflow');
    expect(outbox.getSnapshot().map((c) => c.id)).toEqual(['b', 'c']);
  });

  it('persists pending commands and restores them, in order, in a new outbox', async () => {
    const storage = memoryStorage();
    const first = setup({ storage });
    await first.outbox.ready;
    first.setOpen(false);
    first.add('a');
    first.add('b');
    first.add('c');
    first.outbox.getSnapshot()[1]!.cancel();
    await settle(); // saves are serialised on a promise chain
    const saved = (await storage.load()) as OutboxRecord[];
    expect(saved.map((r) => r.id)).toEqual(['a', 'c']);

    const second = setup({ storage });
    second.add('d'); // created before the restore finished: waits, then goes after restored ones
    expect(second.sent).toEqual([]);
    await second.outbox.ready;
    second.outbox.flush();
    expect(second.sent).toEqual(['a', 'c', 'd']);
    expect(second.outbox.getSnapshot().map((c) => c.id)).toEqual(['a', 'c', 'd']);
    second.outbox.ack('a', 1);
    second.outbox.ack('c', 1);
    second.outbox.ack('d', 1);
    await settle();
    expect(await storage.load()).toEqual([]);
  });

  it('localStorageStorage round-trips records and survives a broken store', () => {
    const map = new Map<string, string>();
    const fake = {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    } as unknown as Storage;
    const storage = localStorageStorage('k', fake);
    const records: OutboxRecord[] = [{ id: 'x', name: 'publish', room: 'demo:a', data: { n: 1 }, createdAt: 5 }];
    storage.save(records);
    expect(storage.load()).toEqual(records);
    storage.save([]);
    expect(map.has('k')).toBe(false);
    map.set('k', '{not json');
    expect(storage.load()).toEqual([]);
    const throwing = localStorageStorage('k', { setItem() { throw new Error('quota'); }, getItem() { throw new Error('denied'); } } as unknown as Storage);
    expect(() => throwing.save(records)).not.toThrow();
    expect(throwing.load()).toEqual([]);
  });

  it('re-queues rate-limited commands and sends them again after retryAfterMs', async () => {
    vi.useFakeTimers({ now: 0 });
    const { outbox, sent, add } = setup();
    await outbox.ready;
    const command = add('a');
    outbox.nack('a', new SinyalError('rate_limited', 'slow down', 200), () => outbox.flush());
    expect(command.status).toBe('queued');
    vi.advanceTimersByTime(199);
    expect(sent).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['a', 'a']);
    outbox.nack('a', new SinyalError('forbidden', 'no'), () => {});
    expect(command.status).toBe('failed');
    await expect(command.done).rejects.toBeInstanceOf(SinyalError);
  });

  it('a listener that throws is reported and does not break the outbox', async () => {
    const { outbox, add, errors } = setup();
    await outbox.ready;
    outbox.subscribe(() => {
      throw new Error('boom');
    });
    const command: PendingCommand = add('a');
    expect(command.status).toBe('sent');
    expect(errors.length).toBeGreaterThan(0);
  });
});
