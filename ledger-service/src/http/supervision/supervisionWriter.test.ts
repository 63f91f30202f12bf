import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createSqliteReadStore, type ReadStore } from '@certledger/projections';
import { composeLedgerService, type LedgerService } from '../../compose';
import { loadConfig } from '../../config';
import type { EventStore } from '../../eventStore/port';
import { openSqliteAnchorStore } from '../../anchoring/anchorStore';
import { openEmbeddedBackend } from '../../anchoring/embedded';
import { createAnchoringPart, type AnchoringPart } from '../../anchoring/part';
import { chainedEvents } from '../../anchoring/testing/events';
import { readFiledRegion } from '../../events/envelopeHeader';
import { SQLITE_FILE_NAME } from '../../eventStore';
import { appendUnfiledSupervision } from '../../audit/testing/history';
import { editColumn, sqliteTamperDb } from '../../audit/testing/tamper';
import { createSupervisionPart } from './part';

const NOW = new Date('2026-11-20T12:00:00+08:00');
const NANJING = 'Bearer demo-regulator-3201';
const SUZHOU = 'Bearer demo-regulator-3205';
const JIANGSU = 'Bearer demo-regulator-32';
const ADMIN = 'Bearer demo-admin';

let serial = 0;
/** A ComplaintRecorded in `caseId` with a fresh eventId. */
const complaint = (caseId: string, subject = '证书范围与实际不符') => ({
  eventId: `0c1d2e3f-4a5b-4c6d-8e7f-${String((serial += 1)).padStart(12, '0')}`,
  type: 'ComplaintRecorded',
  occurredAt: '2026-11-19T10:00:00+08:00',
  caseId,
  data: { receivedAt: '2026-11-18', subject },
});

