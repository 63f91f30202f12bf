import path from 'node:path';
import { openSqliteAnchorStore } from '../anchoring/anchorStore';
import { openSqliteEventStore, SQLITE_FILE_NAME } from '../eventStore';
import { readSqliteMembership } from './anchorMembership';
import { sqliteTamperDb } from './testing/tamper';
import { tamperSuite } from './testing/tamperSuite';

tamperSuite('SQLite', async (dir) => {
  const store = openSqliteEventStore({ directory: dir });
  const anchorStore = openSqliteAnchorStore({ directory: dir });
  const db = sqliteTamperDb(path.join(dir, SQLITE_FILE_NAME));
  return {
    store,
    anchorStore,
    db,
    membership: async () => readSqliteMembership(dir),
    async close() {
      await db.close();
      await anchorStore.close();
      await store.close();
    },
  };
});
