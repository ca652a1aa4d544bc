// The merge rule of a user's presence over their connections (features/presence/userPresence.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presenceStatusOf } from '../src/features/presence/presenceContext';
import { userPresenceOf } from '../src/features/presence/userPresence';

describe('userPresenceOf', () => {
  it('online if any connection is active, away if all are idle, offline if none is open', () => {
    expect(userPresenceOf({ sessions: 0, idleSessions: 0 })).toBe('offline');
    expect(userPresenceOf({ sessions: 1, idleSessions: 0 })).toBe('online');
    expect(userPresenceOf({ sessions: 1, idleSessions: 1 })).toBe('away');
    expect(userPresenceOf({ sessions: 2, idleSessions: 1 })).toBe('online'); // one idle tab, one active
    expect(userPresenceOf({ sessions: 2, idleSessions: 2 })).toBe('away');
    expect(userPresenceOf({ sessions: 5, idleSessions: 4 })).toBe('online');
  });

  it('holds for any number of connections', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 20 }), (idleFlags) => {
        const presence = userPresenceOf({ sessions: idleFlags.length, idleSessions: idleFlags.filter(Boolean).length });
        const expected = idleFlags.length === 0 ? 'offline' : idleFlags.every(Boolean) ? 'away' : 'online';
        expect(presence).toBe(expected);
      }),
    );
  });
});

describe('presenceStatusOf', () => {
  it('keeps `online` true while away, and an agent their chosen status', () => {
    const agent = { status: 'busy' as const, availableAt: 5000 };
    expect(presenceStatusOf('budi', { sessions: 2, idleSessions: 2, lastSeen: 100, agent })).toEqual({
      userId: 'budi',
      online: true,
      presence: 'away',
      lastSeen: 100,
      agentStatus: 'busy',
      availableAt: 5000,
    });
    expect(presenceStatusOf('budi', { sessions: 2, idleSessions: 1, lastSeen: 100, agent: null })).toMatchObject({ online: true, presence: 'online', agentStatus: null });
    expect(presenceStatusOf('budi', { sessions: 0, idleSessions: 0, lastSeen: 300, agent })).toMatchObject({ online: false, presence: 'offline', agentStatus: 'offline', availableAt: null });
  });
});
