import type { Logger } from 'pino';
import { openAnchoringPart } from './anchoring/fromConfig';
import type { ServicePart } from './compose';
import type { Config } from './config';
import type { EventStore } from './eventStore';
import type { PrincipalDirectory } from './http/auth';
import { supervisionConfigFromEnv } from '@certledger/projections';
import { createReadSidePart } from './http/read/part';
import { createSupervisionPart } from './http/supervision';

export interface PartsOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: EventStore;
  readonly principals: PrincipalDirectory;
}

/** The parts the service runs beside its app: the anchorer with its ledger backend, the read side, supervision. */
export async function defaultParts({
  config,
  logger,
  store,
  principals,
}: PartsOptions): Promise<readonly ServicePart[]> {
  const anchoring = await openAnchoringPart({ config, store, logger });
  try {
    const readSide = await createReadSidePart({
      store,
      anchorStore: anchoring.anchorStore,
      ledger: anchoring.ledger,
      principals,
      publicBaseUrl: config.publicBaseUrl,
      qrSecret: config.qrSecret,
      logger,
      dataDir: config.dataDir,
      runProjections: config.inProcessWorkers,
    });
    const supervision = await createSupervisionPart({
      eventStore: store,
      readStore: readSide.projections.store,
      logger,
      principals,
      config: supervisionConfigFromEnv(),
      rules: config.rules,
    });
    return [anchoring, readSide, supervision];
  } catch (error) {
    await anchoring.close();
    throw error;
  }
}
