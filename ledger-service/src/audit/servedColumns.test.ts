import { canonicalBytes, normalizePayload, sha256Hex, ZERO_HASH } from '../events/canonical';
import { readEnvelopeHeader } from '../events/envelopeHeader';
import { initialCertification } from '../testing/scenario';
import { alteredColumns, hashedRegionOf } from './servedColumns';
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

  it('leaves the region of a supervision stream unchecked: no hashed bytes hold it', () => {
    const first = fact(0, ZERO_HASH, { streamId: 'supervision-C1', regionCode: '32' });
    expect(alteredColumns([first, fact(1, first.hash, { streamId: 'supervision-C1', regionCode: '3201' })])).toEqual(
      [],
    );
  });
});
