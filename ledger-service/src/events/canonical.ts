import protobuf from 'protobufjs';
import { sha256Hex } from './sha256';
import { EnvelopeType, EventType, payloadFieldOf, payloadTypeOf, isEventType } from './schema';

export const ZERO_HASH = '0'.repeat(64);

/** The hashed part of an event: the envelope without `hash`, `position` and `recordedAt`. */
export interface HashedEnvelope {
  readonly eventId: string;
  readonly certificationId: string;
  readonly type: EventType;
  readonly version: number;
  readonly agencyId: string;
  readonly occurredAt: string;
  readonly prevHash: string;
  readonly data: Record<string, unknown>;
}

const TO_OBJECT: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  bytes: String,
  defaults: false,
  arrays: false,
};

interface FieldPlan {
  readonly name: string;
  readonly repeated: boolean;
  readonly message: protobuf.Type | undefined;
}

const plans = new Map<protobuf.Type, readonly FieldPlan[]>();

/** The fields of a type as stripDefaults walks them, worked out once per type. */
function planOf(type: protobuf.Type): readonly FieldPlan[] {
  let plan = plans.get(type);
  if (!plan) {
    plan = type.fieldsArray.map((field) => ({
      name: field.name,
      repeated: field.repeated,
      message: field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined,
    }));
    plans.set(type, plan);
  }
  return plan;
}

/**
 * Drops every field that holds its proto3 default (0, "", false, empty bytes, the zero enum,
 * empty repeated), recursively, so that protobufjs writes exactly what a conformant
 * deterministic encoder writes.
 */
function stripDefaults(type: protobuf.Type, message: Record<string, unknown>): void {
  for (const field of planOf(type)) {
    const value = message[field.name];
    if (value === undefined || value === null) {
      delete message[field.name];
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) delete message[field.name];
      else if (field.message) {
        for (const item of items) stripDefaults(field.message, item as Record<string, unknown>);
      }
    } else if (field.message) {
      stripDefaults(field.message, value as Record<string, unknown>);
    } else if (isDefaultScalar(value)) {
      delete message[field.name];
    }
  }
}

function isDefaultScalar(value: unknown): boolean {
  if (typeof value === 'number') return value === 0;
  if (typeof value === 'string') return value === '';
  if (typeof value === 'boolean') return !value;
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    const long = value as { low: number; high: number };
    return long.low === 0 && long.high === 0;
  }
  return false;
}

/** The payload as the ledger keeps and returns it: known fields only, enums by name, defaults left out. */
export function normalizePayload(type: EventType, data: Record<string, unknown>): Record<string, unknown> {
  const payloadType = payloadTypeOf(type);
  const message = payloadType.fromObject(data);
  return payloadType.toObject(message, TO_OBJECT);
}

/** The canonical bytes of an event: deterministic protobuf encoding of certledger.v1.EventEnvelope. */
export function canonicalBytes(envelope: HashedEnvelope): Uint8Array {
  return encodeEnvelope(envelope, protobuf.Writer.create());
}

function encodeEnvelope(envelope: HashedEnvelope, writer: protobuf.Writer): Uint8Array {
  const message = EnvelopeType.fromObject({
    eventId: envelope.eventId,
    certificationId: envelope.certificationId,
    type: envelope.type,
    version: envelope.version,
    agencyId: envelope.agencyId,
    occurredAt: envelope.occurredAt,
    prevHash: Buffer.from(envelope.prevHash, 'hex'),
    data: { [payloadFieldOf(envelope.type)]: envelope.data },
  }) as unknown as Record<string, unknown>;
  stripDefaults(EnvelopeType, message);
  // An empty payload (CertificateExpired) must still say which payload it is.
  const data = (message.data ?? {}) as Record<string, unknown>;
  data[payloadFieldOf(envelope.type)] ??= {};
  message.data = data;
  return EnvelopeType.encode(message, writer).finish();
}

export { sha256Hex };

export function hashOf(envelope: HashedEnvelope): string {
  return sha256Hex(canonicalBytes(envelope));
}

/** Reads canonical bytes back into the hashed envelope. Throws on bytes that are no envelope. */
export function decodeCanonical(bytes: Uint8Array): HashedEnvelope {
  return envelopeOf(EnvelopeType.decode(bytes));
}

function envelopeOf(message: protobuf.Message): HashedEnvelope {
  const object = EnvelopeType.toObject(message, { ...TO_OBJECT, bytes: Array, oneofs: true }) as Record<
    string,
    unknown
  >;
  const type = object.type;
  if (!isEventType(type)) throw new Error(`canonical bytes hold an unknown event type: ${String(type)}`);
  const data = (object.data ?? {}) as Record<string, unknown>;
  const prevHash = Buffer.from((object.prevHash as number[] | undefined) ?? []).toString('hex');
  return {
    eventId: String(object.eventId ?? ''),
    certificationId: String(object.certificationId ?? ''),
    type,
    version: Number(object.version ?? 0),
    agencyId: String(object.agencyId ?? ''),
    occurredAt: String(object.occurredAt ?? ''),
    prevHash: prevHash === '' ? ZERO_HASH : prevHash,
    data: (data[payloadFieldOf(type)] as Record<string, unknown> | undefined) ?? {},
  };
}

/**
 * What bytes are, as canonical bytes: `canonical`, the one canonical encoding of the envelope they
 * hold (encoded again, the same bytes: no field repeated, out of order or unknown, no default
 * written); `lone-surrogates`, the same but for payload text that is not well-formed Unicode, each
 * lone surrogate written as the 3 bytes of its UTF-16 code unit (ED A0 BD for \ud83d), which are
 * not UTF-8: what protobufjs writes in a string of under 40 code units, and so what the intake
 * stored before it refused such text (invalid-string); `not-canonical`, anything else, a lone
 * surrogate in the envelope's own fields too (the intake format-checks them: it never wrote one).
 */
export type CanonicalForm = 'canonical' | 'lone-surrogates' | 'not-canonical';

const holdsLoneSurrogate = (value: unknown): boolean =>
  typeof value === 'string'
    ? !value.isWellFormed()
    : typeof value === 'object' && value !== null && Object.values(value).some(holdsLoneSurrogate);

/**
 * Reads and writes strings with protobufjs's own codec, code unit by code unit, as the bytes were
 * written: Buffer's UTF-8 decoder, which decodeCanonical uses, reads each of the 3 bytes of a lone
 * surrogate as U+FFFD, which no encoder gives back as those bytes.
 */
export function canonicalFormOf(bytes: Uint8Array): CanonicalForm {
  try {
    const envelope = envelopeOf(EnvelopeType.decode(new protobuf.Reader(bytes)));
    if (Buffer.compare(bytes, encodeEnvelope(envelope, new protobuf.Writer())) !== 0) return 'not-canonical';
    const { data, ...header } = envelope;
    if (holdsLoneSurrogate(header)) return 'not-canonical';
    return holdsLoneSurrogate(data) ? 'lone-surrogates' : 'canonical';
  } catch {
    return 'not-canonical';
  }
}
