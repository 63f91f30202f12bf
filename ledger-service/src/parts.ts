import type { Logger } from 'pino';
import type { ServicePart } from './compose';
import type { Config } from './config';
import type { EventStore } from './eventStore';

export interface PartsOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: EventStore;
}

/** The parts the service runs beside its app: the anchorer with its ledger backend, and the projections. */
export async function defaultParts(_options: PartsOptions): Promise<readonly ServicePart[]> {
  return [];
}
