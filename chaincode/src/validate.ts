import { ChaincodeError } from './errors';
import { BatchEventInput, BatchInput, CERTIFICATE_STATUSES, CertificateStatus } from './types';

export const MAX_BATCH_EVENTS = 10_000;
const HEX64 = /^[0-9a-f]{64}$/;

function fail(detail: string): never {
  throw new ChaincodeError('CL_BAD_REQUEST', detail);
}

export function parseJsonArgument(json: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    fail(`${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function requireString(object: Record<string, unknown>, field: string, max = 256): string {
  const value = object[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    fail(`${field} must be a string of 1..${max} characters`);
  }
  return value;
}

export function requireVersion(object: Record<string, unknown>, field: string): number {
  const value = object[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail(`${field} must be a non-negative integer`);
  return value;
}

function requireHex64(object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== 'string' || !HEX64.test(value)) fail(`${field} must be 64 lowercase hex characters`);
  return value;
}

function parseEvent(value: unknown, index: number): BatchEventInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`events[${index}] must be an object`);
  const event = value as Record<string, unknown>;
  const version = event.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    fail(`events[${index}].version must be a non-negative integer`);
  }
  const certificateNo = event.certificateNo;
  const certificateStatus = event.certificateStatus;
  if (
    certificateNo !== undefined &&
    (typeof certificateNo !== 'string' || certificateNo.length === 0 || certificateNo.length > 64)
  ) {
    fail(`events[${index}].certificateNo must be a string of 1..64 characters`);
  }
  if (certificateStatus !== undefined && !(CERTIFICATE_STATUSES as readonly unknown[]).includes(certificateStatus)) {
    fail(`events[${index}].certificateStatus must be one of ${CERTIFICATE_STATUSES.join(', ')}`);
  }
  if ((certificateNo === undefined) !== (certificateStatus === undefined)) {
    fail(`events[${index}] must carry certificateNo and certificateStatus together`);
  }
  return {
    eventId: requireString(event, 'eventId', 128),
    streamId: requireString(event, 'streamId', 200),
    version,
    type: requireString(event, 'type', 64),
    hash: requireHex64(event, 'hash'),
    prevHash: requireHex64(event, 'prevHash'),
    occurredAt: requireString(event, 'occurredAt', 64),
    ...(certificateNo !== undefined
      ? { certificateNo: certificateNo as string, certificateStatus: certificateStatus as CertificateStatus }
      : {}),
  };
}

/** Parses AnchorBatch's one argument; throws CL_BAD_REQUEST for anything that is not a well-formed batch. */
export function parseBatch(json: string): BatchInput {
  const object = parseJsonArgument(json, 'the batch');
  const events = object.events;
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_BATCH_EVENTS) {
    fail(`events must be an array of 1..${MAX_BATCH_EVENTS} events`);
  }
  const parsed = events.map(parseEvent);
  const seen = new Set<string>();
  for (const event of parsed) {
    if (seen.has(event.eventId)) fail(`event ${event.eventId} appears twice in the batch`);
    seen.add(event.eventId);
  }
  return {
    batchId: requireHex64(object, 'batchId'),
    agencyId: requireString(object, 'agencyId', 128),
    root: requireHex64(object, 'root'),
    events: parsed,
  };
}
