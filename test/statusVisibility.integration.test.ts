// Who may watch `status:<user>` (online, lastSeen, agent status), tried by a signed-in
// stranger over a real socket: by default agents are visible to everyone and other users to
// themselves only; a contacts hook, 'everyone' and 'nobody' change that.
import type { SinyalServer } from '@sinyal/server';
import { afterEach, describe, expect, it } from 'vitest';
import { presenceFeature, type PresenceOptions } from '../packages/server/src/features/presence';
import { SECRET, startServer } from '../test-utils/harness';
import { rawClient, type RawClient, type RawFrame } from '../test-utils/rawClient';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function server(presence: PresenceOptions = {}): Promise<SinyalServer> {
  const s = await startServer({ features: [presenceFeature({ coalesceMs: 20, logger: null, activityAuth: 'publisher', ...presence })] });
  cleanups.push(() => s.close());
  return s;
}

async function client(s: SinyalServer, user: string, claims: Record<string, unknown> = {}): Promise<RawClient> {
  const c = await rawClient(s.url, SECRET, user, claims);
  cleanups.push(() => c.close());
  return c;
}

let joins = 0;
/** The answer to a join of `room`: `joined` (with its state) or a `nack`. */
async function tryJoin(c: RawClient, room: string): Promise<RawFrame> {
  const id = `status-join-${++joins}`;
  c.send({ t: 'join', id, room });
  return c.next((f) => f.id === id && (f.t === 'joined' || f.t === 'nack'));
}

describe('status visibility', () => {
  it("default ('agents'): a stranger cannot read a buyer's online state or lastSeen; anyone can see an agent; everyone sees themselves", async () => {
    const s = await server();
    await client(s, 'buyer-1'); // online: exactly what must not leak
    await client(s, 'agent-1', { role: 'agent' });
    const mallory = await client(s, 'mallory');

    const refused = await tryJoin(mallory, 'status:buyer-1');
    expect(refused).toMatchObject({ t: 'nack', code: 'forbidden' });
    expect(JSON.stringify(refused)).not.toContain('lastSeen');
    // A never-seen id answers the same: no way to tell who exists.
    expect(await tryJoin(mallory, 'status:nobody-by-that-name')).toMatchObject({ t: 'nack', code: 'forbidden' });

    expect(await tryJoin(mallory, 'status:agent-1')).toMatchObject({ t: 'joined', state: { userId: 'agent-1', online: true, agentStatus: 'online' } });
    expect(await tryJoin(mallory, 'status:mallory')).toMatchObject({ t: 'joined', state: { userId: 'mallory', online: true } });
  });

  it('contacts hook: users the hook allows (and agents) are visible, strangers are not', async () => {
    const contacts = new Set(['bob->alice', 'alice->bob']);
    const asked: string[] = [];
    const s = await server({
      statusVisibility: async (viewer, target) => {
        asked.push(`${viewer.id}->${target}`);
        return contacts.has(`${viewer.id}->${target}`);
      },
    });
    await client(s, 'alice');
    await client(s, 'agent-1', { role: 'agent' });
    const bob = await client(s, 'bob');
    const mallory = await client(s, 'mallory');
    expect(await tryJoin(bob, 'status:alice')).toMatchObject({ t: 'joined', state: { userId: 'alice', online: true } });
    expect(await tryJoin(mallory, 'status:alice')).toMatchObject({ t: 'nack', code: 'forbidden' });
    expect(await tryJoin(mallory, 'status:agent-1')).toMatchObject({ t: 'joined' });
    expect(asked).toEqual(['bob->alice', 'mallory->alice']); // agents and oneself need no hook
  });

  it("'everyone' shows every user (the old behaviour); 'nobody' hides agents too", async () => {
    const open = await server({ statusVisibility: 'everyone' });
    await client(open, 'buyer-1');
    expect(await tryJoin(await client(open, 'mallory'), 'status:buyer-1')).toMatchObject({ t: 'joined', state: { online: true } });

    const closed = await server({ statusVisibility: 'nobody' });
    await client(closed, 'agent-1', { role: 'agent' });
    const viewer = await client(closed, 'viewer');
    expect(await tryJoin(viewer, 'status:agent-1')).toMatchObject({ t: 'nack', code: 'forbidden' });
    expect(await tryJoin(viewer, 'status:viewer')).toMatchObject({ t: 'joined' });
    expect(() => presenceFeature({ activityAuth: 'publisher', statusVisibility: 'friends' as never })).toThrow(/statusVisibility/);
  });
});
