type Data = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Data =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Photos and recordings (of the auditors at work); documents stay. */
const personalMedia = (item: unknown): boolean =>
  isRecord(item) && typeof item.mediaType === 'string' && /^(image|video|audio)\//i.test(item.mediaType);

const REGISTRATION = ['registrationNo', 'registrationValidUntil'];

/** The data of one event as the holder enterprise may read it, or the same object when nothing is withheld. */
function holderData(type: string, data: Data): Data {
  switch (type) {
    case 'AuditTeamAssigned': {
      const members = data.members;
      if (!Array.isArray(members) || !members.some((m) => isRecord(m) && REGISTRATION.some((k) => k in m))) return data;
      return {
        ...data,
        members: members.map((member: unknown) => {
          if (!isRecord(member)) return member;
          const { registrationNo: _no, registrationValidUntil: _until, ...kept } = member;
          return kept;
        }),
      };
    }
    case 'AuditConducted': {
      const { checkIns, ...kept } = data;
      const evidence: readonly unknown[] | undefined = Array.isArray(data.evidence) ? data.evidence : undefined;
      const media = evidence?.some(personalMedia) ?? false;
      if ((checkIns === undefined || (Array.isArray(checkIns) && checkIns.length === 0)) && !media) return data;
      return evidence && media ? { ...kept, evidence: evidence.filter((item) => !personalMedia(item)) } : kept;
    }
    case 'CertificationDecided': {
      const maker = data.decisionMaker;
      if (!isRecord(maker) || !('personId' in maker)) return data;
      const { personId: _personId, ...decisionMaker } = maker;
      return { ...data, decisionMaker };
    }
    default:
      return data;
  }
}

/**
 * One event of a certification's trace as its holder enterprise reads it (domain.md §6: auditors'
 * personal data are not shown outside the CB and the regulators). Withheld: the auditors'
 * registration numbers and validity, the check-ins (who was where, when), photos and recordings
 * among the evidence, and the decision maker's person id. Kept: auditor names and roles, audit
 * dates, findings, decisions and everything else. Pure; returns the event itself when it carries
 * nothing to withhold, otherwise a copy marked `redacted` (its data no longer hashes to `hash`).
 */
export function forEnterprise<E extends { readonly type: string; readonly data: Data }>(
  event: E,
): E | (E & { readonly redacted: true }) {
  const data = holderData(event.type, event.data);
  return data === event.data ? event : { ...event, data, redacted: true };
}
