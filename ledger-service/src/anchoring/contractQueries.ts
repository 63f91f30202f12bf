import type {
  BatchRecord,
  CertificateAnswer,
  CertificateClaims,
  CertificateHistory,
  ContractQuery,
  EventRecord,
  StreamHeadRecord,
} from '@certledger/chaincode';
import {
  LedgerError,
  type AnchorCommit,
  type BlockNotServed,
  type CommittedBatch,
  type LedgerBatchRecord,
  type LedgerCertificate,
  type LedgerCertificateClaims,
  type LedgerCertificateHistory,
  type LedgerEventRecord,
  type LedgerEventRef,
  type LedgerStreamHead,
} from './port';

/**
 * The ledger backend's queries, the same whether the contract answers from a Fabric peer or runs
 * in-process: a backend only says how it evaluates one query.
 */
export abstract class ContractQueries {
  abstract readonly kind: AnchorCommit['backend'];
  abstract readonly channel: string;
  abstract readonly chaincode: string;
  protected abstract evaluate<T>(query: ContractQuery, argument: object): Promise<T>;
  /** The number of the block holding a transaction the ledger committed, or why the ledger asked cannot serve that block. */
  protected abstract blockOfTransaction(transactionId: string): Promise<number | BlockNotServed>;

  /** The commit of a batch the contract recorded, as this backend reports it. */
  protected commitOf(batch: BatchRecord, blockNumber: number, replayed: boolean): AnchorCommit {
    return { ...this.unlocatedCommitOf(batch, replayed), blockNumber };
  }

  private unlocatedCommitOf(batch: BatchRecord, replayed: boolean): Omit<AnchorCommit, 'blockNumber'> {
    return {
      batchId: batch.batchId,
      root: batch.root,
      backend: this.kind,
      channel: this.channel,
      chaincode: this.chaincode,
      transactionId: batch.transactionId,
      anchoredAt: batch.timestamp,
      replayed,
    };
  }

  /** A batch the contract recorded before, as anchor() answers it again: its original transaction and block. */
  protected async replayedCommitOf(batch: BatchRecord): Promise<AnchorCommit> {
    const block = await this.blockOfTransaction(batch.transactionId);
    if (typeof block !== 'number')
      throw new LedgerError(
        'unavailable',
        `the block of batch ${batch.batchId}'s transaction ${batch.transactionId} cannot be read here: ${block.reason}`,
      );
    return this.commitOf(batch, block, true);
  }

  /** One GetBatch, then the block of the transaction it names (a replay's commit, without submitting anything). */
  async committedBatch(batchId: string): Promise<CommittedBatch | undefined> {
    const record = await this.evaluate<BatchRecord | null>('GetBatch', { batchId });
    if (!record) return undefined;
    const block = await this.blockOfTransaction(record.transactionId);
    return typeof block === 'number'
      ? { record, commit: this.commitOf(record, block, true) }
      : { record, commit: this.unlocatedCommitOf(record, true), blockNotServed: block };
  }

  async getEvent(ref: LedgerEventRef): Promise<LedgerEventRecord | undefined> {
    const { streamId, version } = ref;
    return (await this.evaluate<EventRecord | null>('GetEvent', { streamId, version })) ?? undefined;
  }

  async getStreamEvents(streamId: string): Promise<LedgerEventRecord[]> {
    return this.evaluate<EventRecord[]>('GetStreamEvents', { streamId });
  }

  async getBatchEvents(batchId: string): Promise<LedgerEventRecord[]> {
    return this.evaluate<EventRecord[]>('GetBatchEvents', { batchId });
  }

  async getStreamHead(streamId: string): Promise<LedgerStreamHead | undefined> {
    return (await this.evaluate<StreamHeadRecord | null>('GetStreamHead', { streamId })) ?? undefined;
  }

  async getBatch(batchId: string): Promise<LedgerBatchRecord | undefined> {
    return (await this.evaluate<BatchRecord | null>('GetBatch', { batchId })) ?? undefined;
  }

  async getCertificate(certificateNo: string): Promise<LedgerCertificate | undefined> {
    return (await this.evaluate<CertificateAnswer | null>('GetCertificate', { certificateNo })) ?? undefined;
  }

  async getCertificateClaims(certificateNo: string): Promise<LedgerCertificateClaims> {
    return this.evaluate<CertificateClaims>('GetCertificateClaims', { certificateNo });
  }

  async getCertificateHistory(certificateNo: string): Promise<LedgerCertificateHistory> {
    return this.evaluate<CertificateHistory>('GetCertificateHistory', { certificateNo });
  }
}
