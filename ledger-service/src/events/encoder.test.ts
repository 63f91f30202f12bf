import protobuf from 'protobufjs';
import { RECERTIFIED } from '../certification/testing/history';
import { initialCertification } from '../testing/scenario';
import { canonicalBytes, normalizePayload, ZERO_HASH, type HashedEnvelope } from './canonical';
import { encodeCanonical } from './encoder';
import { EVENT_TYPES, payloadTypeOf, type EventType } from './schema';
import { documented, workedExample } from './testing/workedExample';

const envelope = (type: EventType, data: Record<string, unknown>, version = 3): HashedEnvelope => ({
  eventId: '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b',
  certificationId: 'JSQC-2026-0001',
  type,
  version,
  agencyId: 'CNCA-R-2002-001',
  occurredAt: '2026-03-02T09:00:00+08:00',
  prevHash: '9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3',
  data,
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Both encoders on the payload as the intake hashes it: normalized first. */
function expectSameBytes(type: EventType, data: Record<string, unknown>, version?: number): void {
  const hashed = envelope(type, normalizePayload(type, data), version);
  expect([type, hex(encodeCanonical(hashed))]).toEqual([type, hex(canonicalBytes(hashed))]);
}

/** A payload with every field of the type set: `pick` chooses each scalar's value. */
function fill(type: protobuf.Type, pick: (field: protobuf.Field) => unknown, depth = 0): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const resolved = field.resolve().resolvedType;
    const one = (): unknown => {
      if (resolved instanceof protobuf.Type) return depth > 3 ? {} : fill(resolved, pick, depth + 1);
      if (resolved instanceof protobuf.Enum)
        return pick(field) === 'default' ? Object.keys(resolved.values)[0] : Object.keys(resolved.values).at(-1);
      return pick(field);
    };
    data[field.name] = field.repeated ? [one(), one()] : one();
  }
  return data;
}

const FULL: Readonly<Record<string, unknown>> = {
  string: '质量管理体系 ISO 9001 — ✓',
  double: 2.75,
  float: 1.5,
  uint32: 300,
  int32: 7,
  uint64: 2 ** 40 + 3,
  int64: 2 ** 35,
  bool: true,
  bytes: 'AAEC',
};
const DEFAULTS: Readonly<Record<string, unknown>> = {
  string: '',
  double: 0,
  float: 0,
  uint32: 0,
  int32: 0,
  uint64: 0,
  int64: 0,
  bool: false,
  bytes: '',
};

describe('encodeCanonical', () => {
  it('gives the bytes of canonicalBytes for every payload of a whole certification history and the README scenario', () => {
    for (const step of RECERTIFIED) expectSameBytes(step.type as EventType, step.data);
    for (const event of initialCertification({ certificationId: 'ENC-1', appliedOn: '2025-03-01' })) {
      expectSameBytes(event.type as EventType, event.data as Record<string, unknown>);
    }
  });

  it('gives the bytes of canonicalBytes for every event type with every field set', () => {
    for (const type of EVENT_TYPES) {
      expectSameBytes(
        type,
        fill(payloadTypeOf(type), (field) => FULL[field.type]),
      );
    }
  });

  it('leaves out explicit defaults, keeps empty messages, for every event type, as canonicalBytes does', () => {
    for (const type of EVENT_TYPES) {
      expectSameBytes(
        type,
        fill(payloadTypeOf(type), (field) => DEFAULTS[field.type] ?? 'default'),
      );
      expectSameBytes(type, {}, 0);
    }
  });

  it('gives the bytes of canonicalBytes for long and unusual strings: lengths of 2 and 3 bytes, lone surrogates', () => {
    const [application] = initialCertification({ certificationId: 'ENC-2', appliedOn: '2025-03-01' });
    const data = application!.data as Record<string, unknown>;
    for (const scope of [
      'x'.repeat(39),
      '质'.repeat(40),
      's'.repeat(200),
      '量'.repeat(7000),
      'a\ud800b',
      'c'.repeat(45) + '\udc00',
    ]) {
      expectSameBytes('ApplicationSubmitted', { ...data, scope });
      expectSameBytes('ApplicationSubmitted', {
        ...data,
        client: { ...(data.client as object), name: scope, address: scope },
      });
    }
  });

  it('gives the worked example of docs/canonical-encoding.md its documented bytes, and a first event its zero prevHash', () => {
    const example = { ...workedExample, data: normalizePayload(workedExample.type, workedExample.data) };
    expect(hex(encodeCanonical(example))).toBe(documented('example-bytes'));
    const first = { ...example, version: 0, prevHash: ZERO_HASH };
    expect(hex(encodeCanonical(first))).toBe(hex(canonicalBytes(first)));
  });
});
