import { describe, expect, it } from 'vitest';
import { quietHoursEnd } from '../src/features/notification/quietHours';
import { nextWindowStart } from '../src/features/notification/rateWindows';

const at = (h: number, m = 0) => Date.UTC(2025, 0, 6, h, m);

describe('quietHoursEnd', () => {
  const overnight = { quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: 0 };

  it('is undefined outside quiet hours and without them', () => {
    expect(quietHoursEnd(overnight, at(12))).toBeUndefined();
    expect(quietHoursEnd(overnight, at(7))).toBeUndefined(); // end is exclusive
    expect(quietHoursEnd(overnight, at(21, 59))).toBeUndefined();
    expect(quietHoursEnd({ quietHours: null, utcOffsetMinutes: 0 }, at(23))).toBeUndefined();
    expect(quietHoursEnd({ quietHours: { start: '09:00', end: '09:00' }, utcOffsetMinutes: 0 }, at(9))).toBeUndefined();
  });

  it('ends the next morning before midnight and the same morning after it', () => {
    expect(quietHoursEnd(overnight, at(22))).toBe(Date.UTC(2025, 0, 7, 7));
    expect(quietHoursEnd(overnight, at(3, 30))).toBe(at(7));
  });

  it('uses the user offset', () => {
    const wib = { ...overnight, utcOffsetMinutes: 420 };
    expect(quietHoursEnd(wib, at(16))).toBe(Date.UTC(2025, 0, 7, 0)); // 23:00 WIB → 07:00 WIB
    expect(quietHoursEnd(wib, at(12))).toBeUndefined(); // 19:00 WIB
    const newYork = { quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: -300 };
    expect(quietHoursEnd(newYork, at(4))).toBe(at(12)); // 23:00 → 07:00 local
  });

  it('handles a daytime range', () => {
    const lunch = { quietHours: { start: '12:00', end: '13:30' }, utcOffsetMinutes: 0 };
    expect(quietHoursEnd(lunch, at(12, 15))).toBe(at(13, 30));
    expect(quietHoursEnd(lunch, at(14))).toBeUndefined();
  });
});

describe('nextWindowStart', () => {
  it('is the start of the soonest next window', () => {
    const windows = [{ max: 10, windowMs: 3_600_000 }, { max: 30, windowMs: 86_400_000 }];
    expect(nextWindowStart(windows, at(12, 20))).toBe(at(13));
    expect(nextWindowStart(windows, at(23, 59))).toBe(Date.UTC(2025, 0, 7, 0));
  });
});
