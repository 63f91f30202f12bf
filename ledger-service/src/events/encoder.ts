import protobuf from 'protobufjs';
import type { HashedEnvelope } from './canonical';
import { EventDataType, payloadFieldOf, payloadTypeOf } from './schema';

// The canonical encoding (docs/canonical-encoding.md) written straight from a payload as
// normalizePayload returns it, in one walk: fields in number order, proto3 defaults left out,
// repeated numbers packed. canonicalBytes reaches the same bytes through protobufjs's fromObject,
// a default-stripping copy and encode, which cost the intake three walks and their garbage per event.

type Scalar =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

interface FieldPlan {
  readonly name: string;
  /** The field's key (number and wire type), as a varint. */
  readonly tag: number;
  readonly repeated: boolean;
  readonly packed: boolean;
  readonly scalar?: Scalar;
  readonly enumValues?: Readonly<Record<string, number>>;
  readonly message?: protobuf.Type;
}

/** A field's key: its number and wire type, as the varint written before its value. */
const tag = (id: number, wireType: number): number => ((id << 3) | wireType) >>> 0;

const plans = new Map<protobuf.Type, readonly FieldPlan[]>();

function planOf(type: protobuf.Type): readonly FieldPlan[] {
  let plan = plans.get(type);
  if (plan) return plan;
  plan = [...type.fieldsArray]
    .sort((a, b) => a.id - b.id)
    .map((field): FieldPlan => {
      const resolved = field.resolve().resolvedType;
      const message = resolved instanceof protobuf.Type ? resolved : undefined;
      const enumValues = resolved instanceof protobuf.Enum ? resolved.values : undefined;
      const scalar = message || enumValues ? undefined : (field.type as Scalar);
      const packed =
        field.repeated && field.packed && message === undefined && scalar !== 'string' && scalar !== 'bytes';
      const wireType =
        message || packed ? 2 : enumValues ? 0 : (protobuf.types.basic as Record<string, number>)[field.type]!;
      return {
        name: field.name,
        tag: tag(field.id, wireType),
        repeated: field.repeated,
        packed,
        scalar,
        enumValues,
        message,
      };
    });
  plans.set(type, plan);
  return plan;
}

function isDefault(value: unknown): boolean {
  return value === 0 || value === '' || value === false || (value instanceof Uint8Array && value.length === 0);
}

function writeValue(writer: protobuf.Writer, field: FieldPlan, value: unknown): void {
  if (field.message) {
    writer.fork();
    writeMessage(writer, field.message, value as Record<string, unknown>);
    writer.ldelim();
  } else if (field.enumValues) {
    writer.int32(typeof value === 'number' ? value : field.enumValues[value as string]!);
  } else {
    (writer[field.scalar!] as (v: unknown) => protobuf.Writer)(value);
  }
}

function isDefaultOf(field: FieldPlan, value: unknown): boolean {
  if (field.enumValues) return (typeof value === 'number' ? value : field.enumValues[value as string]) === 0;
  return isDefault(value);
}

function writeMessage(writer: protobuf.Writer, type: protobuf.Type, message: Record<string, unknown>): void {
  for (const field of planOf(type)) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    if (field.repeated) {
      const items = value as readonly unknown[];
      if (items.length === 0) continue;
      if (field.packed) {
        writer.uint32(field.tag).fork();
        for (const item of items) writeValue(writer, field, item);
        writer.ldelim();
      } else {
        for (const item of items) writeValue(writer.uint32(field.tag), field, item);
      }
    } else if (!isDefaultOf(field, value)) {
      // A message field that is set is never a default: it is written even when empty, as protobufjs writes it.
      writeValue(writer.uint32(field.tag), field, value);
    }
  }
}

/**
 * The canonical bytes of an event whose `data` is as normalizePayload returns it (enums by name,
 * 64-bit integers as numbers). Byte for byte what canonicalBytes gives (encoder.test.ts shows it
 * over every event type); other callers keep canonicalBytes, which accepts any JSON payload.
 */
export function encodeCanonical(envelope: HashedEnvelope): Uint8Array {
  const writer = protobuf.Writer.create();
  if (envelope.eventId !== '') writer.uint32(tag(1, 2)).string(envelope.eventId);
  if (envelope.certificationId !== '') writer.uint32(tag(2, 2)).string(envelope.certificationId);
  writer.uint32(tag(3, 2)).string(envelope.type);
  if (envelope.version !== 0) writer.uint32(tag(4, 0)).uint64(envelope.version);
  if (envelope.agencyId !== '') writer.uint32(tag(5, 2)).string(envelope.agencyId);
  if (envelope.occurredAt !== '') writer.uint32(tag(6, 2)).string(envelope.occurredAt);
  const prevHash = Buffer.from(envelope.prevHash, 'hex');
  if (prevHash.length > 0) writer.uint32(tag(7, 2)).bytes(prevHash);
  // data (8) is always written, and in it the payload named by the type, even when empty.
  const payloadField = protobufField(envelope.type);
  writer.uint32(tag(8, 2)).fork();
  writer.uint32(tag(payloadField.id, 2)).fork();
  writeMessage(writer, payloadTypeOf(envelope.type), envelope.data);
  writer.ldelim();
  writer.ldelim();
  return writer.finish();
}

const payloadFields = new Map<string, protobuf.Field>();

function protobufField(type: HashedEnvelope['type']): protobuf.Field {
  let field = payloadFields.get(type);
  if (!field) {
    field = EventDataType.fields[payloadFieldOf(type)]!;
    payloadFields.set(type, field);
  }
  return field;
}
