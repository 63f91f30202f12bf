/** Calendar arithmetic on ISO dates (YYYY-MM-DD), which compare correctly as strings. */

export type IsoDate = string;

/** The day in China of an event's time: the rules count days on China's calendar (UTC+8). */
export { chinaDateOf as dateOf } from '@certledger/projections';

/** The day in China at an instant, such as the decision's now. */
export { chinaDayAt as dayAt } from '@certledger/projections';

/** `date` plus `days` calendar days. */
export { addDays } from '@certledger/projections';

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `date` plus `months` calendar months; the day is clamped to the month's end (08-31 + 6 → 02-28/29). */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  const d = Math.min(day, daysInMonth(y, m));
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function timeOf(dateTime: string): number {
  return Date.parse(dateTime);
}
