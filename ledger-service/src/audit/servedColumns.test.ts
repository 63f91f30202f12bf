import { canonicalBytes, normalizePayload, sha256Hex, ZERO_HASH } from '../events/canonical';
import { readEnvelopeHeader } from '../events/envelopeHeader';
import { initialCertification } from '../testing/scenario';
import { hashedRegionOf } from '../events/filedRegion';
import { alteredColumns } from './servedColumns';
import type { EventFacts } from './types';

const [application, review] = initialCertification({
  certificationId: 'C1',
  appliedOn: '2025-03-01',
  regionCode: '320106',
});

/** A stored event with real bytes, its columns as the intake writes them unless `columns` says otherwise. */
function fact(version: number, prevHash: string, columns: Partial<EventFacts> = {}): EventFacts {
  const spec = version === 0 ? application! : review!;
  const canonical = canonicalBytes({
    eventId: `e${version}`,
    certificationId: 'C1',
    type: spec.type,
    version,
    agencyId: 'CB',
    occurredAt: spec.occurredAt,
    prevHash,
    data: normalizePayload(spec.type, spec.data),
  });
  const hash = sha256Hex(canonical);
  const streamId = columns.streamId ?? 'certification-C1';
  const hashedRegionCode = hashedRegionOf(streamId, version, canonical);
  return {
    position: 10 + version,
    eventId: `e${version}`,
    streamId,
    certificationId: 'C1',
    type: spec.type,
    version,
    agencyId: 'CB',
    regionCode: '320106',
    recordedAt: '2026-01-01T00:00:00.000Z',
    occurredAt: spec.occurredAt,
    ...(hashedRegionCode !== undefined ? { hashedRegionCode } : {}),
    hash,
    prevHash,
    computedHash: hash,
    header: readEnvelopeHeader(canonical),
    ...columns,
  };
}

describe('hashedRegionOf', () => {
  it("reads the client's region from a certification stream's first event only", () => {
    const first = fact(0, ZERO_HASH);
    const bytes = canonicalBytes({
      eventId: 'e0',
      certificationId: 'C1',
      type: application!.type,
      version: 0,
      agencyId: 'CB',
      occurredAt: application!.occurredAt,
      prevHash: ZERO_HASH,
      data: normalizePayload(application!.type, application!.data),
    });
    expect(first.hashedRegionCode).toBe('320106');
    expect(hashedRegionOf('certification-C1', 1, bytes)).toBeUndefined();
    expect(hashedRegionOf('supervision-C1', 0, bytes)).toBeUndefined();
    expect(hashedRegionOf('certification-C1', 0, Buffer.from(bytes).subarray(0, bytes.length - 5))).toBeUndefined();
  });

  it("reads every supervision event's filing region, '' for an admin's, nothing for events written before filings", () => {
    expect(supervisionCase('3201', ['3201', '3201']).map((event) => event.hashedRegionCode)).toEqual(['3201', '3201']);
    expect(supervisionCase('', ['']).map((event) => event.hashedRegionCode)).toEqual(['']);
    expect(supervisionCase(undefined, ['3201']).map((event) => event.hashedRegionCode)).toEqual([undefined]);
  });
});

describe('alteredColumns', () => {
  it('finds nothing in a stream whose columns say what its bytes say', () => {
    const first = fact(0, ZERO_HASH);
    expect(alteredColumns([first, fact(1, first.hash)])).toEqual([]);
  });

  it('compares no column with bytes that do not hash to their stored hash: they vouch for nothing', () => {
    const first = fact(0, ZERO_HASH, { regionCode: '110105' });
    const second = fact(1, first.hash, { occurredAt: '2020-01-01T00:00:00Z' });
    expect(
      alteredColumns([
        { ...first, computedHash: 'f'.repeat(64) },
        { ...second, computedHash: 'f'.repeat(64) },
      ]),
    ).toEqual([]);
    expect(alteredColumns([first, second]).map((d) => d.reason)).toEqual([
      'occurred-at-differs-from-bytes',
      'region-differs-from-first-event',
    ]);
  });

  it("names each supervision event whose region_code is not its hashed filing, an admin's empty region included", () => {
    const nanjing = supervisionCase('3201', ['3201', '3205', '3201']);
    expect(alteredColumns(nanjing).map((d) => [d.reason, d.version, d.expected, d.actual])).toEqual([
      ['region-differs-from-filing', 1, '3201', '3205'],
    ]);
    const admin = supervisionCase('', ['', '32']);
    expect(alteredColumns(admin).map((d) => [d.reason, d.eventId, d.expected, d.actual])).toEqual([
      ['region-differs-from-filing', 's1', '', '32'],
    ]);
    expect(alteredColumns(supervisionCase('', ['', '']))).toEqual([]);
    expect(alteredColumns(supervisionCase('3201', ['3201', '3201']))).toEqual([]);
  });

  it('leaves unchecked the region of supervision events written before the ledger recorded their filing', () => {
    expect(alteredColumns(supervisionCase(undefined, ['32', '3201']))).toEqual([]);
  });
});

/** A supervision case of complaints filed under `filed` (none: written before filings), with these region_code columns. */
function supervisionCase(filed: string | undefined, columns: readonly string[]): EventFacts[] {
  let prevHash = ZERO_HASH;
  return columns.map((regionCode, version) => {
    const occurredAt = '2026-11-19T10:00:00+08:00';
    const canonical = canonicalBytes({
      eventId: `s${version}`,
      certificationId: 'CASE-1',
      type: 'ComplaintRecorded',
      version,
      agencyId: 'regulator-nanjing',
      occurredAt,
      prevHash,
      data: normalizePayload('ComplaintRecorded', {
        receivedAt: '2026-11-18',
        subject: '证书范围与实际不符',
        ...(filed === undefined ? {} : { filing: { regionCode: filed } }),
      }),
    });
    const hash = sha256Hex(canonical);
    const hashedRegionCode = hashedRegionOf('supervision-CASE-1', version, canonical);
    const event: EventFacts = {
      position: 20 + version,
      eventId: `s${version}`,
      streamId: 'supervision-CASE-1',
      certificationId: 'CASE-1',
      type: 'ComplaintRecorded',
      version,
      agencyId: 'regulator-nanjing',
      regionCode,
      recordedAt: '2026-11-19T02:00:00.000Z',
      occurredAt,
      ...(hashedRegionCode !== undefined ? { hashedRegionCode } : {}),
      hash,
      prevHash,
      computedHash: hash,
      header: readEnvelopeHeader(canonical),
    };
    prevHash = hash;
    return event;
  });
}
