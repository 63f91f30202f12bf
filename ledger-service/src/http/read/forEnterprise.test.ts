import { initialCertification, withCheckCharacter, type ScenarioEvent } from '../../testing/scenario';
import { forEnterprise } from './forEnterprise';
import { eventually, startService, TOKENS, type RunningService } from './testing/service';

const HOLDER_CODE = withCheckCharacter('91320106MA1Q3R5T8');
const CERTIFICATION = 'JSQC-2025-0061';

const scenario = initialCertification({
  certificationId: CERTIFICATION,
  appliedOn: '2025-03-01',
  certificateNo: '00125Q00061R0M',
  creditCode: HOLDER_CODE,
  regionCode: '320106',
});
const eventOf = (type: string, n = 0) => scenario.filter((e) => e.type === type)[n]!;
/** What the holder must never read: registration numbers, check-in coordinates and times, the photo, the person id. */
const PERSONAL = [
  'CCAA-2019-QMS-0001',
  'CCAA-2020-QMS-0002',
  '32.0603',
  '118.7969',
  'T08:00:00',
  'opening-meeting.jpg',
  'DM-0009',
];

describe('forEnterprise: an event of the trace as the holder enterprise reads it', () => {
  it("withholds the auditors' registration, keeping names, roles and sectors", () => {
    const assigned = eventOf('AuditTeamAssigned');
    const shown = forEnterprise(assigned);
    expect(shown.data.members).toEqual([
      { auditorId: 'AUD-0001', name: '王审核', role: 'leader', sectors: [19] },
      { auditorId: 'AUD-0002', name: '李审核', role: 'auditor', sectors: [19] },
    ]);
    expect(shown).toMatchObject({ redacted: true, data: { auditId: 'A1', kind: 'stage1' } });
  });

  it('withholds check-ins and photos, keeping the audit dates and documents', () => {
    const conducted = eventOf('AuditConducted', 1);
    const document = { name: 'attendance.pdf', sha256: 'c'.repeat(64), mediaType: 'application/pdf', size: 1024 };
    const shown = forEnterprise({
      ...conducted,
      data: { ...conducted.data, evidence: [...(conducted.data.evidence as unknown[]), document] },
    });
    expect(shown.data).toEqual({ auditId: 'A2', start: '2025-03-31', end: '2025-04-02', evidence: [document] });
    expect(shown).toMatchObject({ redacted: true });
  });

  it("withholds the decision maker's person id, keeping the name and the decision", () => {
    expect(forEnterprise(eventOf('CertificationDecided')).data).toEqual({
      auditId: 'A2',
      decision: 'grant',
      decisionMaker: { name: '赵决定' },
    });
  });

  it('returns every other event itself, findings and certificate included, and never changes its argument', () => {
    const before = JSON.stringify(scenario);
    const shown = scenario.map((event) => forEnterprise(event));
    for (const [i, event] of scenario.entries()) {
      const touched = ['AuditTeamAssigned', 'AuditConducted', 'CertificationDecided'].includes(event.type);
      expect([event.type, shown[i] === event]).toEqual([event.type, !touched]);
    }
    expect(JSON.stringify(scenario)).toBe(before);
    const text = JSON.stringify(shown);
    for (const personal of PERSONAL) expect(text).not.toContain(personal);
    for (const kept of ['王审核', '李审核', 'leader', '赵决定', '部分受控文件未标识版本', '2025-03-31'])
      expect(text).toContain(kept);
  });
});

describe('GET /v1/certifications/{id}/trace: the holder enterprise reads it without personal data, the others in full', () => {
  let running: RunningService;

  const get = (token: string, query = '') =>
    fetch(`${running.baseUrl}/v1/certifications/${CERTIFICATION}/trace${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const trace = async (token: string, query = '') => {
    const response = await get(token, query);
    expect(response.status).toBe(200);
    return (await response.json()) as { steps: Array<Record<string, any>> };
  };

  beforeAll(async () => {
    running = await startService({ enterpriseCreditCode: HOLDER_CODE, otherCreditCode: HOLDER_CODE });
    for (const { certificationId, ...body } of scenario as ScenarioEvent[]) {
      const response = await fetch(`${running.baseUrl}/v1/certifications/${certificationId}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.agency}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (response.status !== 201) throw new Error(`${body.type}: ${response.status} ${await response.text()}`);
    }
    await eventually(
      async () => {
        const response = await get(TOKENS.admin);
        if (response.status !== 200) return undefined;
        const { steps } = (await response.json()) as { steps: Array<Record<string, any>> };
        return steps.length === scenario.length && steps.every((s) => s.anchor.status === 'anchored')
          ? true
          : undefined;
      },
      20_000,
      'the trace, anchored',
    );
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
  });

  const WITHHELD = [
    'AuditTeamAssigned',
    'AuditConducted',
    'AuditTeamAssigned',
    'AuditConducted',
    'CertificationDecided',
  ];

  it('shows the holder names, roles, dates, findings and decisions, and no registration, check-in, photo or person id; the others read it in full', async () => {
    const { steps } = await trace(TOKENS.enterprise);
    expect(steps.map((s) => s.type)).toEqual(scenario.map((e) => e.type));
    const text = JSON.stringify(steps);
    for (const personal of PERSONAL) expect(text).not.toContain(personal);
    expect(steps.find((s) => s.type === 'AuditTeamAssigned')!.data.members[0]).toEqual({
      auditorId: 'AUD-0001',
      name: '王审核',
      role: 'leader',
      sectors: [19],
    });
    expect(steps.find((s) => s.type === 'CertificationDecided')!.data).toMatchObject({
      decision: 'grant',
      decisionMaker: { name: '赵决定' },
    });
    expect(steps.filter((s) => s.redacted).map((s) => s.type)).toEqual(WITHHELD);
    for (const token of [TOKENS.agency, TOKENS.nanjing, TOKENS.jiangsu, TOKENS.admin]) {
      const full = (await trace(token)).steps;
      const data = JSON.stringify(full.map((s) => s.data));
      for (const personal of PERSONAL) expect(data).toContain(personal);
      expect(full.some((s) => 'redacted' in s)).toBe(false);
    }
  });

  it('gives the holder the receipts of withheld steps without their canonical bytes (they carry the whole event), the others every receipt whole', async () => {
    const { steps } = await trace(TOKENS.enterprise, '?receipts=true');
    for (const step of steps) expect(step.receipt).toMatchObject({ status: 'anchored', hash: step.hash });
    expect(steps.filter((s) => !('canonical' in s.receipt)).map((s) => s.type)).toEqual(WITHHELD);
    for (const token of [TOKENS.agency, TOKENS.nanjing, TOKENS.admin]) {
      const full = (await trace(token, '?receipts=true')).steps;
      expect(full.every((s) => typeof s.receipt.canonical === 'string')).toBe(true);
    }
  });
});
