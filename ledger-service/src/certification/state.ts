import { dateOf, type IsoDate } from './dates';
import type {
  ApplicationSubmittedData,
  AuditKind,
  AuditMode,
  CertificationPayloads,
  Complexity,
  DecisionOutcome,
  FindingGrade,
  Scheme,
  TeamMemberPayload,
} from './payloads';

/** A stored event as the fold sees it. */
export interface CertificationEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly occurredAt: string;
  /** When the ledger recorded it: the store's recordedAt, or the decision's now for an event being admitted. */
  readonly recordedAt: string;
  readonly agencyId: string;
  readonly eventId: string;
  readonly version: number;
}

export type ApplicationStatus = 'submitted' | 'accepted' | 'rejected';
export type CertificateStatus = 'valid' | 'suspended' | 'withdrawn' | 'cancelled' | 'expired';
export const TERMINAL_STATUSES: readonly CertificateStatus[] = ['withdrawn', 'cancelled', 'expired'];

export interface ClientState {
  readonly name: string;
  readonly creditCode: string;
  readonly regionCode: string;
  readonly employees: number;
  readonly sites: number;
}

export interface ApplicationState {
  readonly client: ClientState;
  readonly scheme: Scheme;
  readonly standard: string;
  readonly scope: string;
  readonly sectors: readonly number[];
  readonly complexity?: Complexity;
  readonly managementSystem: ApplicationSubmittedData['managementSystem'];
  readonly status: ApplicationStatus;
  readonly submittedAt: string;
}

export interface ReviewState {
  readonly outcome: 'accepted' | 'rejected';
  readonly reason?: string;
  readonly requiredAuditDays?: number;
  readonly at: string;
}

export interface ContractState {
  readonly contractNo: string;
  readonly signedAt: IsoDate;
  readonly at: string;
}

export interface AuditPlanState {
  readonly mode: AuditMode;
  readonly start: IsoDate;
  readonly end: IsoDate;
  readonly auditDays: number;
  readonly onsiteDays: number;
  readonly at: string;
}

export interface AuditState {
  readonly auditId: string;
  readonly kind: AuditKind;
  readonly team: readonly TeamMemberPayload[];
  /** Certification cycle the audit belongs to: 0 before the first certificate, then 1, 2, … */
  readonly cycle: number;
  readonly assignedAt: string;
  readonly plan?: AuditPlanState;
  readonly conducted?: { readonly start: IsoDate; readonly end: IsoDate; readonly at: string };
  readonly report?: { readonly reportSha256: string; readonly recommendation: string; readonly at: string };
  readonly decision?: DecisionRecord;
  readonly findingIds: readonly string[];
}

export interface FindingState {
  readonly findingId: string;
  readonly auditId: string;
  readonly grade: FindingGrade;
  readonly clause: string;
  readonly raisedAt: string;
  readonly closed?: { readonly verifiedBy?: string; readonly verifiedAt?: IsoDate; readonly at: string };
}

export interface DecisionRecord {
  readonly auditId: string;
  readonly kind: AuditKind;
  readonly decision: DecisionOutcome;
  readonly decisionMakerId: string;
  readonly at: string;
}

export interface CertificateState {
  readonly certificateNo: string;
  readonly status: CertificateStatus;
  readonly issuedAt: IsoDate;
  readonly validUntil: IsoDate;
  readonly scope: string;
  readonly sectors: readonly number[];
  readonly issuedBy: string;
  /** 1 for the first certificate, then one more for each reissue and scope change. */
  readonly edition: number;
  /** occurredAt of the CertificateIssued event. */
  readonly issuedEventAt: string;
  /** occurredAt of the last event that changed the certificate. */
  readonly changedAt: string;
  readonly suspension?: { readonly since: IsoDate; readonly until: IsoDate; readonly at: string };
}

export interface CycleState {
  /** 0 until the first certificate, then 1, 2, … (a recertification starts the next). */
  readonly number: number;
  readonly startedOn?: IsoDate;
}

export interface TransferState {
  readonly fromAgencyId: string;
  readonly toAgencyId: string;
  readonly at: string;
  /** The accepting CB has not issued its certificate yet. */
  readonly awaitingCertificate: boolean;
}

/**
 * The holder's release of the certification to the CB its client moves to (IAF MD2), neither taken
 * up nor withdrawn. It may have lapsed: decide judges that by the rules' transferReleaseValidDays,
 * counted from its occurredAt (`at`) and from when the ledger recorded it (`recordedAt`).
 */
export interface TransferReleaseState {
  readonly toAgencyId: string;
  readonly at: string;
  readonly recordedAt: string;
}

/**
 * An event folded into a state, linked to the one folded before it: each evolve adds one link and
 * successive states share the rest, where a map of all events was copied on every event.
 */
export interface FoldedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly previous?: FoldedEvent;
}

/** The folded event with this eventId, if the certification has it. */
export function foldedEvent(state: CertificationState, eventId: string): FoldedEvent | undefined {
  for (let event = state.lastEvent; event; event = event.previous) if (event.eventId === eventId) return event;
  return undefined;
}

