import { afterEach, describe, expect, it, vi } from 'vitest';
import { SinyalError } from '../src/errors';
import { Outbox, PendingCommand, DEFAULT_OUTBOX, type OutboxOptions } from '../src/outbox';
import { localStorageStorage, memoryStorage, type OutboxRecord } from '../src/outboxStorage';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(options: Partial<OutboxOptions> = {}) {
  const sent: string[] = [];
  const errors: unknown[] = [];
  let open = true;
  const outbox = new Outbox(
    { ...DEFAULT_OUTBOX, storage: memoryStorage(), user: 'u1', ...options },
    (command) => {
      if (!open) return false;
      sent.push(command.id);
      return undefined;
    },
    (e) => errors.push(e),
  );
  const add = (id: string, createdAt = Date.now(), room?: string) => outbox.add({ id, name: 'publish', data: { id }, createdAt, ...(room === undefined ? {} : { room }) });
  return { outbox, sent, errors, add, setOpen: (value: boolean) => (open = value) };
}

/** Lets the outbox finish restoring its user's persisted commands (a few promise turns; the test storages answer synchronously). */
async function restored(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('Outbox', () => {
  afterEach(() => vi.useRealTimers());

  it('holds commands while offline and flushes them in creation order', async () => {
    const { outbox, sent, add, setOpen } = setup();
    await restored();
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
    await restored();
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
    await restored();
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
    await restored();
    const command = add('a');
    vi.advanceTimersByTime(1000);
    expect(command.status).toBe('sent');
    outbox.ack('a', null);
    expect(command.status).toBe('acked');
  });

  it('overflow "reject" fails the new command, visibly', async () => {
    const { outbox, add, setOpen } = setup({ maxSize: 2 });
    await restored();
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
    await restored();
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
    await restored();
    first.setOpen(false);
    first.add('a');
    first.add('b');
    first.add('c');
    first.outbox.getSnapshot()[1]!.cancel();
    await settle(); // saves are serialised on a promise chain
    const saved = (await storage.load('u1')) as OutboxRecord[];
    expect(saved.map((r) => r.id)).toEqual(['a', 'c']);

    const second = setup({ storage });
    second.add('d'); // created before the restore finished: waits, then goes after restored ones
    expect(second.sent).toEqual([]);
    await restored();
    second.outbox.flush();
    expect(second.sent).toEqual(['a', 'c', 'd']);
    expect(second.outbox.getSnapshot().map((c) => c.id)).toEqual(['a', 'c', 'd']);
    second.outbox.ack('a', 1);
    second.outbox.ack('c', 1);
    second.outbox.ack('d', 1);
    await settle();
    expect(await storage.load('u1')).toEqual([]);
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
    storage.save(records, 'u1');
    expect(storage.load('u1')).toEqual(records);
    storage.save([], 'u1');
    expect(map.has('k:u1')).toBe(false);
    map.set('k:u1', '{not json');
    expect(storage.load('u1')).toEqual([]);
    const throwing = localStorageStorage('k', { setItem() { throw new Error('quota'); }, getItem() { throw new Error('denied'); } } as unknown as Storage);
    expect(() => throwing.save(records, 'u1')).not.toThrow();
    expect(throwing.load('u1')).toEqual([]);
  });

  it('re-queues rate-limited commands and sends them again after retryAfterMs', async () => {
    vi.useFakeTimers({ now: 0 });
    const { outbox, sent, add } = setup();
    await restored();
    const command = add('a');
    outbox.nack('a', new SinyalError('rate_limited', 'slow down', 200));
    expect(command.status).toBe('queued');
    vi.advanceTimersByTime(199);
    expect(sent).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['a', 'a']);
    outbox.nack('a', new SinyalError('forbidden', 'no'));
    expect(command.status).toBe('failed');
    await expect(command.done).rejects.toBeInstanceOf(SinyalError);
  });

  it('a retry whose timer fires before Date.now() reaches the pause is re-armed, not lost', async () => {
    // Timers run on the loop's clock, Date.now() on the system's: they may disagree by a
    // few ms, and a later refusal moves the pause further than an earlier timer reaches.
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout'] });
    let clock = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const { outbox, sent, add } = setup();
    await restored();
    const [a, b] = [add('a'), add('b')];
    outbox.nack('a', new SinyalError('rate_limited', 'slow down', 100));
    clock = 5; // the second refusal is read 5 ms later: the pause now ends at 105
    outbox.nack('b', new SinyalError('rate_limited', 'slow down', 100));
    clock = 103; // both timers fire (timer time 100) while Date.now() says 103
    vi.advanceTimersByTime(100);
    expect(sent).toEqual(['a', 'b']);
    clock = 110;
    vi.advanceTimersByTime(10);
    expect(sent).toEqual(['a', 'b', 'a']); // after a rate limit: one at a time
    expect(a.status).toBe('sent');
    outbox.ack('a', null);
    clock = 300;
    vi.advanceTimersByTime(200);
    expect(sent).toEqual(['a', 'b', 'a', 'b']);
    outbox.ack('b', null);
    expect([a.status, b.status]).toEqual(['acked', 'acked']);
    vi.restoreAllMocks();
  });

  it('after a rate limit, retries go one at a time at the pace the server taught, not the whole queue at once', async () => {
    vi.useFakeTimers({ now: 0 });
    const { outbox, sent, add } = setup();
    await restored();
    const ids = Array.from({ length: 12 }, (_, i) => `c${i}`);
    for (const id of ids) add(id);
    // The server's bucket held 4 tokens and refills one per 100 ms.
    for (const id of ids.slice(0, 4)) outbox.ack(id, null);
    for (const id of ids.slice(4)) outbox.nack(id, new SinyalError('rate_limited', 'slow down', 100));
    expect(sent).toEqual(ids); // all within the first window
    const before = sent.length;
    vi.advanceTimersByTime(99);
    expect(sent.length).toBe(before);
    vi.advanceTimersByTime(1);
    expect(sent.slice(before)).toEqual(['c4']); // one, not eight
    vi.advanceTimersByTime(5);
    expect(sent.slice(before)).toEqual(['c4']); // waits for its answer
    outbox.ack('c4', null); // at t=105: accepted
    vi.advanceTimersByTime(94);
    expect(sent.slice(before)).toEqual(['c4']); // the next token comes 100 ms after an accepted send (t=100)
    vi.advanceTimersByTime(1);
    expect(sent.slice(before)).toEqual(['c4', 'c5']);
    // Sent a little early anyway: refused with a short wait, it goes again after it, alone.
    outbox.nack('c5', new SinyalError('rate_limited', 'slow down', 20));
    vi.advanceTimersByTime(20);
    expect(sent.slice(before)).toEqual(['c4', 'c5', 'c5']);
    for (const id of ids.slice(5)) {
      outbox.ack(id, null);
      vi.advanceTimersByTime(200);
    }
    expect(sent.slice(before)).toEqual(['c4', 'c5', 'c5', ...ids.slice(6)]);
    expect(outbox.size).toBe(0);
  });

  it('a transient refusal (retryAfterMs on a final code) is retried, and expires like a command never sent', async () => {
    vi.useFakeTimers({ now: 0 });
    const { outbox, sent, add } = setup({ ttlMs: 4500 });
    await restored();
    const command = add('a');
    outbox.nack('a', new SinyalError('forbidden', 'join demo:x before publishing to it', 1000));
    expect(command.status).toBe('queued');
    vi.advanceTimersByTime(999);
    expect(sent).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['a', 'a']);
    for (let i = 0; i < 3; i++) {
      outbox.nack('a', new SinyalError('forbidden', 'join demo:x before publishing to it', 1000));
      vi.advanceTimersByTime(1000);
    }
    outbox.nack('a', new SinyalError('forbidden', 'join demo:x before publishing to it', 1000));
    vi.advanceTimersByTime(500); // t = 4500: the TTL, counted from creation
    expect(command.status).toBe('failed');
    expect(command.getSnapshot().error?.code).toBe('expired');
  });

  it('keeps each user\'s commands apart: B never loads (or sends) what A left queued', async () => {
    const map = new Map<string, string>();
    const storage = localStorageStorage('sinyal:outbox', {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
    } as unknown as Storage);
    const alice = setup({ storage, user: 'alice' });
    await restored();
    alice.setOpen(false);
    alice.add('a1');
    alice.add('a2');
    await settle();
    const bob = setup({ storage, user: 'bob' });
    await restored();
    bob.add('b1');
    expect(bob.sent).toEqual(['b1']);
    expect(bob.outbox.getSnapshot().map((c) => c.id)).toEqual(['b1']);
    // The same outbox, told that another user is now signed in (the token changed hands), sends nothing.
    expect(alice.outbox.signedIn('bob')).toBe(false);
    expect(alice.outbox.signedIn('alice')).toBe(true);
    expect((await storage.load('alice')).map((r) => r.id)).toEqual(['a1', 'a2']); // kept for Alice
    const later = setup({ storage, user: 'alice' });
    await restored();
    expect(later.sent).toEqual(['a1', 'a2']);
  });

  it('a listener that throws is reported and does not break the outbox', async () => {
    const { outbox, add, errors } = setup();
    await restored();
    outbox.subscribe(() => {
      throw new Error('boom');
    });
    const command: PendingCommand = add('a');
    expect(command.status).toBe('sent');
    expect(errors.length).toBeGreaterThan(0);
  });
});
