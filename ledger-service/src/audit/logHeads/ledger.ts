import { LogHeadContract, type LogHead } from '@certledger/chaincode';
import type { EmbeddedLedgerBackend } from '../../anchoring/embedded';

/** Where signed log heads are committed: the ledger (LogHeadContract). */
export interface LogHeadLedger {
  /** Commits a head with the consistency proof from the latest head on the ledger; resolves once committed. */
  commitHead(
    head: LogHead,
    consistency: readonly string[],
  ): Promise<{ readonly transactionId: string; readonly blockNumber: number }>;
  latestHead(): Promise<LogHead | undefined>;
  /** Every head ever committed, smallest first. */
  listHeads(): Promise<LogHead[]>;
}

export interface EmbeddedLogHeadOptions {
  readonly backend: EmbeddedLedgerBackend;
  /** MSP of the operator identity that commits heads (default CBOrgMSP, as the contract's default allows). */
  readonly operatorMspId?: string;
}

/** LogHeadContract run in-process on the embedded ledger, committing with a synthesized operator identity (role=anchorer). */
export function embeddedLogHeadLedger(options: EmbeddedLogHeadOptions): LogHeadLedger {
  const { backend } = options;
  const contract = new LogHeadContract({
    operatorMspIds: [options.operatorMspId ?? 'CBOrgMSP'],
    operatorRoles: ['admin', 'anchorer'],
    now: () => backend.ledgerTime().getTime(),
  });
  const identity = {
    mspId: options.operatorMspId ?? 'CBOrgMSP',
    attributes: { role: 'anchorer', agencyId: 'ledger-operator' },
  };
  return {
    async commitHead(head, consistency) {
      const { transactionId, blockNumber } = await backend.submitTransaction('CommitLogHead', identity, (ctx) =>
        contract.CommitLogHead(ctx, JSON.stringify({ head, consistency })),
      );
      return { transactionId, blockNumber };
    },
    async latestHead() {
      return (
        (JSON.parse(await backend.evaluateTransaction((ctx) => contract.GetLogHead(ctx, '{}'))) as LogHead | null) ??
        undefined
      );
    },
    async listHeads() {
      return JSON.parse(await backend.evaluateTransaction((ctx) => contract.GetLogHeads(ctx, '{}'))) as LogHead[];
    },
  };
}

/** Whether a ledger backend can carry log heads in-process (the embedded one). */
export function isEmbeddedBackend(backend: { kind: string }): backend is EmbeddedLedgerBackend {
  return (
    backend.kind === 'embedded' && typeof (backend as Partial<EmbeddedLedgerBackend>).submitTransaction === 'function'
  );
}
