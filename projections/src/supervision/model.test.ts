import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chinaTime as at, streamBuilder, teamMember, type StreamBuilder } from '../fixtures';
import type { ReadStore, SqlExecutor } from '../store/port';
import { sqliteTestReadStore } from '../testing/readStores';
import type { LogEvent } from '../types';
import { supervisionModel } from './model';

const CB = 'CNCA-R-2002-001';
const OTHER_CB = 'CNCA-R-2010-015';

type Draft = Omit<LogEvent, 'position'>;

/** The statements a batch ran against the tables whose rows are written with the facts. */
interface Written {
  readonly sv_audits: unknown[][];
  readonly sv_certificates: unknown[][];
}

/** `tx`, noting the parameters of each statement that writes to sv_audits or sv_certificates. */
function noting(tx: SqlExecutor, written: Written): SqlExecutor {
  return {
    run: (sql, params = []) => {
      const table = /INSERT INTO (sv_audits|sv_certificates)\b/.exec(sql)?.[1] as keyof Written | undefined;
      if (table) written[table].push([...params]);
      return tx.run(sql, params);
    },
    get: (sql, params) => tx.get(sql, params),
    all: (sql, params) => tx.all(sql, params),
    values: (sql, params) => tx.values(sql, params),
  };
}

/** What of the certification c1 by CB the rows need: its stage 1 and stage 2 audits and certificate CERT-1. */
function certified(b: StreamBuilder): Draft[] {
  const team = [teamMember('au-1')];
  return [
    b.event('AuditTeamAssigned', { auditId: 's1', kind: 'stage1', members: team }, at('2024-08-05')),
    b.event('AuditTeamAssigned', { auditId: 's2', kind: 'stage2', members: team }, at('2024-08-21')),
    b.event(
      'AuditConducted',
      { auditId: 's2', start: '2024-09-01', end: '2024-09-02', checkIns: [] },
      at('2024-09-02'),
    ),
    b.event(
      'CertificateIssued',
      { certificateNo: 'CERT-1', issuedAt: '2024-11-01', validUntil: '2027-10-31', scope: 'Valves', sectors: [18] },
      at('2024-11-01'),
    ),
  ];
}

describe('supervision model: the rows written with the facts', () => {
  let dir: string;
  const stores: ReadStore[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-model-'));
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const openStore = async (name: string): Promise<ReadStore> => {
    const { store } = await sqliteTestReadStore(dir, name);
    stores.push(store);
    await store.transaction(async (tx) => {
      for (const statement of supervisionModel.ddl(store.dialect)) await tx.run(statement);
    });
    return store;
  };

  let position = 0;
  /** Applies `events` as one batch of the runner's, and returns what it wrote to sv_audits and sv_certificates. */
  const applyBatch = async (store: ReadStore, events: readonly Draft[]): Promise<Written> => {
    const written: Written = { sv_audits: [], sv_certificates: [] };
    const batch = events.map((event) => ({ ...event, position: (position += 1) }));
    await store.transaction((tx) => supervisionModel.apply(noting(tx, written), batch, store.dialect));
    return written;
  };
  const auditRows = (store: ReadStore) =>
    store.all('SELECT certification_id, audit_id, agency_id FROM sv_audits ORDER BY audit_id');

  it('writes an audit’s row and a certificate’s only when the batch adds it or changes the CB that ran the audit; a rebuild writes the same rows', async () => {
    const store = await openStore('live');
    const b = streamBuilder({ certificationId: 'c1', agencyId: CB, regionCode: '320106' });
    const history = certified(b);
    const issued = history.at(-1)!;
    const batches: Draft[][] = [
      history,
      // Touching neither an audit nor a certificate number: a report to CNCA, a suspension, a restore.
      [
        b.event(
          'ReportedToCnca',
          { kind: 'certificate', subjectEventId: issued.eventId, reportedAt: at('2024-11-02') },
          at('2024-11-02'),
        ),
        b.event('CertificateSuspended', { reason: 'r', until: '2025-03-01' }, at('2025-01-10')),
        b.event('CertificateRestored', {}, at('2025-02-10')),
      ],
      // A surveillance team CB assigns, then the transfer, after which the accepting CB conducts it.
      [
        b.event(
          'AuditTeamAssigned',
          { auditId: 'v1', kind: 'surveillance', members: [teamMember('au-2')] },
          at('2025-09-01'),
        ),
      ],
      [
        { ...b.event('CertificationTransferred', { fromAgencyId: CB }, at('2025-09-10')), agencyId: OTHER_CB },
        {
          ...b.event(
            'AuditConducted',
            { auditId: 'v1', start: '2025-10-01', end: '2025-10-01', checkIns: [] },
            at('2025-10-01'),
          ),
          agencyId: OTHER_CB,
        },
      ],
    ];
    const written: Written[] = [];
    for (const batch of batches) written.push(await applyBatch(store, batch));

    expect(written).toEqual([
      {
        sv_audits: [
          ['c1', 's1', CB],
          ['c1', 's2', CB],
        ],
        sv_certificates: [['CERT-1', 'c1']],
      },
      { sv_audits: [], sv_certificates: [] },
      { sv_audits: [['c1', 'v1', CB]], sv_certificates: [] },
      { sv_audits: [['c1', 'v1', OTHER_CB]], sv_certificates: [] },
    ]);
    const rows = [
      { certification_id: 'c1', audit_id: 's1', agency_id: CB },
      { certification_id: 'c1', audit_id: 's2', agency_id: CB },
      { certification_id: 'c1', audit_id: 'v1', agency_id: OTHER_CB },
    ];
    expect(await auditRows(store)).toEqual(rows);

    const rebuilt = await openStore('rebuilt');
    await applyBatch(rebuilt, batches.flat());
    expect(await auditRows(rebuilt)).toEqual(rows);
    expect(await rebuilt.all('SELECT certificate_no, certification_id FROM sv_certificates')).toEqual(
      await store.all('SELECT certificate_no, certification_id FROM sv_certificates'),
    );
  });
});
