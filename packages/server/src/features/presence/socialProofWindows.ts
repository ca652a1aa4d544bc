const DAY_MS = 24 * 60 * 60 * 1000;
/** 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday. */
const MONDAY_SHIFT_DAYS = 3;

/** The counting windows that contain one instant: a calendar day and a Monday-to-Sunday week. */
export interface SocialProofWindows {
  /** Key of the day, `d:<days since 1970-01-01>`. */
  day: string;
  /** Key of the week, `w:<weeks since the Monday before 1970-01-01>`. */
  week: string;
}

/**
 * The day and week windows containing `now`, in the time zone `utcOffsetMinutes` ahead of
 * UTC (420 for WIB, Jakarta): "wishlist today" and "viewings this week" roll over at that
 * zone's midnight, and on Monday at midnight.
 *
 * @example
 * ```ts
 * socialProofWindows(Date.UTC(2025, 0, 6, 17, 0), 420); // Tuesday 00:00 WIB → { day: 'd:20095', week: 'w:2871' }
 * ```
 */
export function socialProofWindows(now: number, utcOffsetMinutes: number): SocialProofWindows {
  const dayIndex = Math.floor((now + utcOffsetMinutes * 60_000) / DAY_MS);
  return { day: `d:${dayIndex}`, week: `w:${Math.floor((dayIndex + MONDAY_SHIFT_DAYS) / 7)}` };
}
