export { openFabricBackend } from './fabricBackend';
export type { FabricBackendOptions, FabricLedgerBackend, FabricTimeouts } from './fabricBackend';
export {
  FabricConnectionError,
  fabricConnectionPath,
  identityForBatch,
  parseFabricConnection,
  readFabricConnection,
} from './connection';
export type { FabricConnection, FabricIdentity, FabricPeer } from './connection';
export { toLedgerError } from './errors';
export { blockNumberOf } from './block';
