import { evolve, foldedEvent, foldEvents, initialState } from './state';
import {
  CB,
  CERTIFICATE_NO,
  CERTIFIED,
  NOW,
  OTHER_CB,
  RECERTIFIED,
  SURVEILLED_TWICE,
  at,
  eventIdsOf,
  given,
  step,
} from './testing/history';

describe('CertificationState as a fold of events', () => {
  it('finds every folded event by eventId, and none of a later or another state', () => {
    const state = given(CERTIFIED);
    const ids = eventIdsOf(state);
    expect(ids).toHaveLength(CERTIFIED.length);
    ids.forEach((id, index) => expect(foldedEvent(state, id)).toMatchObject({ type: CERTIFIED[index]!.type }));
    const next = evolve(state, {
      type: 'ReportedToCnca',
      data: {},
      occurredAt: at('2030-01-01'),
      recordedAt: at('2030-01-01'),
      agencyId: CB,
      eventId: 'later',
      version: ids.length,
    });
    expect(foldedEvent(next, 'later')?.type).toBe('ReportedToCnca');
    expect(foldedEvent(state, 'later')).toBeUndefined();
  });

  it('starts empty', () => {
    expect(initialState.version).toBe(-1);
    expect(initialState.application).toBeUndefined();
  });

  it('keeps what the rules need from the initial certification', () => {
    const state = given(CERTIFIED);
    expect(state.holder).toBe(CB);
    expect(state.application).toMatchObject({
      status: 'accepted',
      scheme: 'QMS',
      sectors: [17, 18],
      client: { regionCode: '320115', employees: 120, creditCode: '91320115MA1WB8TH1M', sites: 0 },
    });
    expect(state.review).toMatchObject({ outcome: 'accepted', requiredAuditDays: 7 });
    expect(state.contract).toMatchObject({ contractNo: 'HT-2025-0007', signedAt: '2025-01-15' });
    expect(state.audits['A-S1']).toMatchObject({
      kind: 'stage1',
      cycle: 0,
      plan: { auditDays: 2, onsiteDays: 2 },
      conducted: { end: '2025-02-11' },
    });
    expect(state.audits['A-S2']).toMatchObject({
      kind: 'stage2',
      findingIds: ['NC-1'],
      decision: { decision: 'grant' },
    });
    expect(state.audits['A-S2']!.team.map((m) => m.auditorId)).toEqual(['AUD-001', 'AUD-002']);
    expect(state.findings['NC-1']).toMatchObject({ grade: 'minor', auditId: 'A-S2', closed: {} });
    expect(state.decisions).toHaveLength(1);
    expect(state.pendingGrant).toBeUndefined();
    expect(state.certificate).toMatchObject({
      certificateNo: CERTIFICATE_NO,
      status: 'valid',
      issuedAt: '2025-04-03',
      validUntil: '2028-04-01',
      edition: 1,
      issuedBy: CB,
    });
    expect(state.cycle).toEqual({ number: 1, startedOn: '2025-04-03' });
  });

  it('tracks surveillance in the cycle and starts the next one at recertification', () => {
    const surveilled = given(SURVEILLED_TWICE);
    expect(Object.values(surveilled.audits).filter((a) => a.kind === 'surveillance' && a.cycle === 1)).toHaveLength(2);
    const recertified = given(RECERTIFIED);
    expect(recertified.cycle).toEqual({ number: 2, startedOn: '2028-03-15' });
    expect(recertified.certificateNos).toEqual([CERTIFICATE_NO]);
  });

  it('follows suspension, restoration and transfer', () => {
    const suspended = given([
      ...CERTIFIED,
      step('CertificateSuspended', { reason: 'x', until: '2026-08-01' }, at('2026-05-10')),
    ]);
    expect(suspended.certificate).toMatchObject({
      status: 'suspended',
      suspension: { since: '2026-05-10', until: '2026-08-01' },
    });
    const restored = given([
      ...CERTIFIED,
      step('CertificateSuspended', { reason: 'x', until: '2026-08-01' }, at('2026-05-10')),
      step('CertificateRestored', { reason: 'y' }, at('2026-06-10')),
      step('TransferReleased', { toAgencyId: OTHER_CB }, at('2026-06-20')),
    ]);
    expect(restored.certificate).toMatchObject({ status: 'valid' });
    expect(restored.certificate!.suspension).toBeUndefined();
    expect(restored.holder).toBe(CB);
    expect(restored.release).toEqual({
      toAgencyId: OTHER_CB,
      at: at('2026-06-20'),
      recordedAt: NOW.toISOString(),
    });
    const transferred = given([
      ...CERTIFIED,
      step('TransferReleased', { toAgencyId: OTHER_CB }, at('2026-06-20')),
      step('CertificationTransferred', { fromAgencyId: CB }, at('2026-07-01'), OTHER_CB),
    ]);
    expect(transferred.holder).toBe(OTHER_CB);
    expect(transferred.release).toBeUndefined();
    expect(transferred.transfer).toMatchObject({ fromAgencyId: CB, toAgencyId: OTHER_CB, awaitingCertificate: true });
  });

  it('forgets a release its holder withdraws, and keeps the certification where it was', () => {
    const released = [...CERTIFIED, step('TransferReleased', { toAgencyId: OTHER_CB }, at('2026-06-20'))];
    const withdrawn = given([
      ...released,
      step('TransferReleaseWithdrawn', { reason: '客户决定不转换' }, at('2026-06-25')),
    ]);
    expect(withdrawn.release).toBeUndefined();
    expect(withdrawn.holder).toBe(CB);
    expect(withdrawn.transfer).toBeUndefined();
    expect(withdrawn.certificate).toEqual(given(released).certificate);
    expect(withdrawn.version).toBe(released.length);
  });

  it('only advances the version on events it does not know', () => {
    const state = given(CERTIFIED);
    const next = evolve(state, {
      type: 'SpotCheckRecorded',
      data: {},
      occurredAt: at('2025-05-01'),
      recordedAt: at('2025-05-01'),
      agencyId: CB,
      eventId: 'e-x',
      version: state.version + 1,
    });
    expect(next.version).toBe(state.version + 1);
    expect(next.certificate).toBe(state.certificate);
  });

  it('folds a stream with foldEvents like event-by-event evolve', () => {
    const events = CERTIFIED.map((s, version) => ({
      ...s,
      recordedAt: s.occurredAt,
      agencyId: s.agencyId ?? CB,
      eventId: `e-${version}`,
      version,
    }));
    const folded = foldEvents(
      events.map((e) => (e.type === 'ApplicationReviewed' ? { ...e, data: { ...e.data, requiredAuditDays: 7 } } : e)),
    );
    expect(folded.certificate).toEqual({ ...given(CERTIFIED).certificate });
    expect(folded.version).toBe(CERTIFIED.length - 1);
  });
});
