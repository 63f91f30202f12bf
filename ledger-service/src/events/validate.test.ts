import { EVENT_TYPES } from './schema';
import { atEventPaths, FORMATS, isDate, isDateTime, validatePayload } from './validate';
import { RECERTIFIED, applicationData, at } from '../certification/testing/history';

const codes = (type: string, data: unknown) => validatePayload(type, data).map((i) => `${i.path}:${i.code}`);

describe('validatePayload', () => {
  it('accepts every payload of a whole certification history', () => {
    for (const step of RECERTIFIED) expect(validatePayload(step.type, step.data)).toEqual([]);
  });

  it('accepts the remaining certification and supervision payloads', () => {
    const valid: Record<string, unknown> = {
      CertificateSuspended: { reason: '未按期监督', until: '2026-08-01' },
      CertificateRestored: { reason: '监督审核通过' },
      CertificateWithdrawn: { reason: '暂停期满' },
      CertificateCancelled: { reason: '企业注销' },
      CertificateExpired: {},
      CertificateScopeChanged: { scope: '零部件', sectors: [17] },
      CertificationTransferred: { fromAgencyId: 'CNCA-RF-2019-003', reason: 'MD2' },
      TransferReleased: { toAgencyId: 'CNCA-RF-2019-003', reason: '客户申请转换认证机构' },
      TransferReleaseWithdrawn: { reason: '受让机构转换前评审未通过' },
      ReportedToCnca: {
        certificationId: 'JS-2025.0007_a',
        kind: 'audit_plan',
        subjectEventId: '6F1C2A5E-0000-4000-8000-000000000001',
        reportedAt: '2025-01-22T10:00:00.123Z',
      },
      SpotCheckRecorded: {
        creditCode: '91320115MA1WB8TH1M',
        result: 'fail',
        checkedAt: '2025-06-01',
        authority: '国家市场监督管理总局',
      },
      ComplaintRecorded: { receivedAt: '2025-06-01', subject: '证书范围与实际不符', substantiated: true },
      AuditTeamEvaluated: {
        certificationId: 'C-1',
        auditId: 'A-S2',
        evaluatorRole: 'client',
        ratings: [{ auditorId: 'AUD-001', score: 5 }],
      },
      WithdrawalTriggerRecorded: { certificateNo: '00125Q31234R0M', trigger: '国抽不合格', recordedOn: '2025-06-02' },
      AuditConducted: {
        auditId: 'A-1',
        start: '2025-02-10',
        end: '2025-02-11',
        checkIns: [{ auditorId: 'AUD-001', kind: 'in', at: '2025-02-10T08:30:00+08:00', lat: 31.95, lon: 118.84 }],
        evidence: [{ name: 'photo.jpg', sha256: 'c'.repeat(64), mediaType: 'image/jpeg', size: 123456 }],
      },
    };
    for (const [type, data] of Object.entries(valid)) expect([type, validatePayload(type, data)]).toEqual([type, []]);
    expect(Object.keys(valid).every((type) => (EVENT_TYPES as readonly string[]).includes(type))).toBe(true);
  });

  it('refuses a filing in any supervision payload, even empty or naming the writer: the ledger sets it', () => {
    const complaint = { receivedAt: '2025-06-01', subject: 's' };
    expect(codes('ComplaintRecorded', { ...complaint, filing: { regionCode: '3201' } })).toEqual([
      'filing:set-by-ledger',
    ]);
    expect(codes('ComplaintRecorded', { ...complaint, filing: {} })).toEqual(['filing:set-by-ledger']);
    expect(validatePayload('ComplaintRecorded', { ...complaint, filing: {} })[0]!.message).toBe(
      "filing is set by the ledger from the writer's region and must be left out of submissions " +
        '(an event as the API returns it carries filing: remove it before posting that event again)',
    );
    expect(codes('ComplaintRecorded', { ...complaint, filing: null })).toEqual(['filing:null-value']);
    expect(
      codes('WithdrawalTriggerRecorded', {
        certificateNo: '00125Q31234R0M',
        trigger: 't',
        recordedOn: '2025-06-02',
        filing: { regionCode: '' },
      }),
    ).toEqual(['filing:set-by-ledger']);
  });

  it('rejects an unknown event type and a payload that is no object', () => {
    expect(codes('CertificateLost', {})).toEqual(['type:unknown-event-type']);
    expect(codes('CertificateRestored', [])).toEqual([':expected-object']);
    expect(codes('CertificateRestored', 'restored')).toEqual([':expected-object']);
  });

  it('rejects unknown keys, at any depth', () => {
    const data = applicationData({ extra: 1 });
    (data.client as Record<string, unknown>).credit_code = 'x';
    expect(codes('ApplicationSubmitted', data)).toEqual(['extra:unknown-field', 'client.credit_code:unknown-field']);
  });

  it('reports missing required fields by path', () => {
    const data = applicationData({ standard: '' });
    const client: Record<string, unknown> = { ...(data.client as Record<string, unknown>), name: ' ' };
    delete client.regionCode;
    expect(codes('ApplicationSubmitted', { ...data, client })).toEqual([
      'client.name:required',
      'client.regionCode:required',
      'standard:required',
    ]);
    expect(codes('CertificationDecided', { auditId: 'A', decision: 'grant', decisionMaker: {} })).toEqual([
      'decisionMaker.personId:required',
      'decisionMaker.name:required',
    ]);
    expect(codes('TransferReleaseWithdrawn', {})).toEqual(['reason:required']);
    expect(codes('TransferReleaseWithdrawn', { reason: '撤回'.repeat(1000) + '。' })).toEqual(['reason:too-long']);
    // Characters, not UTF-16 units: 2,000 characters beyond the Basic Multilingual Plane are 4,000 units.
    expect(codes('TransferReleaseWithdrawn', { reason: '𠀀'.repeat(2000) })).toEqual([]);
    expect(codes('TransferReleaseWithdrawn', { reason: '𠀀'.repeat(2001) })).toEqual(['reason:too-long']);
  });

  it('checks scalar types and numeric bounds', () => {
    const withClient = (patch: Record<string, unknown>) => {
      const data = applicationData();
      return { ...data, client: { ...(data.client as Record<string, unknown>), ...patch } };
    };
    expect(codes('ApplicationSubmitted', withClient({ employees: '120' }))).toEqual([
      'client.employees:expected-integer',
    ]);
    expect(codes('ApplicationSubmitted', withClient({ employees: 1.5 }))).toEqual([
      'client.employees:expected-integer',
    ]);
    expect(codes('ApplicationSubmitted', withClient({ employees: 0 }))).toEqual(['client.employees:required']);
    expect(codes('ApplicationSubmitted', withClient({ employees: -3 }))).toEqual(['client.employees:out-of-range']);
    expect(codes('ApplicationSubmitted', withClient({ employees: 20_000_000 }))).toEqual([
      'client.employees:too-large',
    ]);
    expect(codes('ApplicationSubmitted', withClient({ name: 42 }))).toEqual(['client.name:expected-string']);
    expect(
      codes('AuditPlanned', { auditId: 'A', mode: 'onsite', start: '2025-01-01', end: '2025-01-02', auditDays: 0.25 }),
    ).toEqual(['auditDays:too-small']);
    expect(
      codes('AuditPlanned', { auditId: 'A', mode: 'onsite', start: '2025-01-01', end: '2025-01-02', auditDays: '2' }),
    ).toEqual(['auditDays:expected-number']);
    expect(codes('ComplaintRecorded', { receivedAt: '2025-06-01', subject: 's', substantiated: 'yes' })).toEqual([
      'substantiated:expected-boolean',
    ]);
    expect(
      codes('AuditTeamEvaluated', {
        certificationId: 'C',
        auditId: 'A',
        evaluatorRole: 'client',
        ratings: [{ auditorId: 'X', score: 6 }],
      }),
    ).toEqual(['ratings[0].score:too-large']);
  });

  it('takes enums by name, never the unspecified zero', () => {
    expect(codes('ApplicationSubmitted', applicationData({ scheme: 'ISMS' }))).toEqual(['scheme:invalid-enum']);
    expect(codes('ApplicationSubmitted', applicationData({ scheme: 'SCHEME_UNSPECIFIED' }))).toEqual([
      'scheme:invalid-enum',
    ]);
    expect(codes('ApplicationSubmitted', applicationData({ scheme: 1 }))).toEqual(['scheme:invalid-enum']);
    expect(codes('ApplicationSubmitted', applicationData({ complexity: 'extreme' }))).toEqual([
      'complexity:invalid-enum',
    ]);
    const members = [{ auditorId: 'A', name: 'n', role: 'boss' }];
    expect(codes('AuditTeamAssigned', { auditId: 'A', kind: 'stage1', members })).toEqual([
      'members[0].role:invalid-enum',
    ]);
  });

  it('checks repeated fields: arrays, item counts, items', () => {
    expect(codes('ApplicationSubmitted', applicationData({ sectors: '17' }))).toEqual(['sectors:expected-array']);
    expect(codes('ApplicationSubmitted', applicationData({ sectors: [] }))).toEqual(['sectors:too-few-items']);
    expect(codes('ApplicationSubmitted', applicationData({ sectors: undefined }))).toEqual(['sectors:too-few-items']);
    expect(codes('ApplicationSubmitted', applicationData({ sectors: [17, 40, 0, 2.5] }))).toEqual([
      'sectors[1]:invalid-sector',
      'sectors[2]:invalid-sector',
      'sectors[3]:expected-integer',
    ]);
    expect(
      codes('ApplicationSubmitted', applicationData({ sectors: Array.from({ length: 40 }, (_, i) => (i % 39) + 1) })),
    ).toEqual(['sectors:too-many-items']);
    expect(codes('AuditTeamAssigned', { auditId: 'A', kind: 'stage1', members: [] })).toEqual([
      'members:too-few-items',
    ]);
  });

  it('counts string length in characters', () => {
    expect(codes('CertificateRestored', { reason: '恢复'.repeat(1000) })).toEqual([]);
    expect(codes('CertificateRestored', { reason: '恢复'.repeat(1000) + '。' })).toEqual(['reason:too-long']);
  });

  it('refuses text that is not well-formed Unicode, in any string field at any depth, once each', () => {
    expect(codes('CertificateRestored', { reason: 'bad \ud83d' })).toEqual(['reason:invalid-string']);
    expect(codes('CertificateRestored', { reason: '\ude00 then \ud83d' })).toEqual(['reason:invalid-string']);
    const site = { name: '二厂\udfff', regionCode: '320115', address: '南京' };
    expect(
      codes(
        'ApplicationSubmitted',
        applicationData({
          scope: '\ud83d'.repeat(3000),
          client: { ...(applicationData().client as object), sites: [site] },
        }),
      ),
    ).toEqual(['client.sites[0].name:invalid-string', 'scope:invalid-string']);
    // A format check would only repeat the refusal.
    const issued = {
      certificateNo: 'Q-\ud83d1',
      issuedAt: '2025-04-03',
      validUntil: '2028-04-01',
      scope: 's',
      sectors: [1],
    };
    expect(codes('CertificateIssued', issued)).toEqual(['certificateNo:invalid-string']);
    expect(codes('ComplaintRecorded', { receivedAt: '2025-06-01', subject: '\udc00' })).toEqual([
      'subject:invalid-string',
    ]);
    expect(validatePayload('CertificateRestored', { reason: '\ud83d' })[0]?.message).toBe(
      'reason is not well-formed Unicode: it holds a lone surrogate (a \\uD800–\\uDFFF escape without its pair)',
    );
    // A surrogate pair is one character, whatever the JSON spells it as.
    expect(codes('CertificateRestored', { reason: '恢复 \ud83d\ude00 😀' })).toEqual([]);
  });

  it('takes "" as left out only for strings and enums: a number, boolean or list gets its type error', () => {
    const audit = { auditId: 'A-1', start: '2025-02-10', end: '2025-02-11' };
    const evidence = { name: 'photo.jpg', sha256: 'c'.repeat(64), mediaType: 'image/jpeg' };
    expect(codes('AuditConducted', { ...audit, evidence: [{ ...evidence, size: '' }] })).toEqual([
      'evidence[0].size:expected-integer',
    ]);
    const checkIn = { auditorId: 'AUD-001', kind: 'in', at: '2025-02-10T08:30:00+08:00', lat: '' };
    expect(codes('AuditConducted', { ...audit, checkIns: [checkIn] })).toEqual(['checkIns[0].lat:expected-number']);
    expect(codes('AuditConducted', { ...audit, evidence: '' })).toEqual(['evidence:expected-array']);
    expect(codes('ComplaintRecorded', { receivedAt: '2025-06-01', subject: 's', substantiated: '' })).toEqual([
      'substantiated:expected-boolean',
    ]);
    expect(codes('ApplicationSubmitted', applicationData({ complexity: '' }))).toEqual([]);
    expect(codes('FindingClosed', { findingId: 'F-1', correction: '' })).toEqual([]);
  });

  it('rejects null instead of leaving a field out', () => {
    expect(codes('ApplicationReviewed', { outcome: 'accepted', reason: null })).toEqual(['reason:null-value']);
  });

  it('reports a wrong credit code as rule R1', () => {
    const data = applicationData();
    const client = { ...(data.client as Record<string, unknown>), creditCode: '91320115MA1WB8TH1N' };
    expect(validatePayload('ApplicationSubmitted', { ...data, client })).toEqual([
      expect.objectContaining({ path: 'client.creditCode', code: 'invalid-credit-code', rule: 'R1' }),
    ]);
    expect(
      validatePayload('SpotCheckRecorded', { creditCode: 'abc', result: 'pass', checkedAt: '2025-06-01' })[0],
    ).toMatchObject({ rule: 'R1' });
  });

  it.each([
    ['ContractSigned', { contractNo: 'HT', signedAt: '2025-02-30' }, 'signedAt:invalid-date'],
    ['ContractSigned', { contractNo: 'HT', signedAt: '2025-2-3' }, 'signedAt:invalid-date'],
    [
      'ReportedToCnca',
      { certificationId: 'C', kind: 'certificate', subjectEventId: 'not-a-uuid', reportedAt: at('2025-01-01') },
      'subjectEventId:invalid-uuid',
    ],
    [
      'ReportedToCnca',
      {
        certificationId: 'C',
        kind: 'certificate',
        subjectEventId: '6f1c2a5e-0000-4000-8000-000000000001',
        reportedAt: '2025-01-01T10:00:00',
      },
      'reportedAt:invalid-datetime',
    ],
    [
      'ReportedToCnca',
      {
        certificationId: 'bad id!',
        kind: 'certificate',
        subjectEventId: '6f1c2a5e-0000-4000-8000-000000000001',
        reportedAt: at('2025-01-01'),
      },
      'certificationId:invalid-certificationId',
    ],
    [
      'AuditReportSubmitted',
      { auditId: 'A', reportSha256: 'AB'.repeat(32), recommendation: 'r' },
      'reportSha256:invalid-sha256',
    ],
    [
      'AuditReportSubmitted',
      { auditId: 'A', reportSha256: 'ab'.repeat(31), recommendation: 'r' },
      'reportSha256:invalid-sha256',
    ],
    ['CertificationTransferred', { fromAgencyId: 'CNCA-R-2002-1' }, 'fromAgencyId:invalid-agencyId'],
    ['CertificationTransferred', { fromAgencyId: 'CNAS-R-2002-001' }, 'fromAgencyId:invalid-agencyId'],
    [
      'CertificateIssued',
      { certificateNo: 'Q 1', issuedAt: '2025-04-03', validUntil: '2028-04-01', scope: 's', sectors: [1] },
      'certificateNo:invalid-certificateNo',
    ],
    ['CertificateScopeChanged', { scope: 's', sectors: [39, 40] }, 'sectors[1]:invalid-sector'],
  ])('%s %j → %s', (type, data, expected) => {
    expect(codes(type, data)).toEqual([expected]);
  });

  it('checks region codes as GB/T 2260 six-digit codes', () => {
    const withRegion = (regionCode: string) => {
      const data = applicationData();
      return codes('ApplicationSubmitted', {
        ...data,
        client: { ...(data.client as Record<string, unknown>), regionCode },
      });
    };
    expect(withRegion('320115')).toEqual([]);
    expect(withRegion('110101')).toEqual([]);
    expect(withRegion('32011')).toEqual(['client.regionCode:invalid-regionCode']);
    expect(withRegion('990101')).toEqual(['client.regionCode:invalid-regionCode']);
    expect(withRegion('32O115')).toEqual(['client.regionCode:invalid-regionCode']);
  });
});

