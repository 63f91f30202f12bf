import type { LedgerBackend } from '../anchoring/port';
import type { ServicePart } from '../compose';
import { metric } from '../metrics';
import type { EventStore } from '../eventStore/port';
import { createLogRouter, logOpenApiPaths } from './http';
import { createLogHeadCommitter, type CommitterLogger, type LogHeadCommitter } from './logHeads/committer';
import { fabricLogHeadLedger } from './logHeads/fabric';
import { embeddedLogHeadLedger, isEmbeddedBackend, type LogHeadLedger } from './logHeads/ledger';
import { loadOrCreateLogHeadSigner } from './logHeads/signer';

export interface LogHeadPartOptions {
  readonly store: EventStore;
  /** LEDGER_DATA_DIR: the signing key and the local record of heads live here. */
  readonly dataDir: string;
  /** The service's ledger backend; the embedded one carries heads in-process. */
  readonly ledger?: LedgerBackend;
  /** Where to commit heads when the backend is not the embedded one (e.g. Fabric's LogHeadContract). */
  readonly logHeadLedger?: LogHeadLedger;
  /** With the fabric backend: the connection description, to commit heads with its admin identity. */
  readonly fabricConnection?: string;
  /** How often a head is committed while the log grows (default 60 s). */
  readonly intervalMs?: number;
  readonly logger?: CommitterLogger;
  /** Commit heads from this process (default); false where a separate workers process does it. */
  readonly runCommitter?: boolean;
}

/**
 * The log-head part of the service: signs and commits heads of the global log every interval, serves
 * them with consistency proofs. The first head is committed at start.
 */
export async function createLogHeadPart(
  options: LogHeadPartOptions,
): Promise<ServicePart & { readonly committer: LogHeadCommitter }> {
  const commits = options.runCommitter ?? true;
  // Where the workers commit the heads, this part only serves them and needs no ledger.
  const fabric =
    commits && !options.logHeadLedger && options.ledger?.kind === 'fabric' && options.fabricConnection
      ? fabricLogHeadLedger({ connection: options.fabricConnection })
      : undefined;
  const ledger = !commits
    ? undefined
    : (options.logHeadLedger ??
      fabric ??
      (options.ledger && isEmbeddedBackend(options.ledger)
        ? embeddedLogHeadLedger({ backend: options.ledger })
        : undefined));
  if (commits && !ledger)
    options.logger?.warn(
      { backend: options.ledger?.kind },
      'log heads are signed and recorded locally only: no ledger carries them',
    );
  const committer = createLogHeadCommitter({
    store: options.store,
    commits,
    signer: loadOrCreateLogHeadSigner(options.dataDir),
    dataDir: options.dataDir,
    ...(ledger ? { ledger } : {}),
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  if (commits) {
    await committer
      .commitNow()
      .catch((error: Error) => options.logger?.error({ err: error }, 'first log head not committed'));
    committer.start();
  }
  return {
    name: 'logHeads',
    committer,
    routers: [createLogRouter({ committer })],
    openApiPaths: logOpenApiPaths,
    async readiness() {
      await committer.sync();
      return { ok: true, detail: `log heads up to ${committer.latest()?.treeSize ?? 0} events` };
    },
    // The committing thread's head: where another one commits, this one's record is read only on a request.
    ...(commits
      ? {
          async metrics() {
            return [
              metric(
                'certledger_log_head_tree_size',
                'gauge',
                'Events covered by the latest signed head of the log.',
                committer.latest()?.treeSize ?? 0,
              ),
            ];
          },
        }
      : {}),
    async close() {
      await committer.stop();
      fabric?.close();
    },
  };
}
