/** Event payloads as the ledger handles them: camelCase, enums by name (events.proto). */

export type Scheme = 'QMS' | 'EMS' | 'OHSMS';
export type Complexity = 'high' | 'medium' | 'low' | 'limited';
export type AuditKind = 'stage1' | 'stage2' | 'surveillance' | 'recertification' | 'special';
export type TeamRole = 'leader' | 'auditor' | 'expert' | 'trainee';
export type AuditMode = 'onsite' | 'remote' | 'mixed';
export type FindingGrade = 'major' | 'minor';
export type DecisionOutcome = 'grant' | 'refuse';

export interface SitePayload {
  readonly name: string;
  readonly regionCode: string;
  readonly address: string;
}

export interface ClientPayload {
  readonly name: string;
  readonly creditCode: string;
  readonly regionCode: string;
  readonly address: string;
  readonly employees: number;
  readonly sites?: readonly SitePayload[];
}

export interface ApplicationSubmittedData {
  readonly client: ClientPayload;
  readonly scheme: Scheme;
  readonly standard: string;
  readonly scope: string;
  readonly sectors: readonly number[];
  readonly complexity?: Complexity;
  readonly managementSystem: {
    readonly operatingSince: string;
    readonly lastInternalAudit?: string;
    readonly lastManagementReview?: string;
  };
}

export interface ApplicationReviewedData {
  readonly outcome: 'accepted' | 'rejected';
  readonly reason?: string;
  readonly requiredAuditDays?: number;
  /** Set by the ledger when the headcount is above MD5's table and the days were extrapolated. */
  readonly requiredAuditDaysExtrapolated?: boolean;
}

export interface ContractSignedData {
  readonly contractNo: string;
  readonly signedAt: string;
}

export interface TeamMemberPayload {
  readonly auditorId: string;
  readonly name: string;
  readonly role: TeamRole;
  readonly registrationNo?: string;
  readonly registrationValidUntil?: string;
  readonly sectors?: readonly number[];
}

export interface AuditTeamAssignedData {
  readonly auditId: string;
  readonly kind: AuditKind;
  readonly members: readonly TeamMemberPayload[];
}

export interface AuditPlannedData {
  readonly auditId: string;
  readonly mode: AuditMode;
  readonly start: string;
  readonly end: string;
  readonly auditDays: number;
  readonly onsiteDays?: number;
}

export interface AuditConductedData {
  readonly auditId: string;
  readonly start: string;
  readonly end: string;
  readonly checkIns?: readonly { auditorId: string; kind: 'in' | 'out'; at: string; lat?: number; lon?: number }[];
  readonly evidence?: readonly { name: string; sha256: string; mediaType: string; size?: number }[];
}

export interface FindingRaisedData {
  readonly auditId: string;
  readonly findingId: string;
  readonly grade: FindingGrade;
  readonly clause: string;
  readonly description: string;
}

export interface FindingClosedData {
  readonly findingId: string;
  readonly correction?: string;
  readonly correctiveAction?: string;
  readonly verifiedBy?: string;
  readonly verifiedAt?: string;
}

export interface AuditReportSubmittedData {
  readonly auditId: string;
  readonly reportSha256: string;
  readonly recommendation: string;
}

export interface CertificationDecidedData {
  readonly auditId: string;
  readonly decision: DecisionOutcome;
  readonly decisionMaker: { readonly personId: string; readonly name: string };
}

export interface CertificateIssuedData {
  readonly certificateNo: string;
  readonly issuedAt: string;
  readonly validUntil: string;
  readonly scope: string;
  readonly sectors: readonly number[];
}

export interface CertificateSuspendedData {
  readonly reason: string;
  readonly until: string;
}

export interface ReasonData {
  readonly reason?: string;
}

export interface CertificateScopeChangedData {
  readonly scope: string;
  readonly sectors: readonly number[];
}

export interface CertificationTransferredData {
  readonly fromAgencyId: string;
  readonly reason?: string;
}

export interface TransferReleasedData {
  readonly toAgencyId: string;
  readonly reason?: string;
}

export interface TransferReleaseWithdrawnData {
  readonly reason: string;
}

export interface ReportedToCncaData {
  readonly certificationId: string;
  readonly kind: 'audit_plan' | 'audit_result' | 'certificate' | 'status_change';
  readonly subjectEventId: string;
  readonly reportedAt: string;
}

/** The payload of each certification event type. */
export interface CertificationPayloads {
  readonly ApplicationSubmitted: ApplicationSubmittedData;
  readonly ApplicationReviewed: ApplicationReviewedData;
  readonly ContractSigned: ContractSignedData;
  readonly AuditTeamAssigned: AuditTeamAssignedData;
  readonly AuditPlanned: AuditPlannedData;
  readonly AuditConducted: AuditConductedData;
  readonly FindingRaised: FindingRaisedData;
  readonly FindingClosed: FindingClosedData;
  readonly AuditReportSubmitted: AuditReportSubmittedData;
  readonly CertificationDecided: CertificationDecidedData;
  readonly CertificateIssued: CertificateIssuedData;
  readonly CertificateSuspended: CertificateSuspendedData;
  readonly CertificateRestored: ReasonData;
  readonly CertificateWithdrawn: ReasonData;
  readonly CertificateCancelled: ReasonData;
  readonly CertificateExpired: Record<string, never>;
  readonly CertificateScopeChanged: CertificateScopeChangedData;
  readonly CertificationTransferred: CertificationTransferredData;
  readonly TransferReleased: TransferReleasedData;
  readonly TransferReleaseWithdrawn: TransferReleaseWithdrawnData;
  readonly ReportedToCnca: ReportedToCncaData;
}
