import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { SQLITE_FILE_NAME } from '../eventStore';
import { eventually, startService, TOKENS, type RunningService } from '../http/read/testing/service';
import { initialCertification, withCheckCharacter } from '../testing/scenario';
import { editPayload, sqliteTamperDb } from './testing/tamper';

const HOLDER = withCheckCharacter('91320106MA1Q3R6A1');
const OTHER = withCheckCharacter('91320506MA1Q3R6A2');
const CERTIFICATE_NO = '00125Q00077R0M';
const WITHDRAWN_NO = '00125Q00078R0M';

describe('the verification page after the history is tampered with (whole service, SQLite, embedded ledger)', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startService({ enterpriseCreditCode: HOLDER, otherCreditCode: OTHER });
  });
  afterAll(async () => {
    await running.stop();
  });

  const get = (url: string) => fetch(url.startsWith('http') ? url : `${running.baseUrl}${url}`);
  const bannerOf = (page: string) => /data-status="([a-z-]+)"/.exec(page)?.[1];

  async function submitAll(events: ReturnType<typeof initialCertification>): Promise<void> {
    for (const { certificationId, ...body } of events) {
      const response = await fetch(`${running.baseUrl}/v1/certifications/${certificationId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.agency}` },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
    }
  }

  async function verificationUrlOf(certificateNo: string, status: string): Promise<string> {
    await eventually(
      async () => {
        const answer = await get(`/v1/certificates/${certificateNo}`);
        return answer.status === 200 && ((await answer.json()) as { status: string }).status === status
          ? true
          : undefined;
      },
      20_000,
      `the certificate ${status} in the registry`,
    );
    const qr = PNG.sync.read(Buffer.from(await (await get(`/v1/certificates/${certificateNo}/qr`)).arrayBuffer()));
    return jsQR(new Uint8ClampedArray(qr.data.buffer, qr.data.byteOffset, qr.data.length), qr.width, qr.height)!.data;
  }

  it('says valid while the history checks, and stops saying valid once an event of it is edited in the database', async () => {
    const events = initialCertification({
      certificationId: 'AUDIT-VERIFY-1',
      appliedOn: '2025-03-01',
      certificateNo: CERTIFICATE_NO,
      creditCode: HOLDER,
    });
    await submitAll(events);
    const url = await verificationUrlOf(CERTIFICATE_NO, 'valid');

    const before = await (await get(url)).text();
    expect(bannerOf(before)).toBe('valid');
    expect(before).not.toContain('data-history="failed"');

    const db = sqliteTamperDb(path.join(running.dataDir, SQLITE_FILE_NAME));
    await editPayload(db, events[12]!.eventId, { rehash: true });
    await db.close();

    const after = await (await get(url)).text();
    expect(bannerOf(after)).not.toBe('valid');
    expect(after).toContain('data-history="failed"');
  });

  it('does not call a withdrawn certificate valid when its row in the read model is edited to say so', async () => {
    const events = initialCertification({
      certificationId: 'AUDIT-VERIFY-2',
      appliedOn: '2025-03-01',
      certificateNo: WITHDRAWN_NO,
      creditCode: HOLDER,
    });
    const withdrawal = {
      certificationId: 'AUDIT-VERIFY-2',
      eventId: randomUUID(),
      type: 'CertificateWithdrawn' as const,
      occurredAt: '2026-01-05T10:00:00+08:00',
      data: { reason: '国家监督抽查不合格' },
    };
    await submitAll([...events, withdrawal]);
    const url = await verificationUrlOf(WITHDRAWN_NO, 'withdrawn');
    const before = await (await get(url)).text();
    expect(bannerOf(before)).toBe('withdrawn');
    expect(before).not.toContain('data-history="failed"');
    const verified = async () =>
      (await (await get(`/v1/certificates/${WITHDRAWN_NO}?verify=true`)).json()) as {
        status: string;
        history?: { ok: boolean };
      };
    expect(await verified()).toMatchObject({ status: 'withdrawn', history: { ok: true } });

    const readModel = new Database(path.join(running.dataDir, 'projections.sqlite'));
    readModel
      .prepare(
        `UPDATE reg_certificates SET status = 'valid', status_since = issued_at, status_event_id = issued_event_id
         WHERE certificate_no = ?`,
      )
      .run(WITHDRAWN_NO);
    readModel.close();

    const after = await (await get(url)).text();
    expect(bannerOf(after)).not.toBe('valid');
    expect(after).toContain('data-history="failed"');
    // The API asked to verify says the same; asked plainly it gives the register's copy.
    expect(await verified()).toMatchObject({ status: 'unknown', history: { ok: false } });
  });
});
