import path from 'node:path';
import { openSqliteAnchorStore, SQLITE_ANCHOR_FILE } from '../anchoring/anchorStore';
import { openSqliteEventStore, SQLITE_FILE_NAME } from '../eventStore';
import { readSqliteMembership } from './anchorMembership';
import { sqliteTamperDb } from './testing/tamper';
import { tamperSuite } from './testing/tamperSuite';

tamperSuite('SQLite', async (dir) => {
  const store = openSqliteEventStore({ directory: dir });
  const anchorStore = openSqliteAnchorStore({ directory: dir });
  const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
  const anchorDb = sqliteTamperDb(path.join(dir, SQLITE_ANCHOR_FILE));
  return {
    store,
    anchorStore,
    db,
    anchorDb,
    membership: async () => readSqliteMembership(dir),
    async close() {
      await anchorDb.close();
      await db.close();
      await anchorStore.close();
      await store.close();
    },
  };
});
