import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseAgencies } from './agencies';
import { chinaTime, issuedCertification, streamBuilder } from './fixtures';
import { createMemoryAnchorFeed, createMemoryFeed } from './memoryFeed';
import { createProjections, type Projections } from './projections';
import { postgresTestReadStore, sqliteTestReadStore, type TestReadStore } from './testing/readStores';
import type { LogEvent } from './types';

const agencies = parseAgencies({
  agencies: [{ agencyId: 'CNCA-R-2002-001', name: 'Demo CB', approvalNo: 'CNCA-R-2002-001', schemes: ['QMS'] }],
});
const logger = pino({ level: 'silent' });

/** Real stores: a SQLite file, or a fresh database on the PostgreSQL the jest global setup started. */
const STORES: Array<[string, (dir: string, name: string) => Promise<TestReadStore>]> = [
  ['SQLite', sqliteTestReadStore],
  ['PostgreSQL', (_dir, name) => postgresTestReadStore(`proj_${name}`)],
];

describe.each(STORES)('projections over a real %s read store', (_kind, openStore) => {
  let dir: string;
  const drops: Array<() => Promise<void>> = [];
  let projections: Projections;
  const feed = createMemoryFeed();
  const anchors = createMemoryAnchorFeed();
  // Fixtures make fresh event ids: each store gets its own log.
  let day = '2026-06-01';

  const builderA = streamBuilder({ certificationId: 'cert-a', agencyId: 'CNCA-R-2002-001', regionCode: '320102' });
  const a = {
    certificationId: 'cert-a',
    agencyId: 'CNCA-R-2002-001',
    regionCode: '320102',
    holderName: '南京阀门有限公司',
    creditCode: '91320100MA1XXXXX0A',
    certificateNo: 'CERT-A-1',
    issuedAt: '2026-01-10',
    validUntil: '2029-01-09',
  };
  const b = {
    certificationId: 'cert-b',
    agencyId: 'CNCA-R-2003-002',
    regionCode: '320501',
    holderName: 'Suzhou Pumps',
    creditCode: '91320500MA1YYYYY0B',
    certificateNo: 'CERT-B-1',
    issuedAt: '2023-01-10',
    validUntil: '2026-01-09',
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proj-'));
    const opened = await openStore(dir, 'read');
    drops.push(opened.drop);
    const store = opened.store;
    // On SQLite, lookups keep answers in memory (answerCache.ts): every answer below goes through it.
    projections = createProjections({
      events: feed,
      anchors,
      store,
      agencies,
      logger,
      today: () => day,
      batchSize: 3,
      answerCacheBytes: 1 << 20,
    });
    feed.append(issuedCertification(a, builderA));
    feed.append(issuedCertification(b));
    feed.append([
      builderA.event(
        'CertificateSuspended',
        { reason: 'surveillance overdue', until: '2026-08-01' },
        '2026-03-01T09:00:00+08:00',
      ),
    ]);
    await projections.runner.catchUp();
  });

  afterAll(async () => {
    await projections.close();
    await projections.store.close();
    for (const drop of drops) await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers status now and as of a date: valid before the suspension, suspended after', async () => {
    expect((await projections.queries.certificate('CERT-A-1'))?.status).toBe('suspended');
    expect((await projections.queries.certificate('CERT-A-1', '2026-02-28'))?.status).toBe('valid');
    expect((await projections.queries.certificate('CERT-A-1', '2026-03-01'))?.status).toBe('suspended');
    expect((await projections.queries.certificate('CERT-A-1', '2025-12-31'))?.status).toBe('not-issued');
    expect(await projections.queries.certificate('NOPE')).toBeUndefined();
  });

  it('expires a certificate whose validUntil has passed without any event', async () => {
    const view = await projections.queries.certificate('CERT-B-1');
    expect(view?.status).toBe('expired');
    expect(view?.recordedStatus).toBe('valid');
    expect((await projections.queries.certificate('CERT-B-1', '2025-05-05'))?.status).toBe('valid');
  });

  it('finds certificates by holder name prefix and by credit code', async () => {
    expect((await projections.queries.searchCertificates('南京')).items.map((c) => c.certificateNo)).toEqual([
      'CERT-A-1',
    ]);
    expect(
      (await projections.queries.searchCertificates('91320500MA1YYYYY0B')).items.map((c) => c.certificateNo),
    ).toEqual(['CERT-B-1']);
    expect(await projections.queries.searchCertificates('Nobody')).toEqual({ items: [], more: false });
  });

  it('never applies a re-delivered event twice, and a rebuild gives the same read model', async () => {
    const snapshot = async (store = projections.store) => ({
      counts: await store.all(
        'SELECT agency_id, status, n FROM reg_agency_counts WHERE n <> 0 ORDER BY agency_id, status',
      ),
      history: await store.all(
        'SELECT certificate_no, position, status FROM reg_certificate_history ORDER BY position',
      ),
      events: await store.all('SELECT position, chain_ok FROM log_events ORDER BY position'),
      answers: await store.all('SELECT * FROM reg_answers ORDER BY certificate_no'),
    });
    const expected = await snapshot();
    expect(expected.counts).toEqual([
      { agency_id: 'CNCA-R-2002-001', status: 'suspended', n: 1 },
      { agency_id: 'CNCA-R-2003-002', status: 'valid', n: 1 },
    ]);
    // A feed that hands back the three events before the requested position every time, read two by two.
    const stuttering = {
      ...feed,
      readAll: (after: number, limit: number) => feed.readAll(Math.max(0, after - 3), limit + 3),
    };
    const openedOther = await openStore(dir, 'stutter');
    drops.push(openedOther.drop);
    const other = openedOther.store;
    const second = createProjections({
      events: stuttering,
      store: other,
      agencies,
      logger,
      today: () => day,
      batchSize: 2,
    });
    await second.runner.catchUp();
    expect(await snapshot(other)).toEqual(expected);
    // The same store followed by two runners at once.
    const third = createProjections({
      events: stuttering,
      store: other,
      agencies,
      logger,
      today: () => day,
      batchSize: 2,
    });
    await Promise.all([second.runner.rebuild('registry'), third.runner.catchUp()]);
    expect(await snapshot(other)).toEqual(expected);
    await other.close();
    const applied = await projections.runner.rebuild('registry');
    expect(applied).toBe(feed.events.length);
    expect(await snapshot()).toEqual(expected);
    expect((await projections.queries.checkpoints()).registry).toBe(feed.events.length);
  });

  it('traces a certification step by step with chain checks and anchor status', async () => {
    const first = feed.events.slice(0, 2).map((e) => e.eventId);
    anchors.commit({
      batchId: 'b1',
      eventIds: first,
      backend: 'embedded',
      channel: 'certledger',
      chaincode: 'certledger',
      transactionId: 'tx1',
      blockNumber: 7,
      committedAt: new Date().toISOString(),
      anchoredAt: '2026-02-01T08:00:00.000Z',
    });
    await projections.runner.catchUp();
    const trace = await projections.queries.trace('cert-a');
    expect(trace?.steps.map((s) => s.type)).toEqual([
      'ApplicationSubmitted',
      'AuditTeamAssigned',
      'CertificationDecided',
      'CertificateIssued',
      'CertificateSuspended',
    ]);
    expect(trace?.chainIntact).toBe(true);
    expect(trace?.steps[0]?.anchor).toMatchObject({
      status: 'anchored',
      blockNumber: 7,
      transactionId: 'tx1',
      anchoredAt: '2026-02-01T08:00:00.000Z',
    });
    expect(trace?.steps[2]?.anchor.status).toBe('pending');
    expect(trace?.holder?.creditCode).toBe(a.creditCode);
  });

  it("keeps a regulator's case that carries the certification's id out of its trace", async () => {
    const before = await projections.queries.trace('cert-a');
    const caseEvent = streamBuilder({
      certificationId: 'cert-a',
      agencyId: 'regulator-suzhou',
      regionCode: '3205',
    }).event('ComplaintRecorded', { caseId: 'cert-a', subject: '举报人 张三' }, chinaTime('2024-01-15'));
    feed.append([{ ...caseEvent, streamId: 'supervision-cert-a' }]);
    await projections.runner.catchUp();
    const after = await projections.queries.trace('cert-a');
    expect(after?.steps.map((s) => s.eventId)).toEqual(before?.steps.map((s) => s.eventId));
    expect(after?.steps.some((s) => s.type === 'ComplaintRecorded')).toBe(false);
  });

  it('flags an event that does not continue its stream', async () => {
    const broken = streamBuilder({ certificationId: 'cert-x', agencyId: 'CNCA-R-2002-001', regionCode: '320102' });
    const events = issuedCertification({ ...a, certificationId: 'cert-x', certificateNo: 'CERT-X' }, broken);
    feed.append([events[0]!, { ...events[2]!, prevHash: 'f'.repeat(64) }]);
    await projections.runner.catchUp();
    const trace = await projections.queries.trace('cert-x');
    expect(trace?.chainIntact).toBe(false);
    expect(trace?.steps[1]?.chain.ok).toBe(false);
  });

  it("files a certification's events under the client's region its opening event carries, not each event's regionCode column", async () => {
    const moved = issuedCertification({
      ...a,
      agencyId: 'CNCA-R-2004-007',
      certificationId: 'cert-moved',
      certificateNo: 'CERT-MOVED',
    });
    // As an operator's edit of region_code would serve them: every event after the first says Suzhou.
    feed.append(moved.map((event, index) => (index === 0 ? event : { ...event, regionCode: '320501' })));
    await projections.runner.catchUp();
    const inNanjing = await projections.queries.auditTrail({
      regionPrefix: '3201',
      certificationId: 'cert-moved',
      limit: 100,
    });
    expect(inNanjing.items).toHaveLength(moved.length);
    expect(inNanjing.items.every((e) => e.regionCode === a.regionCode)).toBe(true);
    const inSuzhou = await projections.queries.auditTrail({ regionPrefix: '3205', limit: 100 });
    expect(inSuzhou.items.filter((e) => e.certificationId === 'cert-moved')).toEqual([]);
  });

  it('limits the audit trail to a jurisdiction and pages by cursor', async () => {
    const nanjing = await projections.queries.auditTrail({ regionPrefix: '3201', limit: 100 });
    expect(nanjing.items.length).toBeGreaterThan(0);
    expect(nanjing.items.every((e) => e.regionCode.startsWith('3201'))).toBe(true);
    const county = await projections.queries.auditTrail({ regionPrefix: '320102', limit: 100 });
    expect(county.items.map((e) => e.eventId)).toEqual(nanjing.items.map((e) => e.eventId));
    expect((await projections.queries.auditTrail({ regionPrefix: '320101', limit: 100 })).items).toEqual([]);
    const wuxi = await projections.queries.auditTrail({ regionPrefix: '3202', limit: 100 });
    expect(wuxi.items).toEqual([]);
    const province = await projections.queries.auditTrail({ regionPrefix: '32', limit: 4 });
    expect(province.items).toHaveLength(4);
    const rest = await projections.queries.auditTrail({ regionPrefix: '32', limit: 100, after: province.next! });
    expect(province.items.length + rest.items.length).toBe(feed.events.length);
    const suspensions = await projections.queries.auditTrail({ type: 'CertificateSuspended', limit: 10 });
    expect(suspensions.items.map((e) => e.certificationId)).toEqual(['cert-a']);
    const march = await projections.queries.auditTrail({
      from: '2026-02-28T16:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
      limit: 10,
    });
    expect(march.items.map((e) => e.type)).toEqual(['CertificateSuspended']);
  });

  it('discloses agencies with counts by status', async () => {
    day = '2026-06-01';
    const list = await projections.queries.agencies();
    const demo = list.find((x) => x.agencyId === 'CNCA-R-2002-001');
    const other = list.find((x) => x.agencyId === 'CNCA-R-2003-002');
    expect(demo).toMatchObject({
      known: true,
      name: 'Demo CB',
      certificates: { valid: 0, suspended: 1, withdrawn: 0 },
    });
    expect(other).toMatchObject({ known: false, certificates: { valid: 0, expired: 1 } });
  });

  it('answers status now from the pre-serialised fields once every proof has a settled receipt, as computed per request', async () => {
    const [issued, suspended] = feed.events.filter(
      (e) => e.certificationId === 'cert-a' && (e.type === 'CertificateIssued' || e.type === 'CertificateSuspended'),
    );
    const receiptOf = (eventId: string, status: string) => ({ receiptVersion: 1, status, eventId, batchId: 'b2' });
    const settle = (event: typeof issued, status: string) =>
      anchors.commit({
        batchId: 'b2',
        eventIds: status === 'anchored' ? [event!.eventId] : [],
        backend: 'embedded',
        channel: 'certledger',
        chaincode: 'certledger',
        transactionId: 'tx2',
        blockNumber: 8,
        committedAt: new Date().toISOString(),
        eventType: event!.type,
        certificationId: event!.certificationId,
        receipt: receiptOf(event!.eventId, status),
      });
    day = '2026-06-01';
    // The suspension's receipt is not settled: no pre-serialised answer (a pending receipt is never kept).
    settle(issued, 'anchored');
    settle(suspended, 'pending');
    await projections.runner.catchUp();
    expect(await projections.queries.certificateAnswer('CERT-A-1')).toBeUndefined();
    settle(suspended, 'rejected');
    await projections.runner.catchUp();
    const stored = await projections.queries.certificateAnswer('CERT-A-1');
    const { status, agency, proofEventIds, ...fields } = (await projections.queries.certificate('CERT-A-1'))!;
    expect(status).toBe('suspended');
    expect(JSON.parse(String(stored!.body))).toEqual({
      status: 'suspended',
      ...fields,
      agency,
      qrUrl: '/v1/certificates/CERT-A-1/qr',
      proofs: [
        {
          eventId: issued!.eventId,
          receipt: receiptOf(issued!.eventId, 'anchored'),
          receiptUrl: `/v1/events/${issued!.eventId}/receipt`,
        },
        {
          eventId: suspended!.eventId,
          receipt: receiptOf(suspended!.eventId, 'rejected'),
          receiptUrl: `/v1/events/${suspended!.eventId}/receipt`,
        },
      ],
    });
    expect(proofEventIds).toEqual([issued!.eventId, suspended!.eventId]);
    expect(stored!.etag).toBe(`W/"suspended:${issued!.eventId.slice(0, 8)}a.${suspended!.eventId.slice(0, 8)}r"`);
    // The date-dependent status is decided when asked: past validUntil the stored answer says expired.
    day = '2029-01-10';
    const expired = await projections.queries.certificateAnswer('CERT-A-1');
    expect(JSON.parse(String(expired!.body)).status).toBe('expired');
    expect(expired!.etag).toBe(stored!.etag.replace('suspended', 'expired'));
    day = '2026-06-01';
    // A registry rebuild writes the same answer again.
    await projections.runner.rebuild('registry');
    const again = await projections.queries.certificateAnswer('CERT-A-1');
    expect([again!.etag, String(again!.body)]).toEqual([stored!.etag, String(stored!.body)]);
    expect(await projections.queries.certificateAnswer('NOPE')).toBeUndefined();
  });

  it('keeps the answer of a superseded certificate whose proof settles after the new certificate was issued', async () => {
    const c = {
      certificationId: 'cert-c',
      agencyId: 'CNCA-R-2002-001',
      regionCode: '320102',
      holderName: '南京泵业有限公司',
      creditCode: '91320100MA1ZZZZZ0C',
      certificateNo: 'CERT-C-1',
      issuedAt: '2026-01-12',
      validUntil: '2029-01-11',
    };
    const builderC = streamBuilder(c);
    feed.append(issuedCertification(c, builderC));
    feed.append([
      builderC.event(
        'CertificateIssued',
        {
          certificateNo: 'CERT-C-2',
          issuedAt: '2026-02-02',
          validUntil: '2029-02-01',
          scope: 'Design and manufacture of valves and pumps',
          sectors: [18],
        },
        '2026-02-02T11:00:00+08:00',
      ),
    ]);
    await projections.runner.catchUp();
    const receiptOf = (eventId: string) => ({ receiptVersion: 1, status: 'anchored', eventId, batchId: 'b3' });
    // Both issues are anchored in one batch, after CERT-C-2 superseded CERT-C-1.
    for (const issue of feed.events.filter((e) => e.certificationId === 'cert-c' && e.type === 'CertificateIssued')) {
      anchors.commit({
        batchId: 'b3',
        eventIds: [issue.eventId],
        backend: 'embedded',
        channel: 'certledger',
        chaincode: 'certledger',
        transactionId: 'tx3',
        blockNumber: 9,
        committedAt: new Date().toISOString(),
        eventType: issue.type,
        certificationId: issue.certificationId,
        receipt: receiptOf(issue.eventId),
      });
    }
    await projections.runner.catchUp();
    const superseded = await projections.queries.certificateAnswer('CERT-C-1');
    const { status, agency, proofEventIds, ...fields } = (await projections.queries.certificate('CERT-C-1'))!;
    expect(fields.supersededBy).toBe('CERT-C-2');
    expect(JSON.parse(String(superseded!.body))).toEqual({
      status,
      ...fields,
      agency,
      qrUrl: '/v1/certificates/CERT-C-1/qr',
      proofs: proofEventIds.map((eventId) => ({
        eventId,
        receipt: receiptOf(eventId),
        receiptUrl: `/v1/events/${eventId}/receipt`,
      })),
    });
    expect(JSON.parse(String((await projections.queries.certificateAnswer('CERT-C-2'))!.body)).certificateNo).toBe(
      'CERT-C-2',
    );
  });

  /** Certification `cert-{x}` of the Demo CB in Nanjing to its first certificate, CERT-{X}-1; its builder continues the stream. */
  const certification = (x: string, issuedAt: string, validUntil: string) => {
    const X = x.toUpperCase();
    const first = {
      certificationId: `cert-${x}`,
      agencyId: 'CNCA-R-2002-001',
      regionCode: '320102',
      holderName: `南京阀门${X}有限公司`,
      creditCode: `91320100MA1${X.repeat(5)}0${X}`,
      certificateNo: `CERT-${X}-1`,
      issuedAt,
      validUntil,
    };
    const builder = streamBuilder(first);
    return { first, builder, events: issuedCertification(first, builder) };
  };
  /** Commits an anchored, settled receipt of each event (a proof), as the anchorer does. */
  const anchorReceipts = (events: ReadonlyArray<Omit<LogEvent, 'position'>>, batchId: string) => {
    for (const event of events) {
      anchors.commit({
        batchId,
        eventIds: [event.eventId],
        backend: 'embedded',
        channel: 'certledger',
        chaincode: 'certledger',
        transactionId: `tx-${batchId}`,
        blockNumber: 10,
        committedAt: new Date().toISOString(),
        eventType: event.type,
        certificationId: event.certificationId,
        receipt: { eventId: event.eventId, status: 'anchored' },
      });
    }
  };
  /** Certificates each CB is counted for, against the certificates the registry has under it. */
  const countsAgainstRows = async () => {
    const byAgency = async (sql: string) =>
      (await projections.store.all<{ agency_id: string; n: number }>(sql)).map((r) => `${r.agency_id}:${Number(r.n)}`);
    return {
      counted: await byAgency(
        'SELECT agency_id, SUM(n) AS n FROM reg_agency_counts GROUP BY agency_id HAVING SUM(n) <> 0 ORDER BY agency_id',
      ),
      rows: await byAgency(
        'SELECT agency_id, COUNT(*) AS n FROM reg_certificates GROUP BY agency_id ORDER BY agency_id',
      ),
    };
  };

  it('takes a number its certification issues again (recertification) as the certificate from then on, now, as of a date and after a rebuild', async () => {
    const { first: r, builder: builderR, events: first } = certification('r', '2025-04-03', '2028-04-01');
    const scopeChange = builderR.event(
      'CertificateScopeChanged',
      { scope: 'Valves and pumps', sectors: [18] },
      chinaTime('2026-05-01'),
    );
    const reissue = builderR.event(
      'CertificateIssued',
      {
        certificateNo: 'CERT-R-1',
        issuedAt: '2028-03-15',
        validUntil: '2031-03-09',
        scope: 'Valves, pumps and fittings',
        sectors: [18, 19],
      },
      chinaTime('2028-03-15', '11:00:00'),
    );
    feed.append([
      ...first,
      scopeChange,
      builderR.event(
        'CertificationDecided',
        { auditId: 'r1', decision: 'grant', decisionMaker: { personId: 'p-9', name: 'Decider' } },
        chinaTime('2028-03-10'),
      ),
      reissue,
    ]);
    anchorReceipts([reissue], 'b4');
    await projections.runner.catchUp();
    day = '2028-06-01';
    const now = await projections.queries.certificate('CERT-R-1');
    expect(now).toMatchObject({
      status: 'valid',
      recordedStatus: 'valid',
      statusSince: '2028-03-15',
      issuedAt: '2028-03-15',
      validUntil: '2031-03-09',
      scope: 'Valves, pumps and fittings',
      sectors: [18, 19],
      proofEventIds: [reissue.eventId],
    });
    expect(now?.supersededBy).toBeUndefined();
    // The stored answer (every proof settled) says the same.
    const stored = JSON.parse(String((await projections.queries.certificateAnswer('CERT-R-1'))!.body));
    expect(stored).toMatchObject({ status: 'valid', issuedAt: '2028-03-15', validUntil: '2031-03-09' });
    expect(stored.proofs.map((p: { eventId: string }) => p.eventId)).toEqual([reissue.eventId]);
    // Past the first validity, on the new one.
    day = '2028-04-02';
    expect((await projections.queries.certificate('CERT-R-1'))?.status).toBe('valid');
    // As of a date in the first cycle: its dates, its issue and the scope change then in force.
    expect(await projections.queries.certificate('CERT-R-1', '2027-01-01')).toMatchObject({
      status: 'valid',
      issuedAt: '2025-04-03',
      validUntil: '2028-04-01',
      scope: 'Valves and pumps',
      proofEventIds: [first[3]!.eventId, scopeChange.eventId],
    });
    expect(await projections.queries.certificate('CERT-R-1', '2025-04-02')).toMatchObject({
      status: 'not-issued',
      statusSince: '2025-04-03',
      issuedAt: '2025-04-03',
    });
    expect((await projections.queries.certificate('CERT-R-1', '2028-04-02'))?.validUntil).toBe('2031-03-09');
    expect(
      await projections.store.all(
        "SELECT status, effective_date, issued_at, valid_until FROM reg_certificate_history WHERE certificate_no = 'CERT-R-1' ORDER BY position",
      ),
    ).toEqual([
      { status: 'valid', effective_date: '2025-04-03', issued_at: '2025-04-03', valid_until: '2028-04-01' },
      { status: 'valid', effective_date: '2028-03-15', issued_at: '2028-03-15', valid_until: '2031-03-09' },
    ]);
    const counts = await countsAgainstRows();
    expect(counts.counted).toEqual(counts.rows);
    // The log replayed gives the same register.
    await projections.runner.rebuild('registry');
    day = '2028-06-01';
    expect(await projections.queries.certificate('CERT-R-1')).toEqual(now);
    expect(await countsAgainstRows()).toEqual(counts);
    // Another certification cannot take the number (R10; the intake refuses it).
    feed.append(
      issuedCertification({ ...r, certificationId: 'cert-r2', issuedAt: '2028-05-01', validUntil: '2031-04-30' }),
    );
    await projections.runner.catchUp();
    expect(await projections.queries.certificate('CERT-R-1')).toEqual(now);
    expect(await countsAgainstRows()).toEqual(counts);
  });

  it('answers the status as of a day between a lapse and the number issued again: expired then, valid since', async () => {
    const { builder: builderL, events: first } = certification('l', '2025-01-10', '2028-01-09');
    feed.append(first);
    feed.append([
      builderL.event(
        'CertificateIssued',
        { certificateNo: 'CERT-L-1', issuedAt: '2028-05-10', validUntil: '2031-05-09', scope: 'Valves', sectors: [18] },
        chinaTime('2028-05-10'),
      ),
    ]);
    await projections.runner.catchUp();
    const asOf = async (date: string) => {
      const view = await projections.queries.certificate('CERT-L-1', date);
      return [view?.status, view?.validUntil];
    };
    expect(await asOf('2027-06-01')).toEqual(['valid', '2028-01-09']);
    expect(await asOf('2028-03-01')).toEqual(['expired', '2028-01-09']);
    expect(await asOf('2028-05-10')).toEqual(['valid', '2031-05-09']);
  });

  it('answers as of a date with the scope then in force and the events that set it, across a scope change and the number issued again', async () => {
    const { builder: builderS, events: first } = certification('s', '2025-04-03', '2028-04-01');
    const issue = first[3]!;
    const extension = builderS.event(
      'CertificateScopeChanged',
      { scope: 'Design and manufacture of valves and pumps', sectors: [18, 19] },
      chinaTime('2026-05-01'),
    );
    const suspension = builderS.event('CertificateSuspended', { reason: 'overdue' }, chinaTime('2026-09-01'));
    const reissue = builderS.event(
      'CertificateIssued',
      {
        certificateNo: 'CERT-S-1',
        issuedAt: '2028-03-15',
        validUntil: '2031-03-09',
        scope: 'Valves, pumps and fittings',
        sectors: [17, 18, 19],
      },
      chinaTime('2028-03-15'),
    );
    const narrowing = builderS.event(
      'CertificateScopeChanged',
      { scope: 'Valves and fittings', sectors: [17, 18] },
      chinaTime('2029-01-10'),
    );
    feed.append([
      ...first,
      extension,
      suspension,
      builderS.event('CertificateRestored', { reason: 'audited' }, chinaTime('2026-10-01')),
      reissue,
      narrowing,
    ]);
    await projections.runner.catchUp();
    const asOf = async (date: string) => {
      const view = await projections.queries.certificate('CERT-S-1', date);
      return view && { status: view.status, scope: view.scope, sectors: view.sectors, proofs: view.proofEventIds };
    };
    const asIssued = { scope: 'Design and manufacture of valves', sectors: [18] };
    const extended = { scope: 'Design and manufacture of valves and pumps', sectors: [18, 19] };
    const answers = async () => ({
      // Before the first issue: the number as first issued.
      '2025-04-02': await asOf('2025-04-02'),
      '2026-04-30': await asOf('2026-04-30'),
      '2026-05-01': await asOf('2026-05-01'),
      '2026-09-15': await asOf('2026-09-15'),
      // Issued again: the new issue's scope, not the change made to the one before.
      '2028-03-15': await asOf('2028-03-15'),
      '2029-01-10': await asOf('2029-01-10'),
    });
    const expected = {
      '2025-04-02': { status: 'not-issued', ...asIssued, proofs: [issue.eventId] },
      '2026-04-30': { status: 'valid', ...asIssued, proofs: [issue.eventId] },
      '2026-05-01': { status: 'valid', ...extended, proofs: [issue.eventId, extension.eventId] },
      '2026-09-15': {
        status: 'suspended',
        ...extended,
        proofs: [issue.eventId, extension.eventId, suspension.eventId],
      },
      '2028-03-15': {
        status: 'valid',
        scope: 'Valves, pumps and fittings',
        sectors: [17, 18, 19],
        proofs: [reissue.eventId],
      },
      '2029-01-10': {
        status: 'valid',
        scope: 'Valves and fittings',
        sectors: [17, 18],
        proofs: [reissue.eventId, narrowing.eventId],
      },
    };
    expect(await answers()).toEqual(expected);
    day = '2029-06-01';
    expect(await projections.queries.certificate('CERT-S-1')).toMatchObject({
      scope: 'Valves and fittings',
      sectors: [17, 18],
      proofEventIds: [reissue.eventId, narrowing.eventId],
    });
    // The log replayed gives the same answers.
    await projections.runner.rebuild('registry');
    expect(await answers()).toEqual(expected);
  });

  it('answers before the issue date with the scope as issued, not a change dated between the issue event and its issue date', async () => {
    const { builder: builderW, events: first } = certification('w', '2025-04-01', '2028-04-01');
    // Recorded on 04-01, the certificate dated 04-10: a scope change may fall between the two.
    const issue = { ...first[3]!, data: { ...first[3]!.data, issuedAt: '2025-04-10' } };
    const change = builderW.event(
      'CertificateScopeChanged',
      { scope: 'Valves and pumps', sectors: [18, 19] },
      chinaTime('2025-04-05'),
    );
    feed.append([...first.slice(0, 3), issue, ...first.slice(4), change]);
    await projections.runner.catchUp();
    const view = await projections.queries.certificate('CERT-W-1', '2025-04-06');
    expect(
      view && { status: view.status, scope: view.scope, sectors: view.sectors, proofs: view.proofEventIds },
    ).toEqual({
      status: 'not-issued',
      scope: 'Design and manufacture of valves',
      sectors: [18],
      proofs: [issue.eventId],
    });
  });

  it('keeps a certificate under the CB that issued it when its certification moves to another CB (IAF MD2)', async () => {
    const { first: t, builder: builderT, events: first } = certification('t', '2025-04-03', '2028-04-01');
    feed.append(first);
    const accepting = 'CNCA-R-2003-002';
    feed.append(
      [
        builderT.event('CertificationTransferred', { fromAgencyId: t.agencyId }, chinaTime('2026-06-01')),
        builderT.event(
          'CertificateIssued',
          {
            certificateNo: 'CERT-T-2',
            issuedAt: '2026-06-10',
            validUntil: '2028-04-01',
            scope: 'Valves',
            sectors: [18],
          },
          chinaTime('2026-06-10'),
        ),
      ].map((event) => ({ ...event, agencyId: accepting })),
    );
    await projections.runner.catchUp();
    day = '2026-07-01';
    expect(await projections.queries.certificate('CERT-T-1')).toMatchObject({
      agency: { agencyId: t.agencyId },
      supersededBy: 'CERT-T-2',
    });
    expect((await projections.queries.certificate('CERT-T-2'))?.agency.agencyId).toBe(accepting);
    expect((await projections.queries.trace('cert-t'))?.agencyId).toBe(accepting);
    const counts = await countsAgainstRows();
    expect(counts.counted).toEqual(counts.rows);
  });

  it('says when more certificates match a search than it answers', async () => {
    // cert-c holds CERT-C-1 and CERT-C-2 (an earlier test).
    const search = (limit: number) => projections.queries.searchCertificates('南京泵业', limit);
    expect(await search(1)).toMatchObject({ items: [{ certificateNo: 'CERT-C-1' }], more: true });
    const both = await search(2);
    expect([both.items.map((c) => c.certificateNo), both.more]).toEqual([['CERT-C-1', 'CERT-C-2'], false]);
  });
});