describe('supervision cases belong to the writer of their first event (what the chaincode anchors)', () => {
  let dir: string;
  let service: LedgerService;
  let store: EventStore;
  let readStore: ReadStore;
  let anchoring: AnchoringPart;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sup-writer-'));
    readStore = createSqliteReadStore({ file: path.join(dir, 'read.sqlite') });
    service = await composeLedgerService({
      config: loadConfig({ LEDGER_DATA_DIR: dir }),
      logger: pino({ level: 'silent' }),
      clock: () => NOW,
      parts: async (context) => {
        store = context.store;
        anchoring = createAnchoringPart({
          store,
          anchorStore: openSqliteAnchorStore({ directory: dir }),
          ledger: openEmbeddedBackend({ dataDir: dir }),
          runAnchorer: false,
        });
        const supervision = await createSupervisionPart({
          eventStore: store,
          readStore,
          logger: pino({ level: 'silent' }),
          ownRunner: false,
          evaluateOnTimer: false,
          clock: () => NOW,
        });
        return [supervision, anchoring];
      },
    });
  });

  afterAll(async () => {
    await service.close();
    await readStore.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (authorization: string, body: object) =>
    request(service.app).post('/v1/supervision/events').set('authorization', authorization).send(body);
  const stream = async (caseId: string) => (await store.readStream(`supervision-${caseId}`)).map((e) => e.eventId);
  /** Anchors everything stored and returns the receipt status of each event. */
  const anchoredStatus = async (eventIds: readonly string[], authorization = ADMIN) => {
    await anchoring.anchorer.drain();
    return Promise.all(
      eventIds.map(
        async (id) =>
          (await request(service.app).get(`/v1/events/${id}/receipt`).set('authorization', authorization)).body.status,
      ),
    );
  };

  it("refuses Suzhou on Nanjing's case with 404 (nothing stored), lets Nanjing continue, and anchors it all", async () => {
    const opened = complaint('NJ-CASE-1');
    expect((await post(NANJING, opened)).status).toBe(201);

    const intruder = complaint('NJ-CASE-1', 'Suzhou');
    const refused = await post(SUZHOU, intruder);
    expect(refused.status).toBe(404);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 404, code: 'not-found' });
    expect(JSON.stringify(refused.body)).not.toMatch(/regulator-nanjing|3201/);
    // The same in a bulk request, and when Suzhou replays Nanjing's eventId.
    const bulk = await post(SUZHOU, { events: [complaint('NJ-CASE-1', 'bulk')] });
    expect(bulk.body).toMatchObject({ stored: 0, results: [{ status: 404, problem: { code: 'not-found' } }] });
    expect((await post(SUZHOU, { ...opened })).status).toBe(404);
    expect(await stream('NJ-CASE-1')).toEqual([opened.eventId]);
    expect(await store.findEvent(intruder.eventId)).toBeUndefined();

    const next = complaint('NJ-CASE-1', 'follow-up');
    const continued = await post(NANJING, next);
    expect(continued.status).toBe(201);
    expect(continued.body).toMatchObject({ version: 1, certificationId: 'NJ-CASE-1', agencyId: 'regulator-nanjing' });
    expect((await post(NANJING, next)).status).toBe(200);
    expect(await stream('NJ-CASE-1')).toEqual([opened.eventId, next.eventId]);
    expect(await anchoredStatus([opened.eventId, next.eventId], NANJING)).toEqual(['anchored', 'anchored']);
  });

  it("refuses the province on a city's case (403: it reads the case, but the ledger binds it to Nanjing) and the city on the province's (404)", async () => {
    const city = complaint('NJ-CASE-2');
    expect((await post(NANJING, city)).status).toBe(201);
    const byProvince = await post(JIANGSU, complaint('NJ-CASE-2', 'province'));
    expect(byProvince.status).toBe(403);
    expect(byProvince.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(byProvince.body).toMatchObject({ code: 'forbidden' });
    // The province still reads the case it may not write to.
    expect((await request(service.app).get(`/v1/events/${city.eventId}`).set('authorization', JIANGSU)).status).toBe(
      200,
    );
    expect(await stream('NJ-CASE-2')).toEqual([city.eventId]);

    const province = complaint('JS-CASE-1');
    expect((await post(JIANGSU, province)).status).toBe(201);
    const byCity = await post(NANJING, complaint('JS-CASE-1', 'city'));
    expect([byCity.status, byCity.body.code]).toEqual([404, 'not-found']);
    const more = complaint('JS-CASE-1', 'province again');
    expect((await post(JIANGSU, more)).status).toBe(201);
    expect(await stream('JS-CASE-1')).toEqual([province.eventId, more.eventId]);

    const nanjingMore = complaint('NJ-CASE-2', 'city again');
    expect((await post(NANJING, nanjingMore)).status).toBe(201);
    expect(await anchoredStatus([city.eventId, nanjingMore.eventId, province.eventId, more.eventId])).toEqual([
      'anchored',
      'anchored',
      'anchored',
      'anchored',
    ]);
  });

  it("refuses an admin on a regulator's case with 403 but lets it open its own", async () => {
    const opened = complaint('NJ-CASE-3');
    expect((await post(NANJING, opened)).status).toBe(201);
    const byAdmin = await post(ADMIN, complaint('NJ-CASE-3', 'admin'));
    expect([byAdmin.status, byAdmin.body.code]).toEqual([403, 'forbidden']);
    expect(await stream('NJ-CASE-3')).toEqual([opened.eventId]);
    expect((await post(ADMIN, complaint('ADMIN-CASE-1'))).status).toBe(201);
    expect([(await post(NANJING, complaint('ADMIN-CASE-1'))).status]).toEqual([404]);
  });

  it("files each event under its writer's region in the hashed payload, an admin's as an empty region", async () => {
    const byNanjing = complaint('NJ-FILED-1');
    expect((await post(NANJING, byNanjing)).status).toBe(201);
    const byAdmin = complaint('ADMIN-FILED-1');
    expect((await post(ADMIN, byAdmin)).status).toBe(201);
    const shown = async (eventId: string) =>
      (await request(service.app).get(`/v1/events/${eventId}`).set('authorization', ADMIN)).body.data;
    expect(await shown(byNanjing.eventId)).toEqual({ ...byNanjing.data, filing: { regionCode: '3201' } });
    expect(await shown(byAdmin.eventId)).toEqual({ ...byAdmin.data, filing: {} });
    const [stored] = await store.readStream('supervision-NJ-FILED-1');
    expect(readFiledRegion(stored!.canonical)).toBe('3201');
    expect(stored!.regionCode).toBe('3201');
    const [storedByAdmin] = await store.readStream('supervision-ADMIN-FILED-1');
    expect([readFiledRegion(storedByAdmin!.canonical), storedByAdmin!.regionCode]).toEqual(['', '']);
  });

  it('refuses a body that sets the filing itself (400, set-by-ledger), whatever region it names, and stores nothing', async () => {
    for (const filing of [{ regionCode: '3205' }, { regionCode: '3201' }, {}]) {
      const forged = complaint('NJ-FORGED-1');
      const refused = await post(NANJING, { ...forged, data: { ...forged.data, filing } });
      expect(refused.status).toBe(400);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({
        code: 'invalid-payload',
        errors: [{ path: 'data.filing', code: 'set-by-ledger' }],
      });
      expect(await store.findEvent(forged.eventId)).toBeUndefined();
    }
    expect(await stream('NJ-FORGED-1')).toEqual([]);
  });

  it.each([
    [
      'text that is not well-formed Unicode (a lone surrogate) with invalid-string',
      complaint('NJ-LONE-1', '投诉 \ud83d'),
      { code: 'invalid-payload', errors: [{ path: 'data.subject', code: 'invalid-string' }] },
    ],
    [
      'an occurredAt before 1900 with occurred-before-1900, as the certification intake does',
      { ...complaint('NJ-EARLY-1'), occurredAt: '0000-01-01T10:00:00+08:00' },
      { code: 'invalid-event', errors: [{ path: 'occurredAt', code: 'occurred-before-1900' }] },
    ],
  ])('refuses %s (400), and stores nothing', async (_what, event, problem) => {
    const refused = await post(NANJING, event);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject(problem);
    expect(await stream(event.caseId)).toEqual([]);
  });

  describe('after an operator moves a case to another region in the region_code column (no hash covers it)', () => {
    /** Sets region_code of every event of the case, as an operator with access to the database could. */
    const moveCase = async (caseId: string, regionCode: string) => {
      const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
      await editColumn(db, { streamId: `supervision-${caseId}` }, 'region_code', regionCode);
      await db.close();
    };
    const getEvent = (authorization: string, eventId: string, receipt = false) =>
      request(service.app)
        .get(`/v1/events/${eventId}${receipt ? '/receipt' : ''}`)
        .set('authorization', authorization);

    it("still files it under its writer's hashed region: Suzhou neither reads it nor hears of it, Nanjing reads and writes on", async () => {
      const opened = complaint('NJ-MOVED-1');
      expect((await post(NANJING, opened)).status).toBe(201);
      await moveCase('NJ-MOVED-1', '3205');
      expect((await store.findEvent(opened.eventId))!.regionCode).toBe('3205');

      for (const receipt of [false, true]) {
        expect((await getEvent(SUZHOU, opened.eventId, receipt)).status).toBe(404);
        expect((await getEvent(NANJING, opened.eventId, receipt)).status).toBe(200);
      }
      expect((await post(SUZHOU, complaint('NJ-MOVED-1', 'Suzhou'))).status).toBe(404);
      expect((await post(SUZHOU, { ...opened })).status).toBe(404);
      expect((await post(NANJING, { ...opened })).status).toBe(200);
      const next = complaint('NJ-MOVED-1', 'follow-up');
      expect((await post(NANJING, next)).status).toBe(201);
      expect(await stream('NJ-MOVED-1')).toEqual([opened.eventId, next.eventId]);
    });

    it('judges a case opened before filings by the first filing among its later events, and one without any by the column', async () => {
      const older = await appendUnfiledSupervision(store, 'NJ-OLD-1', { id: 'regulator-nanjing', regionCode: '3201' });
      const next = complaint('NJ-OLD-1', 'continued since filings');
      expect((await post(NANJING, next)).status).toBe(201);
      await moveCase('NJ-OLD-1', '3205');
      expect((await getEvent(SUZHOU, older.eventId)).status).toBe(404);
      expect((await getEvent(NANJING, older.eventId)).status).toBe(200);
      expect((await post(NANJING, complaint('NJ-OLD-1', 'after the edit'))).status).toBe(201);

      // Nothing hashed names the region of a case written wholly before filings: the column decides.
      const unfiled = await appendUnfiledSupervision(store, 'NJ-OLD-2', {
        id: 'regulator-nanjing',
        regionCode: '3201',
      });
      await moveCase('NJ-OLD-2', '3205');
      expect((await getEvent(SUZHOU, unfiled.eventId)).status).toBe(200);
      expect((await getEvent(NANJING, unfiled.eventId)).status).toBe(404);
    });
  });

  it('tells a client that re-posts an event as the API returned it that the ledger sets the filing, to be left out', async () => {
    const opened = complaint('NJ-REPOST-1');
    const stored = (await post(NANJING, opened)).body as { data: Record<string, unknown> };
    expect(stored.data.filing).toEqual({ regionCode: '3201' });
    const refused = await post(NANJING, { ...complaint('NJ-REPOST-1'), data: stored.data });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      {
        path: 'data.filing',
        code: 'set-by-ledger',
        message: expect.stringContaining(
          "set by the ledger from the writer's region and must be left out of submissions",
        ),
      },
    ]);
    const { filing: _filing, ...submitted } = stored.data;
    expect((await post(NANJING, { ...complaint('NJ-REPOST-1'), data: submitted })).status).toBe(201);
  });

  it('takes an eventId in capitals as the same event as in small letters, as the certification intake does: a retry is a replay', async () => {
    const sent = { ...complaint('NJ-CASE-5'), eventId: '0C1D2E3F-4A5B-4C6D-8E7F-00000000CA5E' };
    const first = await post(NANJING, sent);
    expect([first.status, first.body.eventId]).toEqual([201, sent.eventId.toLowerCase()]);
    const again = await post(NANJING, { ...sent, eventId: sent.eventId.toLowerCase() });
    expect([again.status, again.body.eventId]).toEqual([200, sent.eventId.toLowerCase()]);
    expect(await stream('NJ-CASE-5')).toEqual([sent.eventId.toLowerCase()]);
    const read = await request(service.app).get(`/v1/events/${sent.eventId}`).set('authorization', NANJING);
    expect([read.status, read.body.eventId]).toEqual([200, sent.eventId.toLowerCase()]);
  });

  it('takes no more events in a case that already holds another writer’s event (it could never be anchored)', async () => {
    const opened = complaint('NJ-CASE-4');
    expect((await post(NANJING, opened)).status).toBe(201);
    // What the writer stored before the ownership check: Suzhou's event in Nanjing's case.
    const [first] = await store.readStream('supervision-NJ-CASE-4');
    const [foreign] = chainedEvents(
      'supervision-NJ-CASE-4',
      'regulator-suzhou',
      [{ type: 'ComplaintRecorded', data: { receivedAt: '2026-11-18', subject: 'old intrusion' } }],
      first,
    );
    await store.append({
      streamId: 'supervision-NJ-CASE-4',
      expectedVersion: 0,
      events: [{ ...foreign!, certificationId: 'NJ-CASE-4', regionCode: '3205' }],
    });
    expect(await anchoredStatus([opened.eventId, foreign!.eventId])).toEqual(['anchored', 'rejected']);

    const refused = await post(NANJING, complaint('NJ-CASE-4', 'after the intrusion'));
    expect([refused.status, refused.body.code]).toEqual([409, 'case-not-anchorable']);
    expect(await stream('NJ-CASE-4')).toEqual([opened.eventId, foreign!.eventId]);
  });
});
