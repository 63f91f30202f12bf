/** The rules of domain.md §2 by id, with a title for problem details and documentation. */
export const RULE_TITLES = {
  R1: 'The client needs a legal name and a valid unified social credit code',
  R2: 'The management system ran long enough, with an internal audit and a management review',
  R3: 'An application is reviewed once; nothing happens on a rejected one',
  R4: 'Audit team registrations valid on the audit dates; the scope sectors covered',
  R5: 'Stage 2 follows a conducted stage 1',
  R6: 'Audit time at least the IAF MD5 value less 30%; at least 80% on site',
  R7: 'A decision needs a submitted report and closed nonconformities',
  R8: 'The decision-maker was not on the audit team',
  R9: 'Major nonconformities closed within the limit after stage 2',
  R10: "A certificate follows a grant, within the validity limit, with a unique number; after a transfer, a new number of the accepting CB's own",
  R11: 'Surveillance follows an issued certificate, often enough per cycle',
  R12: 'Suspension of a valid certificate, limited in time; restore only a suspended one',
  R13: 'Withdrawn, cancelled and expired certificates are terminal',
  R14: 'Recertification is decided before expiry, on site',
  R15: 'Only the holding CB writes; a transfer moves the certification to the CB the holder released it to, unless the release was withdrawn or lapsed; no transfer while suspended',
  R16: 'Event times are not in the future nor before the events they depend on',
  SEQ: 'The event does not follow from the certification so far',
} as const;

export type RuleId = keyof typeof RULE_TITLES;
