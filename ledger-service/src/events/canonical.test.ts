import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  canonicalBytes,
  canonicalFormOf,
  decodeCanonical,
  hashOf,
  normalizePayload,
  ZERO_HASH,
  type HashedEnvelope,
} from './canonical';
import { PROTO_DIR } from './schema';
import { CANONICAL_ENCODING_DOC, documented, workedExample } from './testing/workedExample';

const example = workedExample;

describe('canonical encoding', () => {
  it('gives the bytes and hash that the document shows for its worked example', () => {
    expect(Buffer.from(canonicalBytes(example)).toString('hex')).toBe(documented('example-bytes'));
    expect(hashOf(example)).toBe(documented('example-hash'));
  });

  it('reads canonical bytes back into the same envelope', () => {
    expect(decodeCanonical(canonicalBytes(example))).toEqual(example);
  });

  it('leaves out default values, so an explicit zero hashes like an absent field', () => {
    const withZero = { ...example, data: { ...example.data, onsiteDays: 0 } };
    const { onsiteDays: _dropped, ...rest } = example.data;
    const without = { ...example, data: rest };
    expect(hashOf(withZero)).toBe(hashOf(without));
  });

  it('changes the hash when any hashed field changes', () => {
    const variants: HashedEnvelope[] = [
      { ...example, version: 5 },
      { ...example, prevHash: ZERO_HASH },
      { ...example, agencyId: 'CNCA-R-2002-002' },
      { ...example, occurredAt: '2026-03-02T09:00:01+08:00' },
      { ...example, data: { ...example.data, auditDays: 3 } },
    ];
    const hashes = new Set([hashOf(example), ...variants.map(hashOf)]);
    expect(hashes.size).toBe(variants.length + 1);
  });

  it('encodes an empty payload so that the type is still recorded', () => {
    const expired: HashedEnvelope = { ...example, type: 'CertificateExpired', data: {} };
    expect(decodeCanonical(canonicalBytes(expired)).type).toBe('CertificateExpired');
    expect(hashOf(expired)).not.toBe(hashOf({ ...expired, type: 'CertificateRestored' as const }));
  });

  it('matches what protoc encodes from the text format in the document (independent encoder)', () => {
    expect(protocEncode(readDocumentedTextFormat()).toString('hex')).toBe(documented('example-bytes'));
  });

  it("records a supervision event's filing even when its region is empty (an admin's), as protoc does", () => {
    const complaint = (filing: Record<string, unknown>): HashedEnvelope => ({
      ...example,
      type: 'ComplaintRecorded',
      data: normalizePayload('ComplaintRecorded', { receivedAt: '2026-11-18', subject: 'scope', filing }),
    });
    // The documented envelope's fields, with this type and payload.
    const header = readDocumentedTextFormat()
      .split('data {')[0]!
      .replace('type: "AuditPlanned"', 'type: "ComplaintRecorded"');
    const textOf = (filing: string) =>
      `${header}data { complaint_recorded { received_at: "2026-11-18" subject: "scope" filing { ${filing} } } }`;
    const admin = Buffer.from(canonicalBytes(complaint({})));
    expect(admin.toString('hex')).toBe(protocEncode(textOf('')).toString('hex'));
    expect(admin.toString('hex')).toMatch(/7a00$/);
    expect(Buffer.from(canonicalBytes(complaint({ regionCode: '3201' }))).toString('hex')).toBe(
      protocEncode(textOf('region_code: "3201"')).toString('hex'),
    );
    expect(hashOf(complaint({}))).not.toBe(hashOf(complaint({ regionCode: '3201' })));
    const { filing: _filing, ...unfiled } = complaint({}).data;
    expect(hashOf(complaint({}))).not.toBe(hashOf({ ...complaint({}), data: unfiled }));
  });
});

describe('canonicalFormOf', () => {
  const restored = (reason: string, overrides: Partial<HashedEnvelope> = {}): HashedEnvelope => ({
    ...example,
    type: 'CertificateRestored',
    data: { reason },
    ...overrides,
  });
  const formOf = (envelope: HashedEnvelope) => canonicalFormOf(canonicalBytes(envelope));

  it('knows the canonical encoding, and bytes that hold the same envelope otherwise', () => {
    expect(formOf(example)).toBe('canonical');
    expect(formOf(restored('审核通过 😀'))).toBe('canonical');
    const bytes = Buffer.from(canonicalBytes(example));
    expect(canonicalFormOf(Buffer.concat([bytes, bytes.subarray(0, 2 + bytes[1]!)]))).toBe('not-canonical');
    expect(canonicalFormOf(Buffer.from('not protobuf'))).toBe('not-canonical');
  });

  it('tells payload text with a lone surrogate, as protobufjs wrote it in a short string, from bytes no intake wrote', () => {
    const short = restored('audit done \ud83d');
    expect(Buffer.from(canonicalBytes(short)).toString('hex')).toContain('eda0bd');
    expect(formOf(short)).toBe('lone-surrogates');
    // In a string of 40 code units or more protobufjs wrote U+FFFD: valid UTF-8, though not what was sent.
    const long = restored(`${'a'.repeat(40)}\ud83d`);
    expect(Buffer.from(canonicalBytes(long)).toString('hex')).toContain('efbfbd');
    expect(formOf(long)).toBe('canonical');
    expect(formOf(restored('\ud83d', { occurredAt: '2026-03-02T09:00:00+08:00\ud83d' }))).toBe('not-canonical');
  });
});

/** The canonical bytes protoc encodes from an EventEnvelope in text format (an encoder independent of the ledger's). */
function protocEncode(text: string): Buffer {
  const protoc = ['/usr/bin/protoc', '/usr/local/bin/protoc'].find((candidate) => existsSync(candidate));
  if (!protoc)
    throw new Error('protoc is missing: apt-get install protobuf-compiler (scripts/ci/install-debian-packages.sh)');
  return execFileSync(
    protoc,
    [`-I${PROTO_DIR}`, '-I/usr/include', '--encode=certledger.v1.EventEnvelope', 'certledger/v1/events.proto'],
    { input: text },
  );
}

function readDocumentedTextFormat(): string {
  const text = readFileSync(CANONICAL_ENCODING_DOC, 'utf8');
  const match = /<!-- example-textproto -->\s*```\w*\n([\s\S]*?)```/.exec(text);
  if (!match) throw new Error('docs/canonical-encoding.md has no example-textproto block');
  return match[1]!;
}
