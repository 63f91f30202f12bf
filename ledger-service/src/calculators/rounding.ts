/** How audit time is rounded to half days: to the nearest half day (the IAF default) or always up. */
export type RoundingPolicy = 'nearest' | 'up';

export const ROUNDING_POLICIES: readonly RoundingPolicy[] = ['nearest', 'up'];

/** Tolerance for binary fractions such as 2/3 × 3 so that exact half days stay exact. */
const EPSILON = 1e-9;

export function roundToHalfDay(days: number, policy: RoundingPolicy): number {
  const halves = days * 2;
  const rounded = policy === 'up' ? Math.ceil(halves - EPSILON) : Math.floor(halves + 0.5 + EPSILON);
  return rounded / 2;
}
