// Rights taken away live: server.revoke(room, user) and server.disconnectUser(user), on one
// node and across nodes on Redis, with real clients; plus the per-join replay cap and join rate.
import type { SinyalServer } from '@sinyal/server';
import { describe, expect, it } from 'vitest';
import { connect, record, SECRET, startServer, until } from '../test-utils/harness';
import { rawClient } from '../test-utils/rawClient';
import { redisTestScope } from '../test-utils/redis';

const redisTest = await redisTestScope();
const { cleanup } = redisTest;

/** Who may join `club:*` rooms: changed by the tests to revoke. */
const members = new Set<string>();

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<SinyalServer> {
  const s = await startServer({
    rooms: {
      demo: { publish: ['demo:message'], history: 1000 },
      club: { authorize: ({ user }) => members.has(user.id), publish: ['demo:message'] },
    },
    ...options,
  });
  cleanup(() => s.close());
  return s;
}
async function redisNode(): Promise<SinyalServer> {
  const store = redisTest.node();
  return server({ store });
}
const client = (...args: Parameters<typeof connect>) => redisTest.closeAfter(connect(...args));

describe('revoke', () => {
  it('a revoked member gets left with the reason, receives nothing more, and is refused on resume', async () => {
    members.clear();
    members.add('alice').add('bob');
    const s = await server();
    const alice = record(client(s.url, 'alice'), 'club:1');
    const bob = record(client(s.url, 'bob'), 'club:1');
    await until(() => alice.room.getSnapshot().status === 'joined' && bob.room.getSnapshot().status === 'joined');
    await s.publish('club:1', 'demo:message', { from: 'srv', n: 1 });
    await until(() => alice.items.length === 1 && bob.items.length === 1);

    members.delete('bob');
    await s.revoke('club:1', 'bob', 'removed from the club');
    await until(() => bob.room.getSnapshot().status === 'error');
    expect(bob.room.getSnapshot().error).toMatchObject({ code: 'forbidden', message: 'removed from the club' });
    expect(s.localMembers('club:1')).toBe(1);
    await s.publish('club:1', 'demo:message', { from: 'srv', n: 2 });
    await until(() => alice.items.length === 2);
    expect(bob.items).toHaveLength(1);

    // A resume (a re-join from its last position, as after a reconnect) asks authorize again.
    const raw = await rawClient(s.url, SECRET, 'bob');
    cleanup(() => raw.close());
    const head = await s.store.head('club:1');
    raw.send({ t: 'join', id: 'again', room: 'club:1', from: { epoch: head.epoch, seq: 1 } });
    expect(await raw.next((f) => f.id === 'again')).toMatchObject({ t: 'nack', code: 'forbidden' });
    expect(s.localMembers('club:1')).toBe(1);
  });

  it('disconnectUser closes every connection of the user (all tabs) and no one else', async () => {
    const s = await server();
    const tabs = [await rawClient(s.url, SECRET, 'mallory'), await rawClient(s.url, SECRET, 'mallory')];
    const other = await rawClient(s.url, SECRET, 'alice');
    cleanup(() => [...tabs, other].forEach((c) => c.close()));
    expect(s.connections()).toBe(3);
    await s.disconnectUser('mallory', { code: 4001, reason: 'banned' });
    await until(() => s.connections() === 1);
    other.send({ t: 'ping', ts: 1 });
    expect(await other.next((f) => f.t === 'pong')).toMatchObject({ ts: 1 });
  });

  it('a join already past authorize when the revocation arrives is refused, not left in the room', async () => {
    let letIn: () => void = () => {};
    const s = await server({
      rooms: { vip: { authorize: () => new Promise<boolean>((resolve) => (letIn = () => resolve(true))) } },
    });
    const raw = await rawClient(s.url, SECRET, 'bob');
    cleanup(() => raw.close());
    raw.send({ t: 'join', id: 'slow', room: 'vip:1' });
    await until(() => typeof letIn === 'function' && letIn.length === 0 && s.connections() === 1);
    await new Promise((r) => setTimeout(r, 20)); // authorize is running
    await s.revoke('vip:1', 'bob');
    letIn(); // the (stale) answer arrives after the revocation
    expect(await raw.next((f) => f.id === 'slow')).toMatchObject({ t: 'nack', code: 'forbidden' });
    expect(s.localMembers('vip:1')).toBe(0);
  });

  it('rejects a malformed room or close code', async () => {
    const s = await server();
    await expect(s.revoke('no-colon', 'bob')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(s.disconnectUser('bob', { code: 1006 })).rejects.toThrow(/code must be/);
  });
});

redisTest.describe('revoke and disconnectUser across nodes (Redis)', () => {
  it('a revoke called on node A removes the member connected to node B; disconnectUser on B closes the user on A', async () => {
    members.clear();
    members.add('alice').add('bob');
    const [a, b] = [await redisNode(), await redisNode()];
    const alice = record(client(a.url, 'alice'), 'club:x');
    const bob = record(client(b.url, 'bob'), 'club:x');
    await until(() => alice.room.getSnapshot().status === 'joined' && bob.room.getSnapshot().status === 'joined');

    members.delete('bob');
    await a.revoke('club:x', 'bob');
    await until(() => bob.room.getSnapshot().status === 'error');
    expect(b.localMembers('club:x')).toBe(0);
    expect(a.localMembers('club:x')).toBe(1);

    // A raw connection (no automatic reconnect) of carol's on node A, closed from node B.
    const carol = await rawClient(a.url, SECRET, 'carol');
    cleanup(() => carol.close());
    const onA = a.connections();
    await b.disconnectUser('carol', { reason: 'account closed' });
    await until(() => a.connections() === onA - 1);
    expect(alice.room.getSnapshot().status).toBe('joined');
  });
});

describe('joins cost what they read', () => {
  it('a resume that would replay more than maxReplayBytes is answered with a reset instead', async () => {
    const s = await server({ limits: { maxReplayBytes: 20_000 } });
    for (let n = 1; n <= 100; n++) await s.publish('demo:big', 'demo:message', { from: 'srv', n, text: 'x'.repeat(500) });
    const raw = await rawClient(s.url, SECRET, 'mallory');
    cleanup(() => raw.close());
    const head = await s.store.head('demo:big');
    raw.send({ t: 'join', id: 'all', room: 'demo:big', from: { epoch: head.epoch, seq: 0 } });
    expect(await raw.next((f) => f.t === 'joined')).toMatchObject({ resumed: false, seq: 100 });
    expect(await raw.next((f) => f.t === 'reset')).toMatchObject({ reason: 'history_truncated' });
    expect(raw.frames.filter((f) => f.t === 'event')).toHaveLength(0);
    // A small resume still replays exactly.
    raw.send({ t: 'join', id: 'tail', room: 'demo:big', from: { epoch: head.epoch, seq: 95 } });
    expect(await raw.next((f) => f.t === 'joined' && f.id === 'tail')).toMatchObject({ resumed: true, seq: 95 });
    await until(() => raw.frames.filter((f) => f.t === 'event').length === 5);
  });

  it("a user's replays share a byte budget: once it is spent, resumes get a reset without their events being read", async () => {
    const s = await server({ limits: { replayBytesPerSecond: 50_000, maxReplayBytes: 100_000, joinsPerSecond: 1000, joinBurst: 1000 } });
    for (let n = 1; n <= 20; n++) await s.publish('demo:long', 'demo:message', { from: 'srv', n, text: 'y'.repeat(4000) });
    const head = await s.store.head('demo:long');
    const raw = await rawClient(s.url, SECRET, 'mallory');
    cleanup(() => raw.close());
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      raw.send({ t: 'join', id: `r${i}`, room: 'demo:long', from: { epoch: head.epoch, seq: 0 } });
      const joined = await raw.next((f) => f.t === 'joined' && f.id === `r${i}`);
      answers.push(joined.resumed ? 'replayed' : 'reset');
    }
    // The burst (2 × 50 KB) pays for one replay of ~80 KB; then resets until the budget refills.
    expect(answers[0]).toBe('replayed');
    expect(answers.slice(1)).toContain('reset');
    // Another user has a budget of their own.
    const other = await rawClient(s.url, SECRET, 'bob');
    cleanup(() => other.close());
    other.send({ t: 'join', id: 'b', room: 'demo:long', from: { epoch: head.epoch, seq: 0 } });
    expect(await other.next((f) => f.t === 'joined')).toMatchObject({ resumed: true });
  });

  it('joins are rate limited per user: a replay-join loop is refused rate_limited with retryAfterMs', async () => {
    const s = await server({ limits: { joinsPerSecond: 2, joinBurst: 5, messagesPerSecond: 1000, burst: 1000 } });
    const raw = await rawClient(s.url, SECRET, 'mallory');
    cleanup(() => raw.close());
    for (let i = 0; i < 20; i++) raw.send({ t: 'join', id: `j${i}`, room: 'demo:lobby', from: { epoch: 'x', seq: 0 } });
    await until(() => raw.frames.filter((f) => f.t === 'joined' || f.t === 'nack').length === 20);
    const limited = raw.frames.filter((f) => f.t === 'nack' && f.code === 'rate_limited');
    expect(limited.length).toBeGreaterThanOrEqual(14);
    expect(limited[0]).toMatchObject({ retryAfterMs: expect.any(Number) });
  });
});
