/**
 * Instants: ISO 8601 date-times with an offset, any offset (contract.md). They order as times,
 * never as text: "…T10:00:00+08:00" (02:00 UTC) is before "…T03:00:00Z", though it sorts after it.
 * Calendar dates (YYYY-MM-DD) do compare as text; these are for the times of events.
 */

/** Negative when `a` is before `b`, 0 at the same instant, positive after; text that is no time comes after every time, by its text. */
export function compareInstants(a: string, b: string): number {
  const x = Date.parse(a);
  const y = Date.parse(b);
  if (Number.isNaN(x) || Number.isNaN(y)) {
    if (Number.isNaN(x) && Number.isNaN(y)) return a < b ? -1 : a > b ? 1 : 0;
    return Number.isNaN(x) ? 1 : -1;
  }
  return x - y;
}

/** Whether `a` is the same instant as `b` or before it. */
export const isAtOrBefore = (a: string, b: string): boolean => compareInstants(a, b) <= 0;

/** The earliest of the instants, as written; undefined for none. */
export const earliestInstant = (instants: readonly string[]): string | undefined =>
  [...instants].sort(compareInstants)[0];

/** The latest of the instants, as written; undefined for none. */
export const latestInstant = (instants: readonly string[]): string | undefined =>
  [...instants].sort(compareInstants).at(-1);

/**
 * The instant in one form, UTC with milliseconds (Date#toISOString), so that stored times compare
 * and order as text in SQL; text that is no time is returned as given.
 */
export function utcOf(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString();
}
