import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { EventStoreError, storeUnavailableMessage } from '../port';
import { appendRequest, newStreamId } from '../testing/fixtures';
import { openSqliteEventStore, SQLITE_FILE_NAME } from './sqliteEventStore';
import { openConnection, SqliteWriter } from './sqliteWriter';

let directory: string;

beforeEach(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-writer-'));
  await openSqliteEventStore({ directory, writerThread: false }).close();
});

afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** A writer whose COMMIT fails with `code`, after committing when `lands` (an fsync error once the WAL holds the commit). */
function writerFailingCommit(code: string, lands: boolean): { writer: SqliteWriter; db: Database.Database } {
  const db = openConnection({ file: path.join(directory, SQLITE_FILE_NAME), busyTimeoutMs: 1000 });
  const prepare = db.prepare.bind(db);
  jest.spyOn(db, 'prepare').mockImplementation(((sql: string) => {
    const statement = prepare(sql);
    if (sql !== 'COMMIT') return statement;
    return {
      run: () => {
        if (lands) statement.run();
        throw Object.assign(new Error(`${code} at COMMIT`), { code });
      },
    };
  }) as typeof db.prepare);
  return { writer: new SqliteWriter(db), db };
}

function commitFailure(writer: SqliteWriter, streamId: string): EventStoreError {
  try {
    writer.commit([appendRequest(streamId, -1, 2)]);
  } catch (error) {
    if (error instanceof EventStoreError) return error;
    throw error;
  }
  throw new Error('the commit was expected to fail');
}

describe('the SQLite writer when COMMIT fails', () => {
  it.each([
    ['an fsync error', 'SQLITE_IOERR_FSYNC'],
    ['an I/O error', 'SQLITE_IOERR'],
  ])('reports %s from COMMIT as outcome unknown: the batch may be stored', async (_, code) => {
    const { writer } = writerFailingCommit(code, true);
    const streamId = newStreamId();
    const failure = commitFailure(writer, streamId);
    expect(failure).toMatchObject({ code: 'store-unavailable', detail: { reason: code, outcome: 'unknown' } });
    expect(storeUnavailableMessage(failure)).toMatch(/may have been stored: retry with the same eventId/);
    writer.close();
    const store = openSqliteEventStore({ directory, writerThread: false });
    expect(await store.readStream(streamId)).toHaveLength(2);
    await store.close();
  });

  it('reports a full disk at COMMIT as nothing written: the frame that commits was never written', async () => {
    const { writer, db } = writerFailingCommit('SQLITE_FULL', false);
    const streamId = newStreamId();
    const failure = commitFailure(writer, streamId);
    expect(failure).toMatchObject({ code: 'store-unavailable', detail: { reason: 'SQLITE_FULL' } });
    expect(failure.detail.outcome).toBeUndefined();
    expect(storeUnavailableMessage(failure)).toMatch(/nothing was written/);
    expect(db.inTransaction).toBe(false);
    writer.close();
    const store = openSqliteEventStore({ directory, writerThread: false });
    expect(await store.readStream(streamId)).toEqual([]);
    await store.close();
  });
});
