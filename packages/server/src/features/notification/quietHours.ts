import type { NotificationPreferences } from '@sinyal/protocol/schema';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function minuteOfDay(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/**
 * When the user's quiet hours that are in effect at `now` end (server time, ms), or
 * `undefined` when `now` is outside them. Quiet hours are `[start, end)` in the user's
 * local time (`utcOffsetMinutes`) and may wrap midnight (`22:00`–`07:00`); equal
 * start and end mean no quiet hours.
 *
 * @example
 * ```ts
 * // 23:30 WIB (16:30 UTC), quiet 22:00–07:00 WIB → ends at 07:00 WIB (00:00 UTC)
 * quietHoursEnd({ quietHours: { start: '22:00', end: '07:00' }, utcOffsetMinutes: 420 }, Date.UTC(2025, 0, 1, 16, 30));
 * // → Date.UTC(2025, 0, 2, 0, 0)
 * ```
 */
export function quietHoursEnd(preferences: NotificationPreferences, now: number): number | undefined {
  const quiet = preferences.quietHours;
  if (!quiet) return undefined;
  const start = minuteOfDay(quiet.start);
  const end = minuteOfDay(quiet.end);
  if (start === end) return undefined;
  const offsetMs = preferences.utcOffsetMinutes * MINUTE;
  const local = now + offsetMs;
  const localMidnight = Math.floor(local / DAY) * DAY;
  const minute = (local - localMidnight) / MINUTE;
  const inQuietHours = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inQuietHours) return undefined;
  const endLocal = localMidnight + end * MINUTE + (minute < end ? 0 : DAY);
  return endLocal - offsetMs;
}
