import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalBytes, decodeCanonical, hashOf, ZERO_HASH, type HashedEnvelope } from './canonical';
import { PROTO_DIR } from './schema';

const DOC = path.resolve(__dirname, '../../../docs/canonical-encoding.md');

/** The worked example of docs/canonical-encoding.md. */
const example: HashedEnvelope = {
  eventId: '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b',
  certificationId: 'JSQC-2026-0001',
  type: 'AuditPlanned',
  version: 4,
  agencyId: 'CNCA-R-2002-001',
  occurredAt: '2026-03-02T09:00:00+08:00',
  prevHash: '9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3',
  data: {
    auditId: 'A-STAGE2',
    mode: 'onsite',
    start: '2026-03-10',
    end: '2026-03-11',
    auditDays: 2.5,
    onsiteDays: 2.5,
  },
};

function documented(label: string): string {
  const text = readFileSync(DOC, 'utf8');
  const match = new RegExp(`<!-- ${label} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!match) throw new Error(`docs/canonical-encoding.md has no ${label} block`);
  return match[1]!.replace(/\s+/g, '');
}

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
    const protoc = ['/usr/bin/protoc', '/usr/local/bin/protoc'].find((candidate) => existsSync(candidate));
    if (!protoc)
      throw new Error('protoc is missing: apt-get install protobuf-compiler (scripts/ci/install-debian-packages.sh)');
    const bytes = execFileSync(
      protoc,
      [`-I${PROTO_DIR}`, '-I/usr/include', '--encode=certledger.v1.EventEnvelope', 'certledger/v1/events.proto'],
      {
        input: readDocumentedTextFormat(),
      },
    );
    expect(bytes.toString('hex')).toBe(documented('example-bytes'));
  });
});

function readDocumentedTextFormat(): string {
  const text = readFileSync(DOC, 'utf8');
  const match = /<!-- example-textproto -->\s*```\w*\n([\s\S]*?)```/.exec(text);
  if (!match) throw new Error('docs/canonical-encoding.md has no example-textproto block');
  return match[1]!;
}
