import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { createProjections, createSqliteReadStore, READ_MODELS } from '@certledger/projections';
import { openSqliteAnchorStore } from '../anchoring/anchorStore';
import { openEmbeddedBackend } from '../anchoring/embedded';
import { buildHistory, commitLogHead } from '../audit/testing/history';
import { openSqliteEventStore } from '../eventStore';
import { anchorFeedOf, eventFeedOf } from '../http/read/wiring';
import { backupCli, parseBackupArgs } from './cli';
import { MANIFEST_FILE, MANIFEST_FORMAT, readManifest, writeManifest, type BackupManifest } from './manifest';
import { ledgerAheadOfLog, orderingProblems } from './positions';

const QR_SECRET = 'backup-test-qr-secret-0123456789';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += String(chunk)));
  stderr.on('data', (chunk) => (err += String(chunk)));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** A data directory as the service leaves it: two certifications through the intake, anchored, a signed log head, the read models. */
async function writeDataDir(dir: string): Promise<void> {
  const store = openSqliteEventStore({ directory: dir });
  const anchorStore = openSqliteAnchorStore({ directory: dir });
  const ledger = openEmbeddedBackend({ dataDir: dir });
  await buildHistory({ store, anchorStore, ledger, certifications: 2 });
  await commitLogHead({ store, ledger, dataDir: dir });
  const projections = createProjections({
    events: eventFeedOf(store),
    anchors: anchorFeedOf({ eventStore: store, anchorStore }),
    store: createSqliteReadStore({ file: path.join(dir, 'projections.sqlite') }),
  });
  for (const model of READ_MODELS) await projections.runner.rebuild(model.name);
  await projections.close();
  await Promise.all([store.close(), anchorStore.close(), ledger.close()]);
}

/** A copy of `dataDir` in which `change` was made to one of its SQLite files. */
function alteredDataDir(dataDir: string, to: string, file: string, change: (db: Database.Database) => void): string {
  fs.cpSync(dataDir, to, { recursive: true });
  const db = new Database(path.join(to, file));
  try {
    change(db);
  } finally {
    db.close();
  }
  return to;
}

function editManifest(dir: string, edit: (manifest: Record<string, any>) => void): void {
  const file = path.join(dir, MANIFEST_FILE);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
  edit(manifest);
  fs.writeFileSync(file, JSON.stringify(manifest));
}

/** `node scripts/backup.js` over the compiled service, holding its copy of events.sqlite until a signal comes. */
function spawnHeldBackup(env: Record<string, string>, to: string) {
  if (!fs.existsSync(path.resolve(__dirname, '../../dist/backup/cli.js')))
    throw new Error('run npx tsc -b first: the script runs the compiled service');
  const script = path.resolve(__dirname, '../../../scripts/backup.js');
  const hold = path.join(__dirname, 'testing', 'holdEventStoreCopy.js');
  const child = spawn(process.execPath, ['--require', hold, script, '--to', to, '--no-progress'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const copyingEvents = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', () => {
      if (/"file":"events\.sqlite"[^\n]*"msg":"backup progress"/.test(stderr)) resolve();
    });
    void closed.then(() => reject(new Error(`the backup ended before copying the event store:\n${stderr}`)));
  });
  return { child, copyingEvents, closed, stderr: () => stderr };
}

function flipByte(file: string, at: number): void {
  const bytes = fs.readFileSync(file);
  bytes[at] = bytes[at]! ^ 0xff;
  fs.writeFileSync(file, bytes);
}

