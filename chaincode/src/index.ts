import { CertLedgerContract } from './contract';
import { LogHeadContract } from './logHead';

export { CertLedgerContract, optionsFromEnv } from './contract';
export type { CertLedgerOptions } from './contract';
export { ChaincodeError, CHAINCODE_ERROR_CODES, chaincodeErrorCodeOf } from './errors';
export { DEFAULT_MAX_CLOCK_SKEW_SECONDS } from './clock';
export type { ChaincodeErrorCode } from './errors';
export { canonicalJson } from './json';
export { batchIdOf, batchRootOf } from './batch';
export { KEY as LEDGER_KEY, eventRecordsOf, eventsKeyAttributes } from './keys';
export { MAX_BATCH_EVENTS, WRITER_ID } from './validate';
export { encodeBatch } from './wire';
export type { BatchArgument, BatchRun, RunEvent } from './wire';
export * from './merkle';
export * from './types';
export {
  LogHeadContract,
  logHeadOptionsFromEnv,
  logHeadKeyIdOf,
  logHeadSigningBytes,
  verifyLogHeadSignature,
  parseLogHeadInput,
} from './logHead';
export type { LogHead, CommitLogHeadInput, LogHeadOptions } from './logHead';

/** What fabric-chaincode-node loads: the first contract is the default one. */
export const contracts = [CertLedgerContract, LogHeadContract];
