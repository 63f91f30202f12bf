import protobuf from 'protobufjs';
import { EventDataType, payloadFieldOf, payloadTypeOf, SUPERVISION_EVENT_TYPES } from './schema';

/**
 * The envelope fields as hashed, read straight from the canonical bytes (protobuf wire format of
 * certledger.v1.EventEnvelope) without decoding the payload. A full decode costs far more than the
 * hash; the hash already covers every payload byte.
 *
 * The one place that reads hashed envelope values for whoever must not trust the store's columns,
 * which are copies the hash does not cover: the audit compares the columns with these (region_code
 * with the client's region in a stream's first event, or with a supervision event's filing), the
 * anchorer sends the ledger the hashed occurredAt, and the read models' feed takes occurredAt (and a
 * supervision event's region) from here.
 */
export interface EnvelopeHeader {
  readonly eventId: string;
  readonly certificationId: string;
  readonly type: string;
  readonly version: number;
  readonly agencyId: string;
  readonly occurredAt: string;
  readonly prevHash: string;
  readonly hasData: boolean;
}

export class EnvelopeFormatError extends Error {
  readonly code = 'envelope-format';
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeFormatError';
  }
}

const ZERO_HASH = '0'.repeat(64);

function readVarint(bytes: Uint8Array, at: { offset: number }): number {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < 8; i++) {
    if (at.offset >= bytes.length) throw new EnvelopeFormatError('truncated varint');
    const byte = bytes[at.offset++]!;
    result += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return result;
    multiplier *= 128;
  }
  throw new EnvelopeFormatError('varint too long');
}

/** Reads fields 1–8 of an EventEnvelope; throws EnvelopeFormatError on bytes that are no envelope. */
export function readEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = { offset: 0 };
  const text: Record<number, string> = {};
  let version = 0;
  let prevHash = ZERO_HASH;
  let hasData = false;
  let lastField = 0;
  while (at.offset < buffer.length) {
    const tag = readVarint(buffer, at);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field <= lastField || field > 8) throw new EnvelopeFormatError(`field ${field} out of order or unknown`);
    lastField = field;
    if (field === 4) {
      if (wireType !== 0) throw new EnvelopeFormatError('version must be a varint');
      version = readVarint(buffer, at);
      continue;
    }
    if (wireType !== 2) throw new EnvelopeFormatError(`field ${field} must be length-delimited`);
    const length = readVarint(buffer, at);
    const end = at.offset + length;
    if (end > buffer.length) throw new EnvelopeFormatError(`field ${field} runs past the end`);
    if (field === 7) {
      if (length !== 32) throw new EnvelopeFormatError('prev_hash must be 32 bytes');
      prevHash = buffer.toString('hex', at.offset, end);
    } else if (field === 8) {
      hasData = true;
    } else {
      text[field] = buffer.toString('utf8', at.offset, end);
    }
    at.offset = end;
  }
  return {
    eventId: text[1] ?? '',
    certificationId: text[2] ?? '',
    type: text[3] ?? '',
    version,
    agencyId: text[5] ?? '',
    occurredAt: text[6] ?? '',
    prevHash,
    hasData,
  };
}

export type ExpectedHeader = Omit<EnvelopeHeader, 'hasData'>;

/**
 * Does the envelope in `bytes` carry exactly these fields? The audit's fast path: compares in place
 * without building the header (false also for bytes that are no envelope).
 */
export function headerMatches(bytes: Uint8Array, expected: ExpectedHeader): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = { offset: 0 };
  const seen = [false, false, false, false, false, false, false, false];
  let lastField = 0;
  try {
    while (at.offset < buffer.length) {
      const tag = readVarint(buffer, at);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field <= lastField || field > 8) return false;
      lastField = field;
      if (field === 4) {
        if (wireType !== 0 || readVarint(buffer, at) !== expected.version) return false;
        seen[4] = true;
        continue;
      }
      if (wireType !== 2) return false;
      const length = readVarint(buffer, at);
      const start = at.offset;
      const end = start + length;
      if (end > buffer.length) return false;
      at.offset = end;
      if (field === 8) continue;
      seen[field] = true;
      if (field === 7) {
        if (length !== 32 || buffer.toString('hex', start, end) !== expected.prevHash) return false;
        continue;
      }
      const want =
        field === 1
          ? expected.eventId
          : field === 2
            ? expected.certificationId
            : field === 3
              ? expected.type
              : field === 5
                ? expected.agencyId
                : expected.occurredAt;
      if (buffer.toString('latin1', start, end) !== want && buffer.toString('utf8', start, end) !== want) return false;
    }
  } catch {
    return false;
  }
  // Absent fields hold their defaults.
  return (
    (seen[1] || expected.eventId === '') &&
    (seen[2] || expected.certificationId === '') &&
    (seen[3] || expected.type === '') &&
    (seen[4] || expected.version === 0) &&
    (seen[5] || expected.agencyId === '') &&
    (seen[6] || expected.occurredAt === '') &&
    (seen[7] || expected.prevHash === ZERO_HASH)
  );
}

