import { CERTIFICATION_EVENT_TYPES, CertificationEventType } from '../events/schema';
import { CERTIFICATION_ID, isDateTime, type ValidationIssue } from '../events/validate';
import { IntakeError, invalid } from './errors';

/** One event as a CB submits it, after its envelope fields have been checked. */
export interface Submission {
  readonly certificationId: string;
  readonly eventId: string;
  readonly type: CertificationEventType;
  readonly occurredAt: string;
  readonly expectedVersion: number | undefined;
  readonly data: Record<string, unknown>;
}

export { CERTIFICATION_ID };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_FIELDS = new Set(['eventId', 'type', 'occurredAt', 'expectedVersion', 'data', 'certificationId']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The year no certification event, nor any supervision of one, precedes (ISO 9001 dates from 1987).
 * It keeps the rules' calendar arithmetic (R2 counts months back from the application) away from
 * years 0–99, which Date.UTC reads as 1900–1999, and from years before 0, which no YYYY-MM-DD date
 * writes. Compared as a string, as dates are.
 */
const EARLIEST_OCCURRED_YEAR = '1900';

/** An RFC 3339 date-time with seconds and an offset, on a day the calendar has (no 02-30, no 24:00). */
const isDateTimeWithOffset = isDateTime;

/** What is wrong with a submitted event's occurredAt, certification or supervision event: nothing, or one issue. */
export function occurredAtIssue(occurredAt: unknown): ValidationIssue | undefined {
  if (typeof occurredAt !== 'string' || !isDateTimeWithOffset(occurredAt)) {
    return {
      path: 'occurredAt',
      code: 'invalid-datetime',
      message: 'occurredAt must be an ISO 8601 date-time with seconds and an offset, on a real calendar day',
    };
  }
  if (occurredAt < EARLIEST_OCCURRED_YEAR) {
    return {
      path: 'occurredAt',
      code: 'occurred-before-1900',
      message: 'occurredAt must be in 1900 or later: no certification or supervision event is older',
    };
  }
  return undefined;
}

/** Checks the envelope fields of a submitted event; the payload is checked against its schema later. */
export function parseSubmission(certificationId: unknown, body: unknown): Submission {
  if (typeof certificationId !== 'string' || !CERTIFICATION_ID.test(certificationId)) {
    throw invalid(
      'invalid-certification-id',
      'certificationId must be 1–64 characters of [A-Za-z0-9._-], not dots alone',
    );
  }
  if (!isPlainObject(body)) throw invalid('invalid-body', 'The body must be a JSON object');
  const issues: ValidationIssue[] = [];
  const unknown = Object.keys(body).filter((key) => !KNOWN_FIELDS.has(key));
  for (const key of unknown) issues.push({ path: key, code: 'unknown-field', message: `unknown field "${key}"` });
  const { eventId, type, occurredAt, expectedVersion, data } = body;
  if (typeof eventId !== 'string' || !UUID.test(eventId)) {
    issues.push({ path: 'eventId', code: 'invalid-event-id', message: 'eventId must be a UUID' });
  }
  if (typeof type !== 'string' || !(CERTIFICATION_EVENT_TYPES as readonly string[]).includes(type)) {
    issues.push({
      path: 'type',
      code: 'unknown-event-type',
      message: `type must be one of ${CERTIFICATION_EVENT_TYPES.join(', ')}`,
    });
  }
  const occurredAtWrong = occurredAtIssue(occurredAt);
  if (occurredAtWrong) issues.push(occurredAtWrong);
  if (expectedVersion !== undefined && !(Number.isSafeInteger(expectedVersion) && (expectedVersion as number) >= -1)) {
    issues.push({
      path: 'expectedVersion',
      code: 'invalid-expected-version',
      message: 'expectedVersion must be an integer ≥ -1',
    });
  }
  if (!isPlainObject(data)) issues.push({ path: 'data', code: 'invalid-data', message: 'data must be a JSON object' });
  if (body.certificationId !== undefined && body.certificationId !== certificationId) {
    issues.push({
      path: 'certificationId',
      code: 'certification-id-mismatch',
      message: 'certificationId differs from the path',
    });
  }
  if (issues.length > 0) throw invalid('invalid-event', 'The event envelope is not valid', { errors: issues });
  return {
    certificationId,
    eventId: (eventId as string).toLowerCase(),
    type: type as CertificationEventType,
    occurredAt: occurredAt as string,
    expectedVersion: expectedVersion as number | undefined,
    data: data as Record<string, unknown>,
  };
}

export function isIntakeError(error: unknown): error is IntakeError {
  return error instanceof IntakeError;
}
