/** One line per event, in English, for timelines and traceability. Never includes personal ID numbers. */
export function summarize(type: string, data: Readonly<Record<string, unknown>>): string {
  const d = data as Record<string, any>;
  switch (type) {
    case 'ApplicationSubmitted':
      return `Application for ${d.scheme ?? '?'} (${d.standard ?? '?'}) by ${d.client?.name ?? '?'}`;
    case 'ApplicationReviewed':
      return `Application ${d.outcome ?? 'reviewed'}${d.requiredAuditDays ? `, ${d.requiredAuditDays} audit days required` : ''}${d.requiredAuditDaysExtrapolated ? ' (extrapolated above the IAF MD5 table)' : ''}`;
    case 'ContractSigned':
      return `Contract ${d.contractNo ?? ''} signed ${d.signedAt ?? ''}`.trim();
    case 'AuditTeamAssigned':
      return `Team of ${Array.isArray(d.members) ? d.members.length : 0} assigned to ${d.kind ?? ''} audit ${d.auditId ?? ''}`;
    case 'AuditPlanned':
      return `Audit ${d.auditId ?? ''} planned ${d.start ?? ''}–${d.end ?? ''}, ${d.mode ?? ''}, ${d.auditDays ?? '?'} days`;
    case 'AuditConducted':
      return `Audit ${d.auditId ?? ''} conducted ${d.start ?? ''}–${d.end ?? ''}, ${Array.isArray(d.checkIns) ? d.checkIns.length : 0} check-ins, ${Array.isArray(d.evidence) ? d.evidence.length : 0} evidence files`;
    case 'FindingRaised':
      return `${d.grade ?? ''} nonconformity ${d.findingId ?? ''} (clause ${d.clause ?? '?'})`;
    case 'FindingClosed':
      return `Finding ${d.findingId ?? ''} closed${d.verifiedAt ? ` (verified ${d.verifiedAt})` : ''}`;
    case 'AuditReportSubmitted':
      return `Report for audit ${d.auditId ?? ''} submitted`;
    case 'CertificationDecided':
      return `Decision: ${d.decision ?? '?'} (audit ${d.auditId ?? ''})`;
    case 'CertificateIssued':
      return `Certificate ${d.certificateNo ?? ''} issued ${d.issuedAt ?? ''}, valid until ${d.validUntil ?? ''}`;
    case 'CertificateSuspended':
      return `Certificate suspended until ${d.until ?? '?'}: ${d.reason ?? ''}`;
    case 'CertificateRestored':
      return `Certificate restored: ${d.reason ?? ''}`;
    case 'CertificateWithdrawn':
      return `Certificate withdrawn: ${d.reason ?? ''}`;
    case 'CertificateCancelled':
      return `Certificate cancelled: ${d.reason ?? ''}`;
    case 'CertificateExpired':
      return 'Certificate expired';
    case 'CertificateScopeChanged':
      return `Scope changed: ${d.scope ?? ''}`;
    case 'CertificationTransferred':
      return `Transferred from ${d.fromAgencyId ?? '?'}`;
    case 'TransferReleased':
      return `Released for transfer to ${d.toAgencyId ?? '?'}`;
    case 'TransferReleaseWithdrawn':
      // Like the release's, its free-text reason stays out: it can hold the client's business details.
      return 'Transfer release withdrawn';
    default:
      return type;
  }
}
