import { ChaincodeError } from './errors';
import { BatchEventInput, BatchInput, CERTIFICATE_STATUSES, CertificateStatus } from './types';

export const MAX_BATCH_EVENTS = 10_000;
const HEX64 = /^[0-9a-f]{64}$/;

// The strings the chaincode keys by or stores, each as narrow as what the ledger service writes, so that
// none can carry the U+0000 that separates the attributes of a composite key (a streamId
// `certification-c1\u0000…` would otherwise land under GetStreamEvents of certification-c1).

/** The id after the prefix: the service's CERTIFICATION_ID, which is also its supervision caseId rule (a case defaults to its first eventId, a UUID). */
const STREAM_ID = /^(?:certification|supervision)-[A-Za-z0-9._-]{1,64}$/;
/** As the service checks eventIds (case-insensitive: certification intake lowercases them, supervision stores them as given). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A writer's id: a CB's CNCA approval number (CNCA-R-2002-001) or a regulator's principal id (regulator-nanjing). */
export const WRITER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const EVENT_TYPE = /^[A-Za-z]{1,64}$/;
/** No C0 or C1 control character (U+0000 included), no DEL, no lone surrogate. */
const PRINTABLE = /^(?:[\u0020-\u007e\u00a0-\ud7ff\ue000-\uffff]|[\ud800-\udbff][\udc00-\udfff])+$/;

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

function parseString(value: unknown, where: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    fail(`${where} must be a string of 1..${max} characters`);
  }
  return value;
}

function parseMatching(value: unknown, where: string, pattern: RegExp, what: string, max = 64): string {
  if (typeof value !== 'string' || value.length > max || !pattern.test(value)) fail(`${where} must be ${what}`);
  return value;
}

const parseStreamId = (value: unknown, where: string): string =>
  parseMatching(
    value,
    where,
    STREAM_ID,
    'certification-<id> or supervision-<id>, <id> 1..64 characters of [A-Za-z0-9._-]',
    200,
  );

const parseWriterId = (value: unknown, where: string): string =>
  parseMatching(value, where, WRITER_ID, '1..64 characters of [A-Za-z0-9._-]');

const parsePrintable = (value: unknown, where: string): string =>
  parseMatching(value, where, PRINTABLE, '1..64 printable characters, no control characters');

function parseVersion(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    fail(`${where} must be a non-negative integer`);
  return value;
}

function parseHex64(value: unknown, where: string): string {
  if (typeof value !== 'string' || !HEX64.test(value)) fail(`${where} must be 64 lowercase hex characters`);
  return value;
}

export const requireString = (object: Record<string, unknown>, field: string, max = 256): string =>
  parseString(object[field], field, max);

export const requireVersion = (object: Record<string, unknown>, field: string): number =>
  parseVersion(object[field], field);

const requireHex64 = (object: Record<string, unknown>, field: string): string => parseHex64(object[field], field);

/** One run's events, each placed at its leaf index in `events`. */
function placeRun(value: unknown, r: number, events: Array<BatchEventInput | undefined>): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`runs[${r}] must be an object`);
  const run = value as Record<string, unknown>;
  const streamId = parseStreamId(run.streamId, `runs[${r}].streamId`);
  const first = parseVersion(run.version, `runs[${r}].version`);
  let prevHash = parseHex64(run.prevHash, `runs[${r}].prevHash`);
  if (!Array.isArray(run.events) || run.events.length === 0) fail(`runs[${r}].events must be a non-empty array`);
  run.events.forEach((item: unknown, i: number) => {
    const where = `runs[${r}].events[${i}]`;
    if (!Array.isArray(item) || (item.length !== 5 && item.length !== 7)) {
      fail(`${where} must be [eventId, type, hash, occurredAt, leafIndex, certificateNo?, certificateStatus?]`);
    }
    const leafIndex = item[4];
    if (typeof leafIndex !== 'number' || !Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= events.length) {
      fail(`${where} has no leaf index of this batch`);
    }
    if (events[leafIndex] !== undefined) fail(`${where} takes leaf ${leafIndex} a second time`);
    const hash = parseHex64(item[2], `${where} hash`);
    const certificateStatus = item[6] as unknown;
    if (item.length === 7 && !(CERTIFICATE_STATUSES as readonly unknown[]).includes(certificateStatus)) {
      fail(`${where} certificateStatus must be one of ${CERTIFICATE_STATUSES.join(', ')}`);
    }
    events[leafIndex] = {
      eventId: parseMatching(item[0], `${where} eventId`, UUID, 'a UUID'),
      streamId,
      version: first + i,
      type: parseMatching(item[1], `${where} type`, EVENT_TYPE, '1..64 letters'),
      hash,
      prevHash,
      occurredAt: parsePrintable(item[3], `${where} occurredAt`),
      ...(item.length === 7
        ? {
            certificateNo: parsePrintable(item[5], `${where} certificateNo`),
            certificateStatus: certificateStatus as CertificateStatus,
          }
        : {}),
    };
    prevHash = hash;
  });
}

/** Parses AnchorBatch's one argument (a BatchArgument, see wire.ts); throws CL_BAD_REQUEST for anything that is not a well-formed batch. */
export function parseBatch(json: string): BatchInput {
  const object = parseJsonArgument(json, 'the batch');
  const runs = object.runs;
  if (!Array.isArray(runs) || runs.length === 0) fail('runs must be a non-empty array');
  const size = runs.reduce<number>(
    (n, run: unknown) =>
      n +
      (Array.isArray((run as { events?: unknown } | null)?.events) ? (run as { events: unknown[] }).events.length : 0),
    0,
  );
  if (size === 0 || size > MAX_BATCH_EVENTS) fail(`a batch holds 1..${MAX_BATCH_EVENTS} events`);
  const slots = new Array<BatchEventInput | undefined>(size).fill(undefined);
  runs.forEach((run: unknown, r: number) => placeRun(run, r, slots));
  const events = slots as BatchEventInput[];
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.eventId)) fail(`event ${event.eventId} appears twice in the batch`);
    seen.add(event.eventId);
  }
  return {
    batchId: requireHex64(object, 'batchId'),
    agencyId: parseWriterId(object.agencyId, 'agencyId'),
    root: requireHex64(object, 'root'),
    events,
  };
}

/** AuthorizeTransfer's argument: {"streamId", "toAgencyId"}. */
export function parseTransferAuthorization(json: string): { streamId: string; toAgencyId: string } {
  const object = parseJsonArgument(json, 'the transfer authorization');
  return {
    streamId: parseStreamId(object.streamId, 'streamId'),
    toAgencyId: parseWriterId(object.toAgencyId, 'toAgencyId'),
  };
}
