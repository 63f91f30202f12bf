import type { ReadModel } from '../model';
import type { AnchorCommitNotice } from '../types';

/** Which events are anchored, in which batch and Fabric transaction. */
export const anchorsModel: ReadModel<AnchorCommitNotice> = {
  name: 'anchors',
  schemaVersion: 1,
  source: 'anchors',
  tables: ['anc_events'],
  ddl: () => [
    `CREATE TABLE IF NOT EXISTS anc_events (
      event_id TEXT PRIMARY KEY,
      batch_id TEXT NOT NULL,
      backend TEXT NOT NULL,
      channel TEXT NOT NULL,
      chaincode TEXT NOT NULL,
      transaction_id TEXT NOT NULL,
      block_number BIGINT NOT NULL,
      committed_at TEXT NOT NULL
    )`,
  ],
  apply: async (tx, commits) => {
    for (const commit of commits) {
      for (const eventId of commit.eventIds) {
        await tx.run(
          `INSERT INTO anc_events (event_id, batch_id, backend, channel, chaincode, transaction_id, block_number, committed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
          [
            eventId,
            commit.batchId,
            commit.backend,
            commit.channel,
            commit.chaincode,
            commit.transactionId,
            commit.blockNumber,
            commit.committedAt,
          ],
        );
      }
    }
  },
};
