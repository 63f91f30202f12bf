import { md5AuditTime, Md5Error, type RoundingPolicy } from '../../calculators';
import type { MinimumAuditDays } from '@certledger/projections';

/** W5's yardstick: the IAF MD5 days for a plan less the largest permitted reduction (R6), from the ledger's calculator. */
export function md5MinimumAuditDays(
  options: { rounding?: RoundingPolicy; maxReduction?: number } = {},
): MinimumAuditDays {
  return ({ scheme, complexity, employees, audit }) => {
    try {
      return md5AuditTime({
        scheme,
        ...(complexity ? { complexity } : {}),
        effectivePersonnel: employees,
        audit,
        reduction: options.maxReduction ?? 0.3,
        rounding: options.rounding ?? 'nearest',
      }).days;
    } catch (error) {
      if (error instanceof Md5Error) return undefined;
      throw error;
    }
  };
}
