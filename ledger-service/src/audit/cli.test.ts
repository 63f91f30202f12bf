import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { openSqliteAnchorStore } from '../anchoring/anchorStore';
import { openEmbeddedBackend } from '../anchoring/embedded';
import { openSqliteEventStore, SQLITE_FILE_NAME } from '../eventStore';
import { auditCli, parseAuditArgs } from './cli';
import { checkStreamIntegrity } from './integrity';
import { LOG_HEAD_KEY_FILE, loadOrCreateLogHeadSigner } from './logHeads/signer';
import { anchorAll, appendDatedAhead, buildHistory, commitLogHead } from './testing/history';
import { deleteEvent, setRecordedAt, sqliteTamperDb } from './testing/tamper';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += String(chunk)));
  stderr.on('data', (chunk) => (err += String(chunk)));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

describe('npm run audit (the CLI over the service environment)', () => {
  let dir: string;
  let certificationIds: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-'));
    const store = openSqliteEventStore({ directory: dir });
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    const ledger = openEmbeddedBackend({ dataDir: dir });
    ({ certificationIds } = await buildHistory({ store, anchorStore, ledger, certifications: 2 }));
    await Promise.all([store.close(), anchorStore.close(), ledger.close()]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = () => ({ LEDGER_DATA_DIR: dir, EVENT_STORE: 'sqlite', LEDGER_BACKEND: 'embedded', LOG_LEVEL: 'silent' });

  /**
   * A data dir of one test: `write` fills it through the stores and the embedded ledger, closed
   * again before `audit` runs the CLI over it (with the environment of that data dir).
   */
  async function withOwnDataDir<T>(
    write: (stores: {
      own: string;
      store: ReturnType<typeof openSqliteEventStore>;
      anchorStore: ReturnType<typeof openSqliteAnchorStore>;
      ledger: ReturnType<typeof openEmbeddedBackend>;
    }) => Promise<T>,
    audit: (own: string, ownEnv: Record<string, string>, written: T) => Promise<void>,
  ): Promise<void> {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-own-'));
    try {
      const store = openSqliteEventStore({ directory: own });
      const anchorStore = openSqliteAnchorStore({ directory: own });
      const ledger = openEmbeddedBackend({ dataDir: own });
      const written = await write({ own, store, anchorStore, ledger }).finally(() =>
        Promise.all([store.close(), anchorStore.close(), ledger.close()]),
      );
      await audit(own, { ...env(), LEDGER_DATA_DIR: own }, written);
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  }

  it('exits 0 with a summary and a JSON report when the store and the ledger agree; exits 1 naming the deletion after one', async () => {
    const json = path.join(dir, 'reports', 'clean.json');
    const clean = io();
    expect(await auditCli(['--json', json, '--no-progress'], env(), clean.io)).toBe(0);
    expect(clean.out()).toContain('ALL CHECKS AGREE');
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toMatchObject({
      ok: true,
      warnings: [],
      counts: { eventsInLog: 28, anchoredEvents: 28 },
    });

    const store = openSqliteEventStore({ directory: dir });
    const victim = (await store.readStream(`certification-${certificationIds[1]}`))[4]!;
    await store.close();
    const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
    await deleteEvent(db, victim.eventId);
    await db.close();

    const tampered = io();
    const jsonAfter = path.join(dir, 'reports', 'tampered.json');
    expect(await auditCli(['--json', jsonAfter, '--no-progress'], env(), tampered.io)).toBe(1);
    expect(tampered.out()).toMatch(/deleted\s+1/);
    expect(tampered.out()).toContain(victim.eventId);
    const report = JSON.parse(fs.readFileSync(jsonAfter, 'utf8'));
    expect(report.discrepancies).toEqual([
      expect.objectContaining({ kind: 'deleted', eventId: victim.eventId, streamId: victim.streamId, version: 4 }),
    ]);

    // The script itself over the compiled service, hashing in its worker thread.
    const script = path.resolve(__dirname, '../../../scripts/audit.js');
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/audit/hashWorker.js')))
      throw new Error('run npx tsc -b first: the script runs the compiled service');
    const jsonScript = path.join(dir, 'reports', 'script.json');
    const child = spawnSync(process.execPath, [script, '--json', jsonScript, '--no-progress', '--quiet'], {
      env: { ...process.env, ...env() },
      encoding: 'utf8',
    });
    expect(child.status).toBe(1);
    expect(JSON.parse(fs.readFileSync(jsonScript, 'utf8')).discrepancies).toEqual([
      expect.objectContaining({ kind: 'deleted', eventId: victim.eventId }),
    ]);

    const other = io();
    expect(await auditCli(['--certification', certificationIds[0]!, '--no-progress', '--quiet'], env(), other.io)).toBe(
      0,
    );
  });

  it('refuses unknown arguments with exit code 2', async () => {
    expect(await auditCli(['--bogus'], env(), io().io)).toBe(2);
    expect(() => parseAuditArgs(['--region', '3201x'])).toThrow('GB/T 2260');
    expect(parseAuditArgs(['--agency', 'CB-1', '--region', '3201', '--grace', '5'])).toMatchObject({
      filter: { agencyId: 'CB-1', regionCode: '3201' },
      graceMinutes: 5,
      logHeadIntervals: 3,
    });
    expect(parseAuditArgs(['--log-head-intervals', '10'])).toMatchObject({ logHeadIntervals: 10 });
    expect(() => parseAuditArgs(['--log-head-intervals', 'many'])).toThrow('head intervals');
    expect(await auditCli(['--no-progress'], { ...env(), LEDGER_LOG_HEAD_SECONDS: 'often' }, io().io)).toBe(2);
    expect(parseAuditArgs(['--log-key-id', 'AB'.repeat(32)])).toMatchObject({ logKeyId: 'ab'.repeat(32) });
    expect(() => parseAuditArgs(['--log-key-id', 'ab'])).toThrow('64 hex characters');
  });

  it('checks the log heads against the key in LEDGER_DATA_DIR, or the one --log-key-id names, naming a head of another key and both ids', async () => {
    await withOwnDataDir(
      async ({ own, store, anchorStore, ledger }) => {
        await buildHistory({ store, anchorStore, ledger, certifications: 1 });
        return commitLogHead({ store, ledger, dataDir: path.join(own, 'intruder') });
      },
      async (own, ownEnv, intruder) => {
        // No key in the data dir: the first head's key is taken, and the summary says it was not checked.
        const unchecked = io();
        expect(await auditCli(['--no-progress'], ownEnv, unchecked.io)).toBe(0);
        expect(unchecked.out()).toContain(`log key             ${intruder.keyId}, the first head's: not given`);
        expect(unchecked.out()).toContain('ALL CHECKS AGREE; 1 CHECK SKIPPED (warnings below)');
        expect(unchecked.out()).toMatch(/\n  log-head-key-unchecked\n      no log key id was given/);

        const logKeyId = loadOrCreateLogHeadSigner(own).keyId;
        const json = path.join(own, 'report.json');
        const pinned = io();
        expect(await auditCli(['--no-progress', '--json', json], ownEnv, pinned.io)).toBe(1);
        expect(pinned.out()).toMatch(/log-head-missing-or-stale\s+1/);
        expect(pinned.out()).toContain(`log key             ${logKeyId}\n`);
        const pinnedReport = JSON.parse(fs.readFileSync(json, 'utf8'));
        expect(pinnedReport.discrepancies).toEqual([
          expect.objectContaining({ reason: 'log-head-other-key', expected: logKeyId, actual: intruder.keyId }),
        ]);
        // The key was read and every check made: no warning, in the report or the summary.
        expect(pinnedReport.warnings).toEqual([]);
        expect(pinned.out()).toMatch(/^Audit of the certification ledger — DISCREPANCIES FOUND\n/);
        expect(pinned.out()).not.toContain('Warnings');

        const given = io();
        expect(await auditCli(['--no-progress', '--log-key-id', intruder.keyId], ownEnv, given.io)).toBe(0);

        // A key file the audit may not read leaves the key unchecked, with a warning: the audit still runs.
        const keyFile = path.join(own, LOG_HEAD_KEY_FILE);
        const readFileSync = fs.readFileSync;
        const denied = jest.spyOn(fs, 'readFileSync').mockImplementation(((
          file: fs.PathOrFileDescriptor,
          ...rest: unknown[]
        ) => {
          if (file === keyFile)
            throw Object.assign(new Error(`EACCES: permission denied, open '${keyFile}'`), { code: 'EACCES' });
          return (readFileSync as (...args: unknown[]) => unknown)(file, ...rest);
        }) as typeof fs.readFileSync);
        const unreadable = io();
        const unreadableJson = path.join(own, 'unreadable-key.json');
        try {
          expect(await auditCli(['--no-progress', '--json', unreadableJson], ownEnv, unreadable.io)).toBe(0);
        } finally {
          denied.mockRestore();
        }
        expect(unreadable.err()).toContain(
          "the log heads' key is not checked; give the log's key id with --log-key-id",
        );
        expect(unreadable.out()).toContain(`log key             ${intruder.keyId}, the first head's: not given`);
        // The saved report and the summary say so too: a reader of either learns the check was skipped.
        const keyUnchecked = expect.stringContaining(`the log's key could not be read (EACCES: permission denied`);
        expect(JSON.parse(fs.readFileSync(unreadableJson, 'utf8'))).toMatchObject({
          ok: true,
          warnings: [{ code: 'log-head-key-unchecked', message: keyUnchecked }],
        });
        expect(unreadable.out()).toMatch(/^Audit of the certification ledger — ALL CHECKS AGREE; 1 CHECK SKIPPED/);
        expect(unreadable.out()).toContain(
          `\n  log-head-key-unchecked\n      the log's key could not be read (EACCES: permission denied, open '${keyFile}'): the signed log heads were not checked against the service's key; the key of the first head on the ledger, ${intruder.keyId}, was taken for the log's`,
        );

        // A key file that is there and is no key stops the audit: it is not quietly left unchecked.
        fs.writeFileSync(keyFile, 'not a key');
        expect(await auditCli(['--no-progress'], ownEnv, io().io)).toBe(2);
      },
    );
  });

  it('names refused events and log heads that do not keep up in words a regulator reads, and takes its tolerance from LEDGER_LOG_HEAD_SECONDS', async () => {
    await withOwnDataDir(
      async ({ own, store, anchorStore, ledger }) => {
        const { certificationIds: ids } = await buildHistory({ store, anchorStore, ledger, certifications: 1 });
        await commitLogHead({ store, ledger, dataDir: own });
        const refused = await appendDatedAhead(store, `certification-${ids[0]}`);
        await buildHistory({ store, anchorStore, ledger, certifications: 1, prefix: 'N' });
        return refused;
      },
      async (own, ownEnv, refused) => {
        const json = path.join(own, 'report.json');
        const strict = io();
        expect(
          await auditCli(
            ['--no-progress', '--json', json, '--grace', '0', '--log-head-intervals', '0'],
            ownEnv,
            strict.io,
          ),
        ).toBe(1);
        expect(strict.out()).toMatch(/rejected-by-ledger\s+1\s+events the ledger refused to anchor/);
        expect(strict.out()).toMatch(/log-head-missing-or-stale\s+1\s+the log not covered by a recent signed log head/);
        expect(strict.out()).toContain(refused.eventId);
        expect(strict.out()).toContain('CL_OCCURRED_IN_FUTURE');
        expect(strict.out()).toContain('covered by no signed log head');
        expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toMatchObject({ logHeadMaxAgeMs: 0 });

        // Heads every hour: the head of the first certification is recent enough for the second.
        const hourly = io();
        expect(
          await auditCli(['--no-progress', '--json', json], { ...ownEnv, LEDGER_LOG_HEAD_SECONDS: '3600' }, hourly.io),
        ).toBe(1);
        expect(hourly.out()).toMatch(/log-head-missing-or-stale\s+0/);
        expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toMatchObject({
          logHeadMaxAgeMs: 3 * 3_600_000 + 15 * 60_000,
        });
      },
    );
  });
});

describe('checkStreamIntegrity (what the verification page asks before saying "valid")', () => {
  /** Two anchored certifications in a fresh SQLite store and embedded ledger, for one test. */
  async function withHistory(
    test: (context: {
      dir: string;
      store: ReturnType<typeof openSqliteEventStore>;
      anchorStore: ReturnType<typeof openSqliteAnchorStore>;
      ledger: ReturnType<typeof openEmbeddedBackend>;
      certificationIds: readonly string[];
    }) => Promise<void>,
  ): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-integrity-'));
    const store = openSqliteEventStore({ directory: dir });
    const anchorStore = openSqliteAnchorStore({ directory: dir });
    const ledger = openEmbeddedBackend({ dataDir: dir });
    try {
      const { certificationIds } = await buildHistory({ store, anchorStore, ledger, certifications: 2 });
      await test({ dir, store, anchorStore, ledger, certificationIds });
    } finally {
      await Promise.all([store.close(), anchorStore.close(), ledger.close()]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  it('passes an untouched certification and fails it once its history is edited', async () => {
    await withHistory(async ({ dir, store, anchorStore, ledger, certificationIds }) => {
      const streamId = `certification-${certificationIds[0]}`;
      expect(await checkStreamIntegrity({ store, ledger, streamId })).toMatchObject({
        ok: true,
        events: 14,
        anchoredEvents: 14,
        discrepancies: [],
      });
      const victim = (await store.readStream(streamId))[9]!;
      const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
      await deleteEvent(db, victim.eventId);
      await db.close();
      const after = await checkStreamIntegrity({ store, ledger, streamId });
      expect(after.ok).toBe(false);
      expect(after.discrepancies[0]).toMatchObject({ kind: 'deleted', version: 9 });
      expect((await checkStreamIntegrity({ store, ledger, streamId: `certification-${certificationIds[1]}` })).ok).toBe(
        true,
      );
    });
  });

  it('fails a certification whose event the ledger refused, or whose recorded time lies after the check', async () => {
    await withHistory(async ({ dir, store, anchorStore, ledger, certificationIds }) => {
      const streamId = `certification-${certificationIds[0]}`;
      const refused = await appendDatedAhead(store, streamId);
      await anchorAll({ store, anchorStore, ledger });
      const page = await checkStreamIntegrity({ store, ledger, anchorStore, streamId });
      expect(page.ok).toBe(false);
      expect(page.discrepancies).toEqual([
        expect.objectContaining({
          kind: 'rejected-by-ledger',
          eventId: refused.eventId,
          actual: 'CL_OCCURRED_IN_FUTURE',
        }),
      ]);

      const other = `certification-${certificationIds[1]}`;
      const victim = (await store.readStream(other))[3]!;
      const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
      await setRecordedAt(db, victim.eventId, '2099-01-01T00:00:00.000Z');
      await db.close();
      const redated = await checkStreamIntegrity({ store, ledger, anchorStore, streamId: other });
      expect(redated.ok).toBe(false);
      expect(redated.discrepancies).toEqual([
        expect.objectContaining({ kind: 'modified', reason: 'recorded-at-in-future', eventId: victim.eventId }),
      ]);
    });
  });
});
