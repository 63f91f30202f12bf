import { createHash, randomUUID } from 'node:crypto';
import type { LogEvent } from './types';

/** Builds chained log events for tests and benchmarks (hashes over JSON, not the service's canonical bytes). */
export interface StreamBuilder {
  event(type: string, data: Record<string, unknown>, occurredAt: string): Omit<LogEvent, 'position'>;
}

export function streamBuilder(options: {
  certificationId: string;
  agencyId: string;
  regionCode: string;
}): StreamBuilder {
  let version = -1;
  let prevHash = '0'.repeat(64);
  return {
    event(type, data, occurredAt) {
      version += 1;
      const eventId = randomUUID();
      const hash = createHash('sha256')
        .update(JSON.stringify([eventId, options.certificationId, type, version, prevHash, data]))
        .digest('hex');
      const event = {
        eventId,
        streamId: `certification-${options.certificationId}`,
        certificationId: options.certificationId,
        type,
        version,
        agencyId: options.agencyId,
        regionCode: options.regionCode,
        occurredAt,
        recordedAt: new Date().toISOString(),
        hash,
        prevHash,
        data,
      };
      prevHash = hash;
      return event;
    },
  };
}

export interface IssuedCertification {
  readonly certificationId: string;
  readonly agencyId: string;
  readonly regionCode: string;
  readonly holderName: string;
  readonly creditCode: string;
  readonly certificateNo: string;
  readonly issuedAt: string;
  readonly validUntil: string;
}

/** Application → issue, the short path (the projections do not enforce the rules). */
export function issuedCertification(
  c: IssuedCertification,
  builder = streamBuilder(c),
): Array<Omit<LogEvent, 'position'>> {
  return [
    builder.event(
      'ApplicationSubmitted',
      {
        client: {
          name: c.holderName,
          creditCode: c.creditCode,
          regionCode: c.regionCode,
          address: 'Somewhere 1',
          employees: 40,
        },
        scheme: 'QMS',
        standard: 'ISO 9001:2015',
        scope: 'Design and manufacture of valves',
        sectors: [18],
        managementSystem: { operatingSince: '2024-01-01' },
      },
      `${c.issuedAt}T08:00:00+08:00`,
    ),
    builder.event(
      'AuditTeamAssigned',
      {
        auditId: 'a1',
        kind: 'stage2',
        members: [{ auditorId: 'au-1', name: 'Auditor One', role: 'leader', registrationNo: 'REG-1' }],
      },
      `${c.issuedAt}T09:00:00+08:00`,
    ),
    builder.event(
      'CertificationDecided',
      { auditId: 'a1', decision: 'grant', decisionMaker: { personId: 'p-9', name: 'Decider' } },
      `${c.issuedAt}T10:00:00+08:00`,
    ),
    builder.event(
      'CertificateIssued',
      {
        certificateNo: c.certificateNo,
        issuedAt: c.issuedAt,
        validUntil: c.validUntil,
        scope: 'Design and manufacture of valves',
        sectors: [18],
      },
      `${c.issuedAt}T11:00:00+08:00`,
    ),
  ];
}

/** A time of day on a date, in China (UTC+08:00), as CBs submit it. */
export const chinaTime = (date: string, time = '09:00:00'): string => `${date}T${time}+08:00`;

/** An audit team member as AuditTeamAssigned carries one: registered until 2030, sector 18 unless told. */
export function teamMember(auditorId: string, options: { role?: string; sectors?: number[] } = {}) {
  return {
    auditorId,
    name: `Auditor ${auditorId}`,
    role: options.role ?? 'leader',
    registrationNo: `REG-${auditorId}`,
    registrationValidUntil: '2030-01-01',
    sectors: options.sectors ?? [18],
  };
}
