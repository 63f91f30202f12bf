import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createSqliteReadStore } from '@certledger/projections';
import { openSqliteEventStore } from '../../eventStore';
import { canonicalBytes, sha256Hex, ZERO_HASH } from '../../events/canonical';
import { initialCertification } from '../../testing/scenario';
import type { NewEvent } from '../../eventStore/port';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'projections/dist/cli.js');
const SOURCES = path.join(ROOT, 'ledger-service/dist/http/read/projectionSources.js');

function toNewEvents(certificationId: string, appliedOn: string): NewEvent[] {
  let prevHash = ZERO_HASH;
  return initialCertification({ certificationId, appliedOn }).map((event, version) => {
    const envelope = {
      eventId: event.eventId,
      certificationId,
      type: event.type,
      version,
      agencyId: 'CNCA-R-2002-001',
      occurredAt: event.occurredAt,
      prevHash,
      data: event.data,
    };
    const canonical = canonicalBytes(envelope);
    const hash = sha256Hex(canonical);
    const stored: NewEvent = {
      ...envelope,
      streamId: `certification-${certificationId}`,
      regionCode: '320106',
      canonical,
      hash,
      contentDigest: hash,
    };
    prevHash = hash;
    return stored;
  });
}

// The CLI runs compiled code: `npm test` builds first (tsc -b).
const maybe = (existsSync(CLI) && existsSync(SOURCES)) || process.env.CI ? describe : describe.skip;

maybe('projections CLI as its own process over the service stores', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'proj-cli-'));
    const store = openSqliteEventStore({ directory: dataDir });
    for (let i = 0; i < 3; i += 1) {
      const events = toNewEvents(`CLI-${i}`, '2025-03-01');
      await store.append({ streamId: events[0]!.streamId, expectedVersion: -1, events });
    }
    await store.close();
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('rebuilds every read model from position 0 and reports events/s', async () => {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'rebuild'], {
      env: { ...process.env, LEDGER_DATA_DIR: dataDir, PROJECTIONS_STORE: 'sqlite' },
    });
    expect(stdout).toMatch(/registry: 42 items in [\d.]+ s, \d+ events\/s/);
    expect(stdout).toMatch(/eventlog: 42 items/);
    expect(stderr).toContain('"msg":"read model rebuilt"');
    const read = createSqliteReadStore({ file: path.join(dataDir, 'projections.sqlite') });
    try {
      expect(await read.get('SELECT COUNT(*) AS n FROM reg_certificates')).toEqual({ n: 3 });
      expect(await read.get('SELECT COUNT(*) AS n FROM log_events WHERE chain_ok = 1')).toEqual({ n: 42 });
    } finally {
      await read.close();
    }
  });

  it('refuses an unknown command with usage', async () => {
    await expect(
      run(process.execPath, [CLI, 'frobnicate'], { env: { ...process.env, LEDGER_DATA_DIR: dataDir } }),
    ).rejects.toMatchObject({ code: 2 });
  });
});
