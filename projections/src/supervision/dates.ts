import { chinaDateOf, type IsoDate } from '../chinaCalendar';

/** Calendar arithmetic on ISO dates (YYYY-MM-DD), with no time of day. */
export type { IsoDate };

/** The day in China of an event's time. */
export const dateOf = chinaDateOf;

const toUtc = (date: IsoDate): Date => new Date(`${date}T00:00:00Z`);
const fromUtc = (date: Date): IsoDate => date.toISOString().slice(0, 10);

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = toUtc(date);
  d.setUTCDate(d.getUTCDate() + days);
  return fromUtc(d);
}

/** Same day `months` later; the month's last day when that day does not exist (Jan 31 + 1 → Feb 28/29). */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const d = toUtc(date);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return fromUtc(d);
}

/** The `n`th working day after `date`: Monday–Friday not in `holidays`, and the make-up days in `workingWeekends`. */
export function addWorkingDays(
  date: IsoDate,
  n: number,
  holidays: readonly string[] = [],
  workingWeekends: readonly string[] = [],
): IsoDate {
  let current = date;
  let left = n;
  while (left > 0) {
    current = addDays(current, 1);
    const weekday = toUtc(current).getUTCDay();
    const working = weekday === 0 || weekday === 6 ? workingWeekends.includes(current) : !holidays.includes(current);
    if (working) left -= 1;
  }
  return current;
}

/** The report deadline for something that happened on `date`: day `day` of the following month. */
export function reportDeadline(date: IsoDate, day: number): IsoDate {
  const d = toUtc(date);
  return fromUtc(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, day)));
}

export const daysBetween = (from: IsoDate, to: IsoDate): number =>
  Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / 86_400_000);
