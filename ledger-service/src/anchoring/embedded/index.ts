export { openEmbeddedBackend, EMBEDDED_LEDGER_FILE } from './embeddedBackend';
export type { EmbeddedBackendOptions, EmbeddedLedgerBackend } from './embeddedBackend';
export { compositeKey, compositeKeyRange } from './stub';
