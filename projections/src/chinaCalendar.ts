/**
 * The ledger's calendar is China's: one time zone, UTC+8, no daylight saving. Every calendar day
 * the rules, warnings and read models name (a suspension's first day, a certificate's expiry, a
 * report's deadline, "today") is the day in China, whatever offset an event's time was written in.
 */

/** A calendar date, YYYY-MM-DD; such dates compare correctly as strings. */
export type IsoDate = string;

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The day in China on which an instant falls; `at` is an ISO 8601 date-time with an offset, or a date. */
export function chinaDateOf(at: string): IsoDate {
  if (at.length === 10 || at.endsWith('+08:00')) return at.slice(0, 10);
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at.slice(0, 10) : chinaDayAt(new Date(ms));
}

/** The day in China at the instant `now`. */
export function chinaDayAt(now: Date): IsoDate {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Minutes of the instant `ms` in China, as "YYYY-MM-DD HH:mm". */
export function chinaMinuteOf(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
