import { openPostgresAnchorStore } from '../anchoring/anchorStore';
import { openPostgresEventStore } from '../eventStore';
import { dropSchemas, testPostgresUrl, uniqueSchema } from '../eventStore/testing/postgresTestDb';
import { readPostgresMembership } from './anchorMembership';
import { postgresTamperDb } from './testing/tamper';
import { tamperSuite } from './testing/tamperSuite';

tamperSuite('PostgreSQL', async () => {
  const url = testPostgresUrl();
  const schema = uniqueSchema('audit');
  const store = await openPostgresEventStore({ connectionString: url, schema });
  const anchorStore = await openPostgresAnchorStore({ connectionString: url, schema });
  const db = await postgresTamperDb(url, schema);
  const anchorDb = await postgresTamperDb(url, schema);
  return {
    store,
    anchorStore,
    db,
    anchorDb,
    membership: () => readPostgresMembership(url, schema),
    async close() {
      await anchorDb.close();
      await db.close();
      await anchorStore.close();
      await store.close();
      await dropSchemas(url, [schema]);
    },
  };
});
