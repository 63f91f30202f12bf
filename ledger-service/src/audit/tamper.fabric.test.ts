/**
 * The audit against the real Fabric network (scripts/fabric/network-up.sh): runs when
 * FABRIC_CONNECTION or .fabric/connection.json exists, and is skipped otherwise.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteAnchorStore } from '../anchoring/anchorStore';
import { fabricConnectionPath, openFabricBackend } from '../anchoring/fabric';
import { openSqliteEventStore, SQLITE_FILE_NAME } from '../eventStore';
import { readSqliteMembership } from './anchorMembership';
import { runAudit } from './audit';
import { ledgerViewOfBackend } from './ledgerView';
import { buildHistory } from './testing/history';
import { deleteEvent, editPayload, sqliteTamperDb } from './testing/tamper';

const CONNECTION = fabricConnectionPath(process.env, path.resolve(__dirname, '..', '..', '..'));
// Without a network the suite is skipped locally, but never in CI, where .ci/run starts one.
const describeNetwork = fs.existsSync(CONNECTION) || process.env.CI ? describe : describe.skip;

describeNetwork('audit against tampering: SQLite + the real Fabric network', () => {
  it('finds an anchored history clean, then names an edited event as modified and a deleted one as deleted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-fabric-'));
    const store = openSqliteEventStore({ directory: dir });
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    const ledger = openFabricBackend({ connection: CONNECTION });
    try {
      const prefix = `F${randomBytes(4).toString('hex')}`;
      const { certificationIds } = await buildHistory({ store, anchorStore, ledger, certifications: 2, prefix });
      const audit = () =>
        runAudit({ store, ledger: ledgerViewOfBackend({ backend: ledger }), membership: readSqliteMembership(dir) });

      const clean = await audit();
      expect(clean.ok).toBe(true);
      expect(clean.backend).toBe('fabric');
      expect(clean.counts).toMatchObject({ eventsAudited: 28, anchoredEvents: 28 });

      const [first, second] = await Promise.all(certificationIds.map((id) => store.readStream(`certification-${id}`)));
      const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
      await editPayload(db, first![4]!.eventId, { rehash: true });
      await deleteEvent(db, second![8]!.eventId);
      await db.close();

      const tampered = await audit();
      expect(tampered.ok).toBe(false);
      expect(tampered.discrepancies.map((d) => [d.kind, d.eventId])).toEqual(
        expect.arrayContaining([
          ['modified', first![4]!.eventId],
          ['deleted', second![8]!.eventId],
        ]),
      );
      expect(tampered.discrepancies).toHaveLength(2);
    } finally {
      await ledger.close();
      await anchorStore.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
