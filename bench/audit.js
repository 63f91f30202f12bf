'use strict';
// Audit of a million events (SQLite event store + embedded ledger) beside its floor: reading the
// same events from the store and hashing their canonical bytes, nothing else.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = (p) => path.join(root, 'ledger-service/dist', p);
const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const AGENCY = 'CNCA-R-2002-001';

const seconds = (ms) => Math.round(ms / 100) / 10;

async function floor(store) {
  const started = Date.now();
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await store.readAll(after, 5000);
    if (page.length === 0) break;
    for (const event of page) crypto.createHash('sha256').update(event.canonical).digest();
    count += page.length;
    after = page[page.length - 1].position;
  }
  return { ms: Date.now() - started, count };
}

async function run({ log }) {
  const { openSqliteEventStore } = require(dist('eventStore'));
  const { openEmbeddedBackend } = require(dist('anchoring/embedded'));
  const { openSqliteAnchorStore } = require(dist('anchoring/anchorStore'));
  const { createAnchorer } = require(dist('anchoring/anchorer'));
  const { writeBulkHistory } = require(dist('audit/testing/bulkHistory'));
  const { runAudit, openEmbeddedLedgerView, readSqliteMembership } = require(dist('audit'));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-audit-'));
  try {
    const certifications = Math.ceil(EVENTS / 14);
    let started = Date.now();
    const store = openSqliteEventStore({ directory: dir });
    const { events } = await writeBulkHistory({
      store,
      certifications,
      agencyId: AGENCY,
      streamsPerCall: 1000,
      onProgress: (n) => n % 20_000 === 0 && log(`written ${n * 14} events`),
    });
    const writeMs = Date.now() - started;
    log(`${events} events written through appendEach in ${seconds(writeMs)} s`);

    started = Date.now();
    const ledger = openEmbeddedBackend({ dataDir: dir });
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    await createAnchorer({
      eventStore: store,
      anchorStore,
      ledger,
      maxBatchEvents: 10_000,
      maxRoundEvents: 50_000,
    }).drain();
    const anchorMs = Date.now() - started;
    await Promise.all([ledger.close(), anchorStore.close()]);
    log(`anchored on the embedded ledger in ${seconds(anchorMs)} s`);

    const floors = [];
    floors.push(await floor(store));
    log(`floor (read + hash): ${seconds(floors[0].ms)} s`);

    started = Date.now();
    const membership = readSqliteMembership(dir);
    const view = openEmbeddedLedgerView({ dataDir: dir });
    const report = await runAudit({ store, ledger: view, membership });
    const auditMs = Date.now() - started;
    await view.close();
    log(
      `audit: ${seconds(auditMs)} s, ok=${report.ok}, ${report.counts.batchesChecked} batch roots, ${report.discrepancies.length} discrepancies`,
    );
    if (!report.ok || report.counts.eventsAudited !== events)
      throw new Error(`the audit of an untouched history failed: ${JSON.stringify(report.counts)}`);

    floors.push(await floor(store));
    await store.close();
    const floorMs = Math.min(...floors.map((f) => f.ms));
    return {
      title: 'Audit of 1,000,000 events (SQLite + embedded ledger)',
      description:
        `\`runAudit\` (what \`npm run audit\` runs) over ${events.toLocaleString('en-US')} events in ${certifications.toLocaleString('en-US')} certification streams, ` +
        'anchored in batches of 10,000 by the real anchorer on the embedded ledger: every hash recomputed from the stored bytes, every envelope read back and ' +
        'compared with its row, every stream chain, every batch root, every stream head and the RFC 6962 root of the whole log. The baseline is the floor: ' +
        'reading the same events through the same store adapter and hashing them, nothing else (best of a run before and after the audit).',
      rows: [
        {
          name: 'audit, whole log',
          value: seconds(auditMs),
          unit: 's',
          baseline: `${seconds(floorMs)} s floor`,
          ratio: (auditMs / floorMs).toFixed(2),
          target: '< 20 s',
        },
        {
          name: 'audit rate',
          value: Math.round(events / (auditMs / 1000)).toLocaleString('en-US'),
          unit: 'events/s',
          baseline: `${Math.round(events / (floorMs / 1000)).toLocaleString('en-US')} events/s floor`,
          ratio: (floorMs / auditMs).toFixed(2),
        },
        { name: 'floor: read + hash the same events', value: seconds(floorMs), unit: 's' },
        { name: 'setup: write through appendEach', value: seconds(writeMs), unit: 's' },
        { name: 'setup: anchor (real anchorer, embedded ledger)', value: seconds(anchorMs), unit: 's' },
      ],
      limits: [
        'Reading the rows through the SQLite adapter is most of the floor; the audit adds a second SHA-256 per event and about one more per event for the log tree and the batch roots.',
        'The ledger is read per batch (its root vouches for its events) and per stream head, in bulk SQL; per-event ledger reads happen only where a batch root fails.',
        'One Node thread on a 2-core machine; other processes running at the same time lengthen both figures alike.',
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };

if (require.main === module) {
  run({ log: (line) => process.stderr.write(`   ${line}\n`) }).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
