import type { ReadModel } from '../model';
import type { AnchorCommitNotice } from '../types';
import { RECEIPTS_DDL, refreshAnswer } from './answers';
import { PROOF_EVENT_TYPES } from './registry';

/**
 * Which events are anchored, in which batch and Fabric transaction; and the settled receipts of
 * the events certificates rest on (their proofs), serialised. A settled proof refreshes the answers
 * of its certification's certificates in the registry (answers.ts).
 */
export const anchorsModel: ReadModel<AnchorCommitNotice> = {
  name: 'anchors',
  schemaVersion: 3,
  source: 'anchors',
  tables: ['anc_events', 'anc_receipts'],
  ddl: () => [
    `CREATE TABLE IF NOT EXISTS anc_events (
      event_id TEXT PRIMARY KEY,
      batch_id TEXT NOT NULL,
      backend TEXT NOT NULL,
      channel TEXT NOT NULL,
      chaincode TEXT NOT NULL,
      transaction_id TEXT NOT NULL,
      block_number BIGINT NOT NULL,
      committed_at TEXT NOT NULL,
      anchored_at TEXT
    )`,
    RECEIPTS_DDL,
  ],
  apply: async (tx, commits, dialect) => {
    const settledIn = new Set<string>();
    for (const commit of commits) {
      const receipt = commit.eventType !== undefined && PROOF_EVENT_TYPES.has(commit.eventType) && commit.receipt;
      // Only settled receipts: a pending one would change, and the registry's answer must not serve it.
      if (receipt && (receipt.status === 'anchored' || receipt.status === 'rejected')) {
        await tx.run(
          `INSERT INTO anc_receipts (event_id, status, receipt) VALUES (?, ?, ?)
           ON CONFLICT (event_id) DO UPDATE SET status = excluded.status, receipt = excluded.receipt`,
          [receipt.eventId, receipt.status, JSON.stringify(receipt)],
        );
        if (commit.certificationId !== undefined) settledIn.add(commit.certificationId);
      }
      for (const eventId of commit.eventIds) {
        await tx.run(
          `INSERT INTO anc_events (event_id, batch_id, backend, channel, chaincode, transaction_id, block_number, committed_at, anchored_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
          [
            eventId,
            commit.batchId,
            commit.backend,
            commit.channel,
            commit.chaincode,
            commit.transactionId,
            commit.blockNumber,
            commit.committedAt,
            commit.anchoredAt ?? null,
          ],
        );
      }
    }
    // Every certificate of the certification, not only its current one: a receipt can settle after
    // a newer certificate superseded the one whose issue it proves.
    for (const certificationId of settledIn) {
      const certificates = await tx.all<{ certificate_no: string }>(
        'SELECT certificate_no FROM reg_certificates WHERE certification_id = ?',
        [certificationId],
      );
      for (const { certificate_no } of certificates) await refreshAnswer(tx, dialect, certificate_no);
    }
  },
};