describe('formats', () => {
  it('knows calendar dates, leap years included', () => {
    expect(isDate('2024-02-29')).toBe(true);
    expect(isDate('2025-02-29')).toBe(false);
    expect(isDate('2000-02-29')).toBe(true);
    expect(isDate('2100-02-29')).toBe(false);
    expect(isDate('2025-13-01')).toBe(false);
    expect(isDate('2025-04-31')).toBe(false);
  });
  it('knows date-times with offsets', () => {
    expect(isDateTime('2025-01-06T10:00:00+08:00')).toBe(true);
    expect(isDateTime('2025-01-06T02:00:00.5Z')).toBe(true);
    expect(isDateTime('2025-01-06T10:00+08:00')).toBe(false);
    expect(isDateTime('2025-01-06T24:00:00Z')).toBe(false);
    expect(isDateTime('2025-01-06 10:00:00Z')).toBe(false);
    expect(isDateTime('2025-02-30T10:00:00Z')).toBe(false);
  });
  it('knows CB approval numbers and certificate numbers', () => {
    expect(FORMATS.agencyId!.test('CNCA-R-2002-001')).toBe(true);
    expect(FORMATS.agencyId!.test('CNCA-RF-2019-003')).toBe(true);
    expect(FORMATS.certificateNo!.test('00125Q31234R0M')).toBe(true);
    expect(FORMATS.certificateNo!.test('CQC/25-Q-0001')).toBe(true);
    expect(FORMATS.certificateNo!.test('-Q1')).toBe(false);
  });
});

describe('atEventPaths', () => {
  it("places a payload's issues under data, where the submitted event holds them", () => {
    const issues = atEventPaths(validatePayload('ContractSigned', { contractNo: 'HT' }));
    expect(issues.map((i) => `${i.path}:${i.code}`)).toEqual(['data.signedAt:required']);
  });
  it('names a payload that is no object at all data, not data. nor the empty path', () => {
    expect(atEventPaths(validatePayload('ContractSigned', 'HT')).map((i) => `${i.path}:${i.code}`)).toEqual([
      'data:expected-object',
    ]);
  });
});
