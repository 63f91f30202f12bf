export { runAudit, inScope } from './audit';
export { checkLogHeads } from './logHeadCheck';
export { LogHasher } from './logHasher';
export type { HashPage, HashResult } from './logHasher';
export { createHasher } from './hasherClient';
export type { Hasher } from './hasherClient';
export type { AuditFilter, AuditLogger, AuditOptions, AuditReport, LogHeadCheck } from './audit';
export {
  reconcileStream,
  intrinsicCheck,
  classifyUnanchored,
  classifyLedgerOnly,
  outOfOrder,
  describe as describeReason,
} from './classify';
export type { IntrinsicCheck, RefusedBatch, StreamEvidence, StreamVerdict } from './classify';
export { AUDIT_WARNING_CODES, DISCREPANCY_KINDS } from './types';
export type {
  AffectedEvent,
  AuditWarning,
  AuditWarningCode,
  Discrepancy,
  DiscrepancyKind,
  EventFacts,
  LedgerDigest,
  LedgerHead,
} from './types';
export { auditWarnings } from './warnings';
export type { UncheckedFacts } from './warnings';
export { readEnvelopeHeader, headerMatches, EnvelopeFormatError } from '../events/envelopeHeader';
export type { EnvelopeHeader, ExpectedHeader } from '../events/envelopeHeader';
export { LogTree, LogTreeError, batchRootOfHashes, leafHashOf, nodeHashOf } from './logTree';
export { openEmbeddedLedgerView, ledgerViewOfBackend, AuditSourceError } from './ledgerView';
export type { AuditLedgerView, LedgerBatch } from './ledgerView';
export { readSqliteMembership, readPostgresMembership, EMPTY_MEMBERSHIP } from './anchorMembership';
export type { AnchorMembership, MembershipBatch } from './anchorMembership';
export { checkStreamIntegrity } from './integrity';
export type { StreamIntegrity, StreamIntegrityOptions } from './integrity';
export { createLogRouter, logOpenApiPaths } from './http';
export { createLogHeadPart } from './part';
export type { LogHeadPartOptions } from './part';
export { createLogHeadCommitter, LogHeadError, LOG_HEADS_FILE } from './logHeads/committer';
export type { LogHeadCommitter, LogHeadCommitterOptions } from './logHeads/committer';
export { embeddedLogHeadLedger } from './logHeads/ledger';
export { fabricLogHeadLedger } from './logHeads/fabric';
export type { FabricLogHeadOptions } from './logHeads/fabric';
export type { LogHeadLedger, EmbeddedLogHeadOptions } from './logHeads/ledger';
export { loadOrCreateLogHeadSigner, LOG_HEAD_KEY_FILE } from './logHeads/signer';
export type { LogHeadSigner } from './logHeads/signer';
export { formatSummary, kindInWords } from './report';
export { RecordedTimes } from './recordedTimes';
export { loggedByOf, logHeadFindings } from './logHeadCoverage';
export type { LogHeadCoverage } from './logHeadCoverage';
export { auditCli, parseAuditArgs, AUDIT_USAGE } from './cli';
