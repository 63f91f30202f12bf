import { canonicalBytes, decodeCanonical, normalizePayload, ZERO_HASH } from './canonical';
import { initialCertification } from '../testing/scenario';
import {
  EnvelopeFormatError,
  headerMatches,
  readClientRegionCode,
  readEnvelopeHeader,
  readFiledRegion,
  readOccurredAt,
} from './envelopeHeader';

const envelope = {
  eventId: '5b0c7a2e-8f7e-4a51-9d8e-3c1f2b4a6d70',
  certificationId: 'CERT-1',
  type: 'ContractSigned' as const,
  version: 2,
  agencyId: 'CNCA-R-2002-001',
  occurredAt: '2025-03-10T10:00:00+08:00',
  prevHash: 'ab'.repeat(32),
  data: { contractNo: 'HT-2025-001', signedAt: '2025-03-10' },
};

describe('readEnvelopeHeader', () => {
  it('reads the same envelope fields as the full protobuf decoder', () => {
    const bytes = canonicalBytes(envelope);
    const full = decodeCanonical(bytes);
    const header = readEnvelopeHeader(bytes);
    expect(header).toEqual({
      eventId: full.eventId,
      certificationId: full.certificationId,
      type: full.type,
      version: full.version,
      agencyId: full.agencyId,
      occurredAt: full.occurredAt,
      prevHash: full.prevHash,
      hasData: true,
    });
  });

  it('reads version 0 with the zero prevHash', () => {
    const header = readEnvelopeHeader(canonicalBytes({ ...envelope, version: 0, prevHash: ZERO_HASH }));
    expect(header).toMatchObject({ version: 0, prevHash: ZERO_HASH });
  });

  it('refuses bytes that are no envelope', () => {
    expect(() => readEnvelopeHeader(Buffer.from('not an envelope at all'))).toThrow(EnvelopeFormatError);
    const bytes = Buffer.from(canonicalBytes(envelope));
    expect(() => readEnvelopeHeader(bytes.subarray(0, bytes.length - 3))).toThrow(EnvelopeFormatError);
  });
});

describe('headerMatches', () => {
  const bytes = canonicalBytes(envelope);
  it('accepts the envelope’s own fields and refuses any one changed', () => {
    expect(headerMatches(bytes, envelope)).toBe(true);
    expect(
      headerMatches(canonicalBytes({ ...envelope, version: 0, prevHash: ZERO_HASH }), {
        ...envelope,
        version: 0,
        prevHash: ZERO_HASH,
      }),
    ).toBe(true);
    for (const change of [
      { eventId: 'other' },
      { certificationId: 'CERT-2' },
      { type: 'CertificateIssued' },
      { version: 3 },
      { agencyId: 'X' },
      { occurredAt: '2025-03-10T10:00:01+08:00' },
      { prevHash: 'cd'.repeat(32) },
    ]) {
      expect(headerMatches(bytes, { ...envelope, ...change })).toBe(false);
    }
    expect(headerMatches(Buffer.from('garbage'), envelope)).toBe(false);
  });
});

describe('readOccurredAt', () => {
  it('reads the occurredAt the hash covers, and nothing where the envelope has none', () => {
    expect(readOccurredAt(canonicalBytes(envelope))).toBe(envelope.occurredAt);
    expect(readOccurredAt(canonicalBytes({ ...envelope, occurredAt: '' }))).toBe('');
    const bytes = Buffer.from(canonicalBytes(envelope));
    expect(() => readOccurredAt(bytes.subarray(0, 60))).toThrow(EnvelopeFormatError);
  });
});

describe('readClientRegionCode', () => {
  it("reads the client's region from an ApplicationSubmitted, and nothing from any other payload", () => {
    const [application] = initialCertification({
      certificationId: 'CERT-1',
      appliedOn: '2025-03-01',
      regionCode: '440305',
    });
    const bytes = canonicalBytes({
      ...envelope,
      type: application!.type,
      version: 0,
      prevHash: ZERO_HASH,
      data: normalizePayload(application!.type, application!.data),
    });
    expect((decodeCanonical(bytes).data.client as { regionCode: string }).regionCode).toBe('440305');
    expect(readClientRegionCode(bytes)).toBe('440305');
    expect(readClientRegionCode(canonicalBytes(envelope))).toBe('');
    expect(() => readClientRegionCode(Buffer.from(bytes).subarray(0, bytes.length - 5))).toThrow(EnvelopeFormatError);
  });
});

describe('readFiledRegion', () => {
  const complaint = (data: Record<string, unknown>) =>
    canonicalBytes({
      ...envelope,
      certificationId: 'CASE-1',
      type: 'ComplaintRecorded',
      agencyId: 'regulator-nanjing',
      data: normalizePayload('ComplaintRecorded', { receivedAt: '2026-11-18', subject: '证书范围与实际不符', ...data }),
    });

  it("reads a supervision event's filing region: the regulator's, or '' for an admin's (a filing without region)", () => {
    expect(readFiledRegion(complaint({ filing: { regionCode: '3201' } }))).toBe('3201');
    expect(readFiledRegion(complaint({ filing: { regionCode: '' } }))).toBe('');
    expect(readFiledRegion(complaint({ filing: {} }))).toBe('');
  });

  it('reads nothing where no filing was recorded: an older supervision event, a certification event', () => {
    expect(readFiledRegion(complaint({}))).toBeUndefined();
    expect(readFiledRegion(canonicalBytes(envelope))).toBeUndefined();
  });

  it('throws on bytes that are not protobuf', () => {
    const bytes = Buffer.from(complaint({ filing: { regionCode: '3201' } }));
    expect(() => readFiledRegion(bytes.subarray(0, bytes.length - 3))).toThrow(EnvelopeFormatError);
  });
});
