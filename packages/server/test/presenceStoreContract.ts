// What every PresenceStore must do (features/presence/store.ts), run against each
// implementation: memoryPresenceStore.test.ts (memory) and presenceStores.test.ts (Redis).
import { expect, it, type describe } from 'vitest';
import type { PresenceStore } from '../src/features/presence/store';

/** Registers the contract tests; `make` gives a fresh, empty store for each test. */
export function presenceStoreContract(describeFn: typeof describe, name: string, make: () => PresenceStore | Promise<PresenceStore>): void {
  describeFn(`${name}: PresenceStore contract`, () => {
    it('counts unique users per property; sessions are a set', async () => {
      const store = await make();
      expect(await store.addViewer('p', 'alice', 's1')).toBe(1);
      expect(await store.addViewer('p', 'alice', 's2')).toBe(1);
      expect(await store.addViewer('p', 'alice', 's2')).toBe(1);
      expect(await store.addViewer('p', 'bob', 's3')).toBe(2);
      expect(await store.addViewer('q', 'bob', 's3')).toBe(1);
      expect(await store.removeViewer('p', 'alice', 's1')).toBe(2);
      expect(await store.isViewing('p', 'alice')).toBe(true);
      expect(await store.removeViewer('p', 'alice', 's2')).toBe(1);
      expect(await store.removeViewer('p', 'alice', 's2')).toBe(1); // removing twice changes nothing
      expect(await store.isViewing('p', 'alice')).toBe(false);
      expect(await store.removeViewer('p', 'bob', 's3')).toBe(0);
      expect(await store.removeViewer('nowhere', 'bob', 's3')).toBe(0);
      expect(await store.viewerCount('q')).toBe(1);
      expect(await store.viewerCount('p')).toBe(0);
      expect(await store.isViewing('nowhere', 'bob')).toBe(false);
    });

    it('keeps user ids that look like separators apart', async () => {
      const store = await make();
      expect(await store.addViewer('p', 'a:b', 'c')).toBe(1);
      expect(await store.addViewer('p', 'a', 'b:c')).toBe(2);
      expect(await store.addViewer('p', '1:ü', 'x')).toBe(3);
      expect(await store.isViewing('p', 'a:b')).toBe(true);
      expect(await store.removeViewer('p', 'a', 'b:c')).toBe(2);
      expect(await store.isViewing('p', 'a:b')).toBe(true);
      expect(await store.isViewing('p', 'a')).toBe(false);
      expect(await store.removeViewer('p', '1:ü', 'x')).toBe(1);
    });

    it('concurrent adds and removes of different sessions never lose an update', async () => {
      const store = await make();
      const users = Array.from({ length: 15 }, (_, i) => `u${i}`);
      const adds = await Promise.all(users.flatMap((user) => [store.addViewer('p', user, `${user}-a`), store.addViewer('p', user, `${user}-b`)]));
      expect(Math.max(...adds)).toBe(15);
      expect(await store.viewerCount('p')).toBe(15);
      // Every second session goes; the first five users lose both.
      await Promise.all(users.map((user, i) => Promise.all([store.removeViewer('p', user, `${user}-a`), ...(i < 5 ? [store.removeViewer('p', user, `${user}-b`)] : [])])));
      expect(await store.viewerCount('p')).toBe(10);
    });

    it('tracks sessions per user, lastSeen, and an agent status kept across reconnects', async () => {
      const store = await make();
      expect(await store.getUser('budi')).toEqual({ sessions: 0, idleSessions: 0, lastSeen: null, agent: null });
      expect(await store.connectSession('budi', 's1', 100, true)).toEqual({ sessions: 1, idleSessions: 0, lastSeen: 100, agent: { status: 'online', availableAt: null } });
      expect((await store.connectSession('budi', 's2', 200, true)).lastSeen).toBe(100); // already online since 100
      await store.setAgentStatus('budi', 'busy', 5000);
      expect(await store.disconnectSession('budi', 's1', 300)).toMatchObject({ sessions: 1, lastSeen: 100 });
      expect(await store.disconnectSession('budi', 's2', 400)).toEqual({ sessions: 0, idleSessions: 0, lastSeen: 400, agent: { status: 'busy', availableAt: 5000 } });
      expect(await store.disconnectSession('budi', 's2', 500)).toMatchObject({ sessions: 0, lastSeen: 400 });
      expect(await store.connectSession('budi', 's3', 600, true)).toEqual({ sessions: 1, idleSessions: 0, lastSeen: 600, agent: { status: 'busy', availableAt: 5000 } });
      expect(await store.disconnectSession('ghost', 's9', 700)).toEqual({ sessions: 0, idleSessions: 0, lastSeen: null, agent: null });
      expect(await store.getUser('ghost')).toEqual({ sessions: 0, idleSessions: 0, lastSeen: null, agent: null });
      // A returned record is a copy: mutating it does not touch the store.
      const record = await store.getUser('budi');
      record.agent!.status = 'online';
      expect((await store.getUser('budi')).agent?.status).toBe('busy');
    });

    it('non-agents have no agent record; timestamps round-trip exactly', async () => {
      const store = await make();
      const at = 1_735_689_600_123;
      expect(await store.connectSession('sari', 's1', at, false)).toEqual({ sessions: 1, idleSessions: 0, lastSeen: at, agent: null });
      expect(await store.disconnectSession('sari', 's1', at + 987_654_321)).toEqual({ sessions: 0, idleSessions: 0, lastSeen: at + 987_654_321, agent: null });
      expect(await store.setAgentStatus('agus', 'busy', 9_007_199_254_740_991)).toEqual({
        sessions: 0,
        idleSessions: 0,
        lastSeen: null,
        agent: { status: 'busy', availableAt: 9_007_199_254_740_991 },
      });
      expect(await store.connectSession('agus', 's2', 1, true)).toMatchObject({ agent: { status: 'busy', availableAt: 9_007_199_254_740_991 } });
      expect(await store.setAgentStatus('agus', 'online', null)).toEqual({ sessions: 1, idleSessions: 0, lastSeen: 1, agent: { status: 'online', availableAt: null } });
    });

    it('flags sessions idle one by one: a set per session, only connected ones, gone with their session', async () => {
      const store = await make();
      await store.connectSession('dewi', 'laptop', 100, false);
      await store.connectSession('dewi', 'phone', 110, false);
      expect(await store.setSessionIdle('dewi', 'phone', true)).toEqual({ changed: true, record: { sessions: 2, idleSessions: 1, lastSeen: 100, agent: null } });
      expect(await store.setSessionIdle('dewi', 'phone', true)).toMatchObject({ changed: false, record: { idleSessions: 1 } }); // idempotent
      expect(await store.setSessionIdle('dewi', 'laptop', true)).toMatchObject({ changed: true, record: { sessions: 2, idleSessions: 2 } });
      expect(await store.setSessionIdle('dewi', 'laptop', false)).toMatchObject({ changed: true, record: { sessions: 2, idleSessions: 1 } });
      expect(await store.setSessionIdle('dewi', 'laptop', false)).toMatchObject({ changed: false, record: { idleSessions: 1 } });
      // Only a connected session can be flagged: not one that closed, nor one never seen.
      expect(await store.setSessionIdle('dewi', 'tablet', true)).toMatchObject({ changed: false, record: { sessions: 2, idleSessions: 1 } });
      expect(await store.setSessionIdle('ghost', 's1', true)).toEqual({ changed: false, record: { sessions: 0, idleSessions: 0, lastSeen: null, agent: null } });
      // The idle phone closes: its flag goes with it.
      expect(await store.disconnectSession('dewi', 'phone', 200)).toMatchObject({ sessions: 1, idleSessions: 0, lastSeen: 100 });
      expect(await store.setSessionIdle('dewi', 'phone', true)).toMatchObject({ changed: false, record: { sessions: 1, idleSessions: 0 } });
      await store.setSessionIdle('dewi', 'laptop', true);
      expect(await store.disconnectSession('dewi', 'laptop', 300)).toEqual({ sessions: 0, idleSessions: 0, lastSeen: 300, agent: null });
      // A new session starts active.
      expect(await store.connectSession('dewi', 'laptop-2', 400, false)).toMatchObject({ sessions: 1, idleSessions: 0 });
      expect(await store.getUser('dewi')).toMatchObject({ sessions: 1, idleSessions: 0, lastSeen: 400 });
    });

    it('concurrent idle flags of different sessions never lose an update', async () => {
      const store = await make();
      const sessions = Array.from({ length: 12 }, (_, i) => `s${i}`);
      await Promise.all(sessions.map((s) => store.connectSession('eka', s, 1, false)));
      const results = await Promise.all(sessions.map((s) => store.setSessionIdle('eka', s, true)));
      expect(results.every((r) => r.changed)).toBe(true);
      expect(Math.max(...results.map((r) => r.record.idleSessions))).toBe(12);
      await Promise.all(sessions.slice(0, 4).map((s) => store.setSessionIdle('eka', s, false)));
      expect(await store.getUser('eka')).toMatchObject({ sessions: 12, idleSessions: 8 });
    });

    it('counts activity once per actor per window, forgets old windows and never writes into an older one', async () => {
      const store = await make();
      expect(await store.recordActivity('wishlist', 'p', 'd:10', 'alice')).toBe(true);
      expect(await store.recordActivity('wishlist', 'p', 'd:10', 'alice')).toBe(false);
      expect(await store.recordActivity('wishlist', 'p', 'd:10', undefined)).toBe(true);
      expect(await store.recordActivity('wishlist', 'p', 'd:10', undefined)).toBe(true);
      expect(await store.recordActivity('viewing', 'p', 'w:1', 'alice')).toBe(true);
      expect(await store.activityCount('wishlist', 'p', 'd:10')).toBe(3);
      expect(await store.activityCount('wishlist', 'other', 'd:10')).toBe(0);
      expect(await store.activityCount('wishlist', 'p', 'd:11')).toBe(0);
      expect(await store.recordActivity('wishlist', 'p', 'd:11', 'alice')).toBe(true);
      expect(await store.recordActivity('wishlist', 'p', 'd:10', 'bob')).toBe(false); // the clock went back
      expect(await store.activityCount('wishlist', 'p', 'd:11')).toBe(1);
      expect(await store.activityCount('wishlist', 'p', 'd:10')).toBe(0);
      expect(await store.activityCount('viewing', 'p', 'w:1')).toBe(1); // other kinds keep their window
    });

    it('counts each actor once under concurrent calls', async () => {
      const store = await make();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.recordActivity('viewing', 'p', 'w:5', `u${i % 5}`)));
      expect(results.filter(Boolean)).toHaveLength(5);
      expect(await store.activityCount('viewing', 'p', 'w:5')).toBe(5);
    });
  });
}