export interface CertificationState {
  /** Version of the last event folded; -1 for an empty stream. */
  readonly version: number;
  /** The CB that writes this certification (R15). */
  readonly holder?: string;
  readonly application?: ApplicationState;
  readonly review?: ReviewState;
  readonly contract?: ContractState;
  readonly audits: Readonly<Record<string, AuditState>>;
  readonly findings: Readonly<Record<string, FindingState>>;
  readonly decisions: readonly DecisionRecord[];
  /** A grant that no certificate has followed yet. */
  readonly pendingGrant?: DecisionRecord;
  readonly certificate?: CertificateState;
  /** Every certificate number this certification has held. */
  readonly certificateNos: readonly string[];
  /** The numbers it held before its last transfer: the CBs that issued them keep them (IAF MD2). */
  readonly certificateNosBeforeTransfer: readonly string[];
  readonly cycle: CycleState;
  readonly transfer?: TransferState;
  readonly release?: TransferReleaseState;
  /** The events folded so far, newest first, for events that refer to others (ReportedToCnca). */
  readonly lastEvent?: FoldedEvent;
  readonly lastOccurredAt?: string;
}

export const initialState: CertificationState = Object.freeze({
  version: -1,
  audits: Object.freeze({}),
  findings: Object.freeze({}),
  decisions: Object.freeze([]) as readonly DecisionRecord[],
  certificateNos: Object.freeze([]) as readonly string[],
  certificateNosBeforeTransfer: Object.freeze([]) as readonly string[],
  cycle: Object.freeze({ number: 0 }),
});

type Evolver<T extends keyof CertificationPayloads> = (
  state: CertificationState,
  data: CertificationPayloads[T],
  event: CertificationEvent,
) => CertificationState;

function withAudit(
  state: CertificationState,
  auditId: string,
  change: (audit: AuditState) => AuditState,
): CertificationState {
  const audit = state.audits[auditId];
  return audit ? { ...state, audits: { ...state.audits, [auditId]: change(audit) } } : state;
}

function withCertificate(
  state: CertificationState,
  event: CertificationEvent,
  change: (certificate: CertificateState) => Partial<CertificateState>,
): CertificationState {
  const certificate = state.certificate;
  return certificate
    ? { ...state, certificate: { ...certificate, ...change(certificate), changedAt: event.occurredAt } }
    : state;
}

