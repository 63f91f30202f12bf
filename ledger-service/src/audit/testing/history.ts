import { createAnchorer } from '../../anchoring/anchorer';
import type { AnchorStore } from '../../anchoring/anchorStore';
import type { LedgerBackend } from '../../anchoring/port';
import { defaultRulesConfig } from '../../certification';
import type { EventStore } from '../../eventStore/port';
import { createIntake } from '../../intake/intake';
import { initialCertification } from '../../testing/scenario';

export const AGENCY = 'CNCA-R-2002-001';
export const OTHER_AGENCY = 'CNCA-R-2003-007';

export interface HistoryOptions {
  readonly store: EventStore;
  readonly anchorStore: AnchorStore;
  readonly ledger: LedgerBackend;
  readonly certifications: number;
  readonly prefix?: string;
  /** Certifications of the second agency, in another region (for the filters). */
  readonly otherAgencyCertifications?: number;
}

/** A real history: complete initial certifications through the intake's rules, then anchored by the real anchorer. */
export async function buildHistory(options: HistoryOptions): Promise<{ certificationIds: string[] }> {
  const intake = createIntake({ store: options.store, rules: defaultRulesConfig, clock: () => new Date() });
  const prefix = options.prefix ?? 'C';
  const certificationIds: string[] = [];
  const submitAll = async (agencyId: string, count: number, tag: string, regionCode: string): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const certificationId = `${prefix}${tag}-${i}`;
      certificationIds.push(certificationId);
      const events = initialCertification({
        certificationId,
        appliedOn: '2025-03-01',
        certificateNo: `${prefix}${tag}${String(i).padStart(6, '0')}`,
        regionCode,
      });
      const outcomes = await intake.submitBulk(
        agencyId,
        events.map((event) => ({ ...event, expectedVersion: undefined })),
      );
      const refused = outcomes.find((outcome) => !outcome.ok);
      if (refused && !refused.ok) throw refused.error;
    }
  };
  await submitAll(AGENCY, options.certifications, 'A', '320106');
  await submitAll(OTHER_AGENCY, options.otherAgencyCertifications ?? 0, 'B', '440305');
  await createAnchorer({
    eventStore: options.store,
    anchorStore: options.anchorStore,
    ledger: options.ledger,
    maxBatchEvents: 20,
  }).drain();
  return { certificationIds };
}