describe('npm run backup (the CLI over the service environment)', () => {
  let root: string;
  let dataDir: string;
  const env = (extra: Record<string, string> = {}) => ({
    LEDGER_DATA_DIR: dataDir,
    LEDGER_QR_SECRET: QR_SECRET,
    LOG_LEVEL: 'info',
    ...extra,
  });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-cli-'));
    dataDir = path.join(root, 'data');
    await writeDataDir(dataDir);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('copies the stores, the key (mode 0600) and the log heads, writes the manifest, and logs its progress without secrets', async () => {
    const to = path.join(root, 'full');
    const run = io();
    expect(await backupCli(['--to', to, '--no-progress'], env(), run.io)).toBe(0);
    expect(run.out()).toMatch(/^backup written to .*: 5 files, .* event store head 28, anchor store checkpoint 28\n$/);

    const manifest = readManifest(to);
    expect(manifest).toMatchObject({
      format: 'certledger-backup/1',
      eventStore: 'sqlite',
      ledgerBackend: 'embedded',
      withReadModels: false,
      absent: [],
      positions: {
        eventHead: 28,
        anchorStore: { checkpoint: 28, anchoredPosition: 28 },
        ledger: { events: 28, logHeadPosition: 28 },
        localLogHeadPosition: 28,
      },
    });
    expect(manifest.serviceVersion).toMatch(/^\d+\.\d+\.\d+/);
    // Whatever follows the log, before the log.
    expect(manifest.files.map((file) => file.name)).toEqual([
      'log-head-key.pem',
      'anchors.sqlite',
      'log-heads.jsonl',
      'ledger.sqlite',
      'events.sqlite',
    ]);
    for (const file of manifest.files) {
      expect(fs.statSync(path.join(to, file.name)).size).toBe(file.bytes);
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(fs.statSync(path.join(to, 'log-head-key.pem')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(to).mode & 0o777).toBe(0o700);
    // One file per database: the copies are in rollback-journal mode.
    expect(fs.readdirSync(to).sort()).toEqual([...manifest.files.map((file) => file.name), 'backup.json'].sort());

    const logs = run
      .err()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; file?: string });
    expect(logs.filter((line) => line.msg === 'backup progress').map((line) => line.file)).toContain('events.sqlite');
    expect(logs.filter((line) => line.msg === 'copied')).toHaveLength(5);
    expect(run.err()).not.toContain('PRIVATE KEY');
    expect(run.err()).not.toContain(QR_SECRET);

    const verified = io();
    expect(await backupCli(['--verify', to], env(), verified.io)).toBe(0);
    expect(verified.out()).toContain('verified: 5 files');
  });

  it('leaves the read models out unless asked, and copies them before everything they follow', async () => {
    const to = path.join(root, 'with-read-models');
    expect(await backupCli(['--to', to, '--with-read-models', '--no-progress'], env(), io().io)).toBe(0);
    const manifest = readManifest(to);
    expect(manifest.files.map((file) => file.name).slice(0, 3)).toEqual([
      'log-head-key.pem',
      'projections.sqlite',
      'anchors.sqlite',
    ]);
    expect(manifest).toMatchObject({ withReadModels: true, positions: { readModelsPosition: 28 } });
    expect(readManifest(path.join(root, 'full')).files.map((file) => file.name)).not.toContain('projections.sqlite');
  });

  it('--verify finds a flipped byte, a missing file and a key readable by others, and says when there is no backup', async () => {
    const to = path.join(root, 'to-damage');
    expect(await backupCli(['--to', to, '--no-progress'], env(), io().io)).toBe(0);
    const events = path.join(to, 'events.sqlite');
    const middle = Math.floor(fs.statSync(events).size / 2);

    flipByte(events, middle);
    const damaged = io();
    expect(await backupCli(['--verify', to], env(), damaged.io)).toBe(1);
    expect(damaged.out()).toContain('FAILED verification');
    expect(damaged.out()).toMatch(/events\.sqlite has SHA-256 [0-9a-f]{64}, the manifest says/);
    flipByte(events, middle);
    expect(await backupCli(['--verify', to], env(), io().io)).toBe(0);

    // A flipped byte in a table's page header: SQLite's integrity check fails as well.
    const anchors = path.join(to, 'anchors.sqlite');
    flipByte(anchors, 4096);
    const corrupt = io();
    expect(await backupCli(['--verify', to], env(), corrupt.io)).toBe(1);
    expect(corrupt.out()).toContain("anchors.sqlite fails SQLite's integrity check");
    flipByte(anchors, 4096);

    fs.chmodSync(path.join(to, 'log-head-key.pem'), 0o644);
    fs.renameSync(path.join(to, 'log-heads.jsonl'), path.join(root, 'moved.jsonl'));
    const other = io();
    expect(await backupCli(['--verify', to], env(), other.io)).toBe(1);
    expect(other.out()).toContain('log-heads.jsonl is missing');
    expect(other.out()).toContain('log-head-key.pem (the log-head signing key) is readable by others: mode 644');

    const none = io();
    expect(await backupCli(['--verify', root], env(), none.io)).toBe(2);
    expect(none.err()).toContain('holds no backup.json');
  });

  it('refuses, with exit code 2 and writing nothing, a directory holding a backup or anything else, one inside the data directory, and stores it does not copy', async () => {
    const refusal = async (args: string[], extra: Record<string, string> = {}): Promise<string> => {
      const run = io();
      expect(await backupCli(args, env(extra), run.io)).toBe(2);
      return run.err();
    };
    const existing = path.join(root, 'full');
    const before = fs.readdirSync(existing).map((name) => fs.statSync(path.join(existing, name)).mtimeMs);
    expect(await refusal(['--to', existing])).toContain('already holds a backup (backup.json)');
    expect(fs.readdirSync(existing).map((name) => fs.statSync(path.join(existing, name)).mtimeMs)).toEqual(before);

    const busy = path.join(root, 'busy');
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'notes.txt'), 'mine');
    expect(await refusal(['--to', busy])).toContain('is not empty');
    expect(fs.readdirSync(busy)).toEqual(['notes.txt']);

    expect(await refusal(['--to', path.join(dataDir, 'backups', 'today')])).toContain('is inside the data directory');
    expect(fs.existsSync(path.join(dataDir, 'backups'))).toBe(false);
    fs.symlinkSync(dataDir, path.join(root, 'data-link'));
    expect(await refusal(['--to', path.join(root, 'data-link', 'b')])).toContain('is inside the data directory');
    expect(await refusal(['--to', dataDir])).toContain('is inside the data directory');

    const postgres = await refusal(['--to', path.join(root, 'pg')], {
      EVENT_STORE: 'postgres',
      EVENT_STORE_URL: 'postgres://ledger@db/ledger',
    });
    expect(postgres).toContain('EVENT_STORE=postgres');
    expect(postgres).toContain('pg_dump');
    expect(postgres).toContain('pg_basebackup');
    expect(postgres).toContain("pg_dump the anchor tables (-t 'anchor_*')");
    expect(
      await refusal(['--to', path.join(root, 'kdb')], { EVENT_STORE: 'kurrentdb', EVENT_STORE_URL: 'kurrentdb://kdb' }),
    ).toContain('KurrentDB');
    const readModels = await refusal(['--to', path.join(root, 'pgrm'), '--with-read-models'], {
      PROJECTIONS_STORE: 'postgres',
      PROJECTIONS_STORE_URL: 'postgres://ledger@db/read',
    });
    expect(readModels).toContain('PROJECTIONS_STORE=postgres');
    for (const name of ['pg', 'kdb', 'pgrm']) expect(fs.existsSync(path.join(root, name))).toBe(false);
    // Without --with-read-models, read models in PostgreSQL are no concern of the backup.
    expect(
      await backupCli(
        ['--to', path.join(root, 'pg-read-models'), '--no-progress'],
        env({ PROJECTIONS_STORE: 'postgres', PROJECTIONS_STORE_URL: 'postgres://ledger@db/read' }),
        io().io,
      ),
    ).toBe(0);

    expect(
      await refusal(['--to', path.join(root, 'empty-data')], { LEDGER_DATA_DIR: path.join(root, 'nothing') }),
    ).toContain('no event store at');
    expect(await refusal([])).toContain('give either --to DIR');
    expect(await refusal(['--to', 'a', '--verify', 'b'])).toContain('give either --to DIR');
    expect(await refusal(['--to'])).toContain('--to needs a directory');
    expect(() => parseBackupArgs(['--bogus'])).toThrow('unknown argument --bogus');
  });

  it('fails with exit code 1 and writes no manifest when a copy is ahead of the event store', async () => {
    const ahead = path.join(root, 'ahead');
    fs.cpSync(dataDir, ahead, { recursive: true });
    // The log cut back behind what the anchor store, the ledger and the heads hold: as a data
    // directory whose event store alone was restored from an older copy.
    const db = new Database(path.join(ahead, 'events.sqlite'));
    db.prepare('DELETE FROM events WHERE position > 20').run();
    db.close();
    const to = path.join(root, 'inconsistent');
    const run = io();
    expect(await backupCli(['--to', to, '--no-progress'], env({ LEDGER_DATA_DIR: ahead }), run.io)).toBe(1);
    expect(run.err()).toContain("the anchor store's checkpoint (28) is ahead of the event store's head (20)");
    expect(fs.existsSync(path.join(to, 'backup.json'))).toBe(false);
    // The copies stay for a look, but not the signing key's, and the log says where they are.
    expect(fs.existsSync(path.join(to, 'events.sqlite'))).toBe(true);
    expect(fs.existsSync(path.join(ahead, 'log-head-key.pem'))).toBe(true);
    expect(fs.existsSync(path.join(to, 'log-head-key.pem'))).toBe(false);
    expect(run.err()).toContain(`${to} holds an incomplete backup, without backup.json`);
    const verify = io();
    expect(await backupCli(['--verify', to], env(), verify.io)).toBe(2);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    'a backup stopped by %s mid-copy removes its copy of the key, writes no manifest, logs that it was stopped and exits %i',
    async (signal, exitCode) => {
      const to = path.join(root, `stopped-${signal}`);
      const backup = spawnHeldBackup(env(), to);
      await backup.copyingEvents;
      // The key was copied first: the partial backup holds it until the signal.
      expect(fs.existsSync(path.join(to, 'log-head-key.pem'))).toBe(true);
      backup.child.kill(signal);
      expect(await backup.closed).toBe(exitCode);

      expect(fs.existsSync(path.join(to, 'log-head-key.pem'))).toBe(false);
      expect(fs.readdirSync(to).filter((name) => name.startsWith(MANIFEST_FILE))).toEqual([]);
      expect(fs.existsSync(path.join(to, 'anchors.sqlite'))).toBe(true);
      const logs = backup
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { level: number; msg: string; signal?: string });
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          signal,
          msg: expect.stringMatching(new RegExp(`^backup stopped by ${signal}`)),
        }),
      );
      expect(logs.map((line) => line.msg)).toContain('removed the copy of the log-head key from the incomplete backup');
      expect(logs.map((line) => line.msg)).not.toContain('backup written');
    },
  );

  it('fails with exit code 1 and writes no manifest when the anchor store names another event than the log at a position, and --verify finds it too', async () => {
    const logged = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true });
    const atSeven = logged.prepare('SELECT event_id FROM events WHERE position = 7').pluck().get() as string;
    logged.close();
    const renameAtSeven = (db: Database.Database): unknown =>
      db.prepare("UPDATE anchor_events SET event_id = 'not-the-logged-event' WHERE position = 7").run();
    const mismatch =
      `the anchor store's copy names another event than the event store's copy at 1 of its 28 anchored positions: ` +
      `position 7: the anchor store names not-the-logged-event, the event store holds ${atSeven} there`;

    const tampered = alteredDataDir(dataDir, path.join(root, 'tampered-anchors'), 'anchors.sqlite', renameAtSeven);
    const to = path.join(root, 'mismatched');
    const run = io();
    expect(await backupCli(['--to', to, '--no-progress'], env({ LEDGER_DATA_DIR: tampered }), run.io)).toBe(1);
    expect(run.err()).toContain(mismatch);
    expect(run.err()).toContain('"type":"AnchoredEventMismatchError"');
    expect(fs.existsSync(path.join(to, MANIFEST_FILE))).toBe(false);
    expect(fs.existsSync(path.join(to, 'log-head-key.pem'))).toBe(false);
    // The check's progress, as the copies': every row checked.
    expect(run.err()).toMatch(/"check":"anchored-events","checkedRows":28,"totalRows":28,"percent":100/);

    // A good backup whose anchor store copy was altered after, and its manifest made to match.
    const altered = path.join(root, 'altered-after');
    expect(await backupCli(['--to', altered, '--no-progress'], env(), io().io)).toBe(0);
    const copy = path.join(altered, 'anchors.sqlite');
    const db = new Database(copy);
    renameAtSeven(db);
    db.close();
    editManifest(altered, (manifest) => {
      const file = (manifest.files as BackupManifest['files']).find((entry) => entry.name === 'anchors.sqlite')!;
      Object.assign(file, {
        bytes: fs.statSync(copy).size,
        sha256: createHash('sha256').update(fs.readFileSync(copy)).digest('hex'),
      });
    });
    const verify = io();
    expect(await backupCli(['--verify', altered], env(), verify.io)).toBe(1);
    expect(verify.out()).toContain(mismatch);
  });

  it('--verify finds the warning again: a manifest that leaves out, or changes, the ledger ahead of the log fails', async () => {
    // The log and the stores that follow it cut back to position 20, the embedded ledger kept: as
    // after a restore of the stores alone.
    const cutBack = alteredDataDir(dataDir, path.join(root, 'ledger-ahead'), 'events.sqlite', (db) =>
      db.prepare('DELETE FROM events WHERE position > 20').run(),
    );
    for (const name of ['anchors.sqlite', 'log-heads.jsonl']) fs.rmSync(path.join(cutBack, name));
    const to = path.join(root, 'ledger-ahead-backup');
    const run = io();
    expect(await backupCli(['--to', to, '--no-progress'], env({ LEDGER_DATA_DIR: cutBack }), run.io)).toBe(0);
    expect(run.out()).toContain('warning: the embedded ledger is ahead of the log: 8 events the log lacks');
    const warning = { eventsNotInLog: 8, logHeadPosition: 28, eventHead: 20 };
    expect(readManifest(to).ledgerAheadOfLog).toEqual(warning);
    expect(await backupCli(['--verify', to], env(), io().io)).toBe(0);

    editManifest(to, (manifest) => delete manifest.ledgerAheadOfLog);
    const unrecorded = io();
    expect(await backupCli(['--verify', to], env(), unrecorded.io)).toBe(1);
    expect(unrecorded.out()).toContain(
      `ledgerAheadOfLog: the copies' embedded ledger is ahead of the log (${JSON.stringify(warning)}), which backup.json does not record`,
    );

    editManifest(to, (manifest) => (manifest.ledgerAheadOfLog = { ...warning, eventsNotInLog: 5 }));
    const changed = io();
    expect(await backupCli(['--verify', to], env(), changed.io)).toBe(1);
    expect(changed.out()).toContain('ledgerAheadOfLog.eventsNotInLog: the copies give 8, backup.json says 5');

    // Written before eventsNotInLog: its ledger.events counted every digest, and it lacks the warning.
    editManifest(to, (manifest) => {
      delete manifest.ledgerAheadOfLog;
      manifest.positions.ledger = { events: 28, logHeadPosition: 28 };
    });
    const older = io();
    expect(await backupCli(['--verify', to], env(), older.io)).toBe(1);
    expect(older.out()).toContain(
      "predates positions.ledger.eventsNotInLog and the ledgerAheadOfLog warning, and the copies' embedded ledger is ahead of the log: " +
        "8 digests of events the log lacks, newest signed head at position 28, the log's head at 20",
    );
    expect(older.out()).not.toContain('positions.ledger.events:');
  });

  it('--verify takes a manifest from before eventsNotInLog when the ledger is not ahead of the log, and names any other difference', async () => {
    const to = path.join(root, 'older-manifest');
    expect(await backupCli(['--to', to, '--no-progress'], env(), io().io)).toBe(0);
    editManifest(to, (manifest) => (manifest.positions.ledger = { events: 28, logHeadPosition: 28 }));
    const older = io();
    expect(await backupCli(['--verify', to], env(), older.io)).toBe(0);
    expect(older.out()).toContain('verified: 5 files');

    editManifest(to, (manifest) => {
      manifest.positions.ledger.events = 27;
      manifest.positions.anchorStore.checkpoint = 29;
      delete manifest.positions.localLogHeadPosition;
    });
    const differing = io();
    expect(await backupCli(['--verify', to], env(), differing.io)).toBe(1);
    expect(differing.out()).toContain('positions.ledger.events: the copies give 28, backup.json says 27');
    expect(differing.out()).toContain('positions.anchorStore.checkpoint: the copies give 28, backup.json says 29');
    expect(differing.out()).toContain('positions.localLogHeadPosition: the copies give 28, backup.json says nothing');
  });

  it('writes backup.json only complete: a write that fails leaves neither it nor a part of it', () => {
    const dir = fs.mkdtempSync(path.join(root, 'manifest-'));
    const manifest = { format: MANIFEST_FORMAT, files: [] } as unknown as BackupManifest;
    /** writeManifest with the disk failing at its `failing`-th flush (1: the file's, 2: the directory's after the rename). */
    const writeWithFlushFailing = (failing: number) => {
      const fsync = jest.spyOn(fs, 'fsyncSync');
      for (let flush = 1; flush < failing; flush++) fsync.mockImplementationOnce(() => undefined);
      fsync.mockImplementationOnce(() => {
        throw new Error('EIO: the disk failed');
      });
      try {
        expect(() => writeManifest(dir, manifest)).toThrow(/EIO/);
      } finally {
        fsync.mockRestore();
      }
    };
    writeWithFlushFailing(1);
    expect(fs.readdirSync(dir)).toEqual([]);
    // The file flushed and renamed, then the directory's flush fails: the rename may not survive a crash.
    writeWithFlushFailing(2);
    expect(fs.readdirSync(dir)).toEqual([]);
    writeManifest(dir, manifest);
    expect(fs.readdirSync(dir)).toEqual([MANIFEST_FILE]);
    expect(readManifest(dir)).toEqual(manifest);
  });

  it('names every copy ahead of the event store', () => {
    expect(orderingProblems({ eventHead: 10, anchorStore: { checkpoint: 10, anchoredPosition: 9 } })).toEqual([]);
    expect(
      orderingProblems({
        eventHead: 10,
        anchorStore: { checkpoint: 12, anchoredPosition: 11 },
        ledger: { events: 10, eventsNotInLog: 3, logHeadPosition: 14 },
        localLogHeadPosition: 10,
        readModelsPosition: 13,
      }),
    ).toEqual([
      "the anchor store's checkpoint (12) is ahead of the event store's head (10)",
      "the anchor store's last anchored position (11) is ahead of the event store's head (10)",
      "the read models' position (13) is ahead of the event store's head (10)",
    ]);
  });

  it('takes an embedded ledger ahead of the log for a warning, not a failure', () => {
    const ledger = { events: 10, eventsNotInLog: 0, logHeadPosition: 10 };
    expect(ledgerAheadOfLog({ eventHead: 10, ledger })).toBeUndefined();
    expect(ledgerAheadOfLog({ eventHead: 10, ledger: { ...ledger, eventsNotInLog: 3 } })).toEqual({
      eventsNotInLog: 3,
      logHeadPosition: 10,
      eventHead: 10,
    });
    expect(ledgerAheadOfLog({ eventHead: 10, ledger: { ...ledger, logHeadPosition: 14 } })).toEqual({
      eventsNotInLog: 0,
      logHeadPosition: 14,
      eventHead: 10,
    });
    expect(orderingProblems({ eventHead: 10, ledger: { events: 7, eventsNotInLog: 3, logHeadPosition: 14 } })).toEqual(
      [],
    );
  });
});