const evolvers: { readonly [T in keyof CertificationPayloads]: Evolver<T> } = {
  ApplicationSubmitted: (state, data, event) => ({
    ...state,
    holder: event.agencyId,
    application: {
      client: {
        name: data.client.name,
        creditCode: data.client.creditCode,
        regionCode: data.client.regionCode,
        employees: data.client.employees,
        sites: data.client.sites?.length ?? 0,
      },
      scheme: data.scheme,
      standard: data.standard,
      scope: data.scope,
      sectors: data.sectors ?? [],
      ...(data.complexity ? { complexity: data.complexity } : {}),
      managementSystem: data.managementSystem,
      status: 'submitted',
      submittedAt: event.occurredAt,
    },
  }),
  ApplicationReviewed: (state, data, event) => ({
    ...state,
    review: {
      outcome: data.outcome,
      reason: data.reason,
      requiredAuditDays: data.requiredAuditDays,
      at: event.occurredAt,
    },
    application: state.application && { ...state.application, status: data.outcome },
  }),
  ContractSigned: (state, data, event) => ({
    ...state,
    contract: { contractNo: data.contractNo, signedAt: data.signedAt, at: event.occurredAt },
  }),
  AuditTeamAssigned: (state, data, event) => {
    const existing = state.audits[data.auditId];
    const audit: AuditState = existing
      ? { ...existing, team: data.members ?? [] }
      : {
          auditId: data.auditId,
          kind: data.kind,
          team: data.members ?? [],
          cycle: state.cycle.number,
          assignedAt: event.occurredAt,
          findingIds: [],
        };
    return { ...state, audits: { ...state.audits, [data.auditId]: audit } };
  },
  AuditPlanned: (state, data, event) =>
    withAudit(state, data.auditId, (audit) => ({
      ...audit,
      plan: {
        mode: data.mode,
        start: data.start,
        end: data.end,
        auditDays: data.auditDays,
        onsiteDays: onsiteDaysOf(data),
        at: event.occurredAt,
      },
    })),
  AuditConducted: (state, data, event) =>
    withAudit(state, data.auditId, (audit) => ({
      ...audit,
      conducted: { start: data.start, end: data.end, at: event.occurredAt },
    })),
  FindingRaised: (state, data, event) => {
    const next = withAudit(state, data.auditId, (audit) => ({
      ...audit,
      findingIds: [...audit.findingIds, data.findingId],
    }));
    return {
      ...next,
      findings: {
        ...next.findings,
        [data.findingId]: {
          findingId: data.findingId,
          auditId: data.auditId,
          grade: data.grade,
          clause: data.clause,
          raisedAt: event.occurredAt,
        },
      },
    };
  },
  FindingClosed: (state, data, event) => {
    const finding = state.findings[data.findingId];
    if (!finding) return state;
    const closed = { verifiedBy: data.verifiedBy, verifiedAt: data.verifiedAt, at: event.occurredAt };
    return { ...state, findings: { ...state.findings, [data.findingId]: { ...finding, closed } } };
  },
  AuditReportSubmitted: (state, data, event) =>
    withAudit(state, data.auditId, (audit) => ({
      ...audit,
      report: { reportSha256: data.reportSha256, recommendation: data.recommendation, at: event.occurredAt },
    })),
  CertificationDecided: (state, data, event) => {
    const audit = state.audits[data.auditId];
    if (!audit) return state;
    const record: DecisionRecord = {
      auditId: data.auditId,
      kind: audit.kind,
      decision: data.decision,
      decisionMakerId: data.decisionMaker.personId,
      at: event.occurredAt,
    };
    const next = withAudit(state, data.auditId, (a) => ({ ...a, decision: record }));
    const leadsToCertificate = audit.kind === 'stage2' || audit.kind === 'recertification';
    return {
      ...next,
      decisions: [...next.decisions, record],
      pendingGrant: leadsToCertificate ? (data.decision === 'grant' ? record : undefined) : next.pendingGrant,
    };
  },
  CertificateIssued: (state, data, event) => {
    const grant = state.pendingGrant;
    const startsCycle = grant !== undefined && !(state.transfer?.awaitingCertificate ?? false);
    const certificate: CertificateState = {
      certificateNo: data.certificateNo,
      status: 'valid',
      issuedAt: data.issuedAt,
      validUntil: data.validUntil,
      scope: data.scope,
      sectors: data.sectors ?? [],
      issuedBy: event.agencyId,
      edition: (state.certificate?.edition ?? 0) + 1,
      issuedEventAt: event.occurredAt,
      changedAt: event.occurredAt,
    };
    return {
      ...state,
      certificate,
      pendingGrant: undefined,
      certificateNos: state.certificateNos.includes(data.certificateNo)
        ? state.certificateNos
        : [...state.certificateNos, data.certificateNo],
      cycle: startsCycle ? { number: state.cycle.number + 1, startedOn: data.issuedAt } : state.cycle,
      transfer: state.transfer && { ...state.transfer, awaitingCertificate: false },
    };
  },
  CertificateSuspended: (state, data, event) =>
    withCertificate(state, event, () => ({
      status: 'suspended',
      suspension: { since: dateOf(event.occurredAt), until: data.until, at: event.occurredAt },
    })),
  CertificateRestored: (state, _data, event) =>
    withCertificate(state, event, () => ({ status: 'valid', suspension: undefined })),
  CertificateWithdrawn: (state, _data, event) => withCertificate(state, event, () => ({ status: 'withdrawn' })),
  CertificateCancelled: (state, _data, event) => withCertificate(state, event, () => ({ status: 'cancelled' })),
  CertificateExpired: (state, _data, event) => withCertificate(state, event, () => ({ status: 'expired' })),
  CertificateScopeChanged: (state, data, event) =>
    withCertificate(state, event, (certificate) => ({
      scope: data.scope,
      sectors: data.sectors ?? [],
      edition: certificate.edition + 1,
    })),
  CertificationTransferred: (state, data, event) => ({
    ...state,
    release: undefined,
    holder: event.agencyId,
    certificateNosBeforeTransfer: state.certificateNos,
    transfer: {
      fromAgencyId: data.fromAgencyId,
      toAgencyId: event.agencyId,
      at: event.occurredAt,
      awaitingCertificate: true,
    },
  }),
  TransferReleased: (state, data, event) => ({
    ...state,
    release: { toAgencyId: data.toAgencyId, at: event.occurredAt, recordedAt: event.recordedAt },
  }),
  TransferReleaseWithdrawn: (state) => ({ ...state, release: undefined }),
  ReportedToCnca: (state) => state,
};

/** On-site days of a plan: as given, else all of an on-site plan's days and none of a remote or mixed one's. */
export function onsiteDaysOf(plan: {
  readonly mode: AuditMode;
  readonly auditDays: number;
  readonly onsiteDays?: number;
}): number {
  return plan.onsiteDays ?? (plan.mode === 'onsite' ? plan.auditDays : 0);
}

/** Folds one stored event into the state. Total: events it does not know only advance the version. */
export function evolve(state: CertificationState, event: CertificationEvent): CertificationState {
  const evolver = (evolvers as Record<string, Evolver<keyof CertificationPayloads> | undefined>)[event.type];
  const next = evolver ? evolver(state, event.data as never, event) : state;
  return {
    ...next,
    version: event.version,
    lastEvent: { eventId: event.eventId, type: event.type, occurredAt: event.occurredAt, previous: next.lastEvent },
    lastOccurredAt: event.occurredAt,
  };
}

/** Folds a stream from the start. */
export function foldEvents(events: Iterable<CertificationEvent>): CertificationState {
  let state = initialState;
  for (const event of events) state = evolve(state, event);
  return state;
}
