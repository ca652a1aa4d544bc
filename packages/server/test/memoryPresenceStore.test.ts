import { describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../src/features/presence/memoryPresenceStore';
import { socialProofWindows } from '../src/features/presence/socialProofWindows';

describe('MemoryPresenceStore', () => {
  it('counts unique users per property; sessions are a set', async () => {
    const store = new MemoryPresenceStore();
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
  });

  it('tracks sessions per user, lastSeen, and an agent status kept across reconnects', async () => {
    const store = new MemoryPresenceStore();
    expect(await store.getUser('budi')).toEqual({ sessions: 0, lastSeen: null, agent: null });
    expect(await store.connectSession('budi', 's1', 100, true)).toEqual({ sessions: 1, lastSeen: 100, agent: { status: 'online', availableAt: null } });
    expect((await store.connectSession('budi', 's2', 200, true)).lastSeen).toBe(100); // already online since 100
    await store.setAgentStatus('budi', 'busy', 5000);
    expect(await store.disconnectSession('budi', 's1', 300)).toMatchObject({ sessions: 1, lastSeen: 100 });
    expect(await store.disconnectSession('budi', 's2', 400)).toEqual({ sessions: 0, lastSeen: 400, agent: { status: 'busy', availableAt: 5000 } });
    expect(await store.disconnectSession('budi', 's2', 500)).toMatchObject({ sessions: 0, lastSeen: 400 });
    expect(await store.connectSession('budi', 's3', 600, true)).toEqual({ sessions: 1, lastSeen: 600, agent: { status: 'busy', availableAt: 5000 } });
    expect(await store.disconnectSession('ghost', 's9', 700)).toEqual({ sessions: 0, lastSeen: null, agent: null });
    // A returned record is a copy: mutating it does not touch the store.
    const record = await store.getUser('budi');
    record.agent!.status = 'online';
    expect((await store.getUser('budi')).agent?.status).toBe('busy');
  });

  it('counts activity once per actor per window, forgets old windows and never writes into an older one', async () => {
    const store = new MemoryPresenceStore();
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
});

describe('socialProofWindows', () => {
  it('rolls the day over at local midnight and the week on Monday', () => {
    const wib = 7 * 60;
    const sundayLate = socialProofWindows(Date.UTC(2025, 0, 5, 16, 59), wib); // Sun 23:59 WIB
    const mondayStart = socialProofWindows(Date.UTC(2025, 0, 5, 17, 0), wib); // Mon 00:00 WIB
    const mondayLate = socialProofWindows(Date.UTC(2025, 0, 6, 16, 59), wib); // Mon 23:59 WIB
    const tuesday = socialProofWindows(Date.UTC(2025, 0, 6, 17, 0), wib);
    const nextSunday = socialProofWindows(Date.UTC(2025, 0, 12, 16, 59), wib);
    expect(mondayStart.day).not.toBe(sundayLate.day);
    expect(mondayStart.week).not.toBe(sundayLate.week);
    expect(mondayLate).toEqual(mondayStart);
    expect(tuesday.day).not.toBe(mondayStart.day);
    expect(tuesday.week).toBe(mondayStart.week);
    expect(nextSunday.week).toBe(mondayStart.week);
    expect(socialProofWindows(Date.UTC(2025, 0, 6, 0, 0), 0)).toEqual({ day: 'd:20094', week: mondayStart.week });
  });
});
