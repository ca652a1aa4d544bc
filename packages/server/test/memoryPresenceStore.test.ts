import { describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../src/features/presence/memoryPresenceStore';
import { socialProofWindows } from '../src/features/presence/socialProofWindows';
import { presenceStoreContract } from './presenceStoreContract';

presenceStoreContract(describe, 'MemoryPresenceStore', () => new MemoryPresenceStore());

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