/**
 * The bounds of the length-delimited `field` of the message between `start` and `end`; undefined
 * when absent. Canonical bytes write fields in ascending order: the search stops at a higher field.
 */
function findField(
  bytes: Uint8Array,
  start: number,
  end: number,
  field: number,
): { start: number; end: number } | undefined {
  const at = { offset: start };
  while (at.offset < end) {
    const tag = readVarint(bytes, at);
    const wireType = tag & 7;
    if (Math.floor(tag / 8) > field) return undefined;
    if (wireType === 0) readVarint(bytes, at);
    else if (wireType === 1) at.offset += 8;
    else if (wireType === 5) at.offset += 4;
    else if (wireType === 2) {
      const length = readVarint(bytes, at);
      const from = at.offset;
      at.offset += length;
      if (at.offset > end) throw new EnvelopeFormatError(`field ${Math.floor(tag / 8)} runs past the end`);
      if (Math.floor(tag / 8) === field) return { start: from, end: at.offset };
    } else throw new EnvelopeFormatError(`wire type ${wireType} is not proto3`);
    if (at.offset > end) throw new EnvelopeFormatError('a field runs past the end');
  }
  return undefined;
}

const fieldId = (type: protobuf.Type, name: string): number => type.fields[name]!.id;
const APPLICATION_SUBMITTED = fieldId(EventDataType, 'applicationSubmitted');
const CLIENT = fieldId(payloadTypeOf('ApplicationSubmitted'), 'client');
const CLIENT_REGION_CODE = fieldId(
  payloadTypeOf('ApplicationSubmitted').fields.client!.resolvedType as protobuf.Type,
  'regionCode',
);

/**
 * The region a certification is filed under, as its hashed bytes say: the client's regionCode of
 * the ApplicationSubmitted that opens the stream (the intake copies it into every event's
 * region_code column), '' for any other payload. Only the stream's first event names it.
 * Throws EnvelopeFormatError on bytes that are not protobuf.
 */
export function readClientRegionCode(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = findField(buffer, 0, buffer.length, 8);
  const payload = data && findField(buffer, data.start, data.end, APPLICATION_SUBMITTED);
  const client = payload && findField(buffer, payload.start, payload.end, CLIENT);
  const region = client && findField(buffer, client.start, client.end, CLIENT_REGION_CODE);
  return region ? buffer.toString('utf8', region.start, region.end) : '';
}

/** Per supervision payload (its EventData field): the number of its `filing` field. */
const FILING_OF_PAYLOAD = new Map(
  SUPERVISION_EVENT_TYPES.map((type) => [
    fieldId(EventDataType, payloadFieldOf(type)),
    fieldId(payloadTypeOf(type), 'filing'),
  ]),
);
const FILING_REGION_CODE = fieldId(
  payloadTypeOf('SpotCheckRecorded').fields.filing!.resolvedType as protobuf.Type,
  'regionCode',
);

/**
 * The region a supervision event is filed under, as its hashed bytes say: its payload's
 * `filing.regionCode`, '' when the filing is present without one (an admin's, every region).
 * Undefined when there is no filing: another payload, or a supervision event written before the
 * ledger recorded it. Throws EnvelopeFormatError on bytes that are not protobuf.
 */
export function readFiledRegion(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = findField(buffer, 0, buffer.length, 8);
  if (!data) return undefined;
  for (const [payloadField, filingField] of FILING_OF_PAYLOAD) {
    const payload = findField(buffer, data.start, data.end, payloadField);
    if (!payload) continue;
    const filing = findField(buffer, payload.start, payload.end, filingField);
    if (!filing) return undefined;
    const region = findField(buffer, filing.start, filing.end, FILING_REGION_CODE);
    return region ? buffer.toString('utf8', region.start, region.end) : '';
  }
  return undefined;
}

/**
 * The occurredAt the hashed bytes carry ('' when absent), for the paths that need only it: the read
 * models' feed (about 0.2 µs an event against 0.9 µs for readEnvelopeHeader) and the anchorer.
 * Throws EnvelopeFormatError on bytes that are not protobuf; unlike readEnvelopeHeader, it does not
 * vouch that they are an envelope (the audit does).
 */
export function readOccurredAt(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const field = findField(buffer, 0, buffer.length, 6);
  return field ? buffer.toString('utf8', field.start, field.end) : '';
}
