import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { SQLITE_FILE_NAME } from '../eventStore';
import { eventually, startService, TOKENS, type RunningService } from '../http/read/testing/service';
import { initialCertification, withCheckCharacter } from '../testing/scenario';
import { editPayload, sqliteTamperDb } from './testing/tamper';

const HOLDER = withCheckCharacter('91320106MA1Q3R6A1');
const OTHER = withCheckCharacter('91320506MA1Q3R6A2');
const CERTIFICATE_NO = '00125Q00077R0M';

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

  it('says valid while the history checks, and stops saying valid once an event of it is edited in the database', async () => {
    const events = initialCertification({
      certificationId: 'AUDIT-VERIFY-1',
      appliedOn: '2025-03-01',
      certificateNo: CERTIFICATE_NO,
      creditCode: HOLDER,
    });
    for (const { certificationId, ...body } of events) {
      const response = await fetch(`${running.baseUrl}/v1/certifications/${certificationId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.agency}` },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(201);
    }
    await eventually(
      async () => ((await get(`/v1/certificates/${CERTIFICATE_NO}`)).status === 200 ? true : undefined),
      20_000,
      'the certificate in the registry',
    );
    const qr = PNG.sync.read(Buffer.from(await (await get(`/v1/certificates/${CERTIFICATE_NO}/qr`)).arrayBuffer()));
    const url = jsQR(
      new Uint8ClampedArray(qr.data.buffer, qr.data.byteOffset, qr.data.length),
      qr.width,
      qr.height,
    )!.data;

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
});
