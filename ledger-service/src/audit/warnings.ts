import type { AuditFilter } from './audit';
import type { AuditWarning } from './types';

/** What an audit knows, once it has read the ledger's log heads, about the checks it cannot make. */
export interface UncheckedFacts {
  readonly filter: AuditFilter;
  /** Whether the caller gave the log's key id. */
  readonly logKeyIdGiven: boolean;
  /** Why the caller could not read the log's key where it looked for it (a key file it may not read). */
  readonly logKeyUnreadable?: string;
  /** The key id of the first head on the ledger, taken for the log's when none was given. */
  readonly firstHeadKeyId?: string;
  /** Whether the store stamps recorded times in log order (EventStore.recordedAtFollowsLog). */
  readonly recordedAtFollowsLog: boolean;
}

function logKeyWarning(facts: UncheckedFacts): AuditWarning | undefined {
  if (facts.logKeyIdGiven) return undefined;
  const unreadable = facts.logKeyUnreadable;
  if (unreadable === undefined && facts.firstHeadKeyId === undefined) return undefined;
  const why =
    unreadable !== undefined
      ? `the log's key could not be read (${unreadable})`
      : 'no log key id was given (--log-key-id, or the key in LEDGER_DATA_DIR)';
  const taken =
    facts.firstHeadKeyId !== undefined
      ? `; the key of the first head on the ledger, ${facts.firstHeadKeyId}, was taken for the log's, whoever signed it`
      : '';
  return {
    code: 'log-head-key-unchecked',
    message: `${why}: the signed log heads were not checked against the service's key${taken}. Give the log's key id with --log-key-id`,
  };
}

function scopeWarning(filter: AuditFilter): AuditWarning | undefined {
  const scope = Object.entries(filter)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${String(value)}`);
  if (scope.length === 0) return undefined;
  const byRegion =
    filter.regionCode !== undefined
      ? `; and as the region is read from the region_code column, neither an event whose region_code was moved out of ${filter.regionCode} nor a history the store lost entirely is seen`
      : '';
  return {
    code: 'scope-filtered',
    message: `only the events of ${scope.join(', ')} were audited: refused batches of which the store holds no event, and anchored batches that lost events the ledger cannot name, are checked only in an audit of the whole log${byRegion}`,
  };
}

function recordedTimeOrderWarning(recordedAtFollowsLog: boolean): AuditWarning | undefined {
  if (recordedAtFollowsLog) return undefined;
  return {
    code: 'recorded-time-order-unchecked',
    message:
      'the event store stamps recorded times before it orders the log (KurrentDB), so a recorded time earlier than that of the event before it in the log was not checked',
  };
}

/** The checks this audit did not make, or made only in part: the report's warnings. */
export function auditWarnings(facts: UncheckedFacts): AuditWarning[] {
  return [
    logKeyWarning(facts),
    scopeWarning(facts.filter),
    recordedTimeOrderWarning(facts.recordedAtFollowsLog),
  ].filter((warning): warning is AuditWarning => warning !== undefined);
}
