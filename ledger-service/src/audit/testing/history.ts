import { createHash, randomUUID } from 'node:crypto';
import type { LogHead } from '@certledger/chaincode';
import { createAnchorer } from '../../anchoring/anchorer';
import type { AnchorStore } from '../../anchoring/anchorStore';
import type { EmbeddedLedgerBackend } from '../../anchoring/embedded';
import { chainedEvents } from '../../anchoring/testing/events';
import type { LedgerBackend } from '../../anchoring/port';
import { defaultRulesConfig } from '../../certification';
import { canonicalBytes, sha256Hex } from '../../events/canonical';
import type { EventStore, StoredEvent } from '../../eventStore/port';
import { createIntake } from '../../intake/intake';
import { initialCertification } from '../../testing/scenario';
import { createLogHeadCommitter } from '../logHeads/committer';
import { embeddedLogHeadLedger } from '../logHeads/ledger';
import { loadOrCreateLogHeadSigner } from '../logHeads/signer';

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
  await anchorAll(options);
  return { certificationIds };
}

/** Runs the real anchorer until every event of the log is committed or refused. */
export async function anchorAll(options: Pick<HistoryOptions, 'store' | 'anchorStore' | 'ledger'>): Promise<void> {
  await createAnchorer({
    eventStore: options.store,
    anchorStore: options.anchorStore,
    ledger: options.ledger,
    maxBatchEvents: 20,
  }).drain();
}

/**
 * Appends to a stream, around the intake, an event dated a day ahead: the chaincode refuses it
 * (CL_OCCURRED_IN_FUTURE) and the anchorer records its batch as rejected.
 */
export async function appendDatedAhead(store: EventStore, streamId: string): Promise<StoredEvent> {
  const last = (await store.readStream(streamId)).at(-1)!;
  const eventId = randomUUID();
  const occurredAt = new Date(Date.now() + 86_400_000).toISOString();
  const data = { reason: 'complaint under review', until: '2026-09-01' };
  const canonical = canonicalBytes({
    eventId,
    certificationId: last.certificationId,
    type: 'CertificateSuspended',
    version: last.version + 1,
    agencyId: last.agencyId,
    occurredAt,
    prevHash: last.hash,
    data,
  });
  const [stored] = await store.append({
    streamId,
    expectedVersion: last.version,
    events: [
      {
        eventId,
        streamId,
        certificationId: last.certificationId,
        type: 'CertificateSuspended',
        version: last.version + 1,
        agencyId: last.agencyId,
        regionCode: last.regionCode,
        occurredAt,
        canonical,
        hash: sha256Hex(canonical),
        prevHash: last.hash,
        contentDigest: createHash('sha256').update(eventId).digest('hex'),
      },
    ],
  });
  return stored!;
}

/**
 * Appends a supervision case's first event as the supervision writer stored it before the ledger
 * recorded the filing region in the hashed payload: the region is in the region_code column only.
 */
export async function appendUnfiledSupervision(
  store: EventStore,
  caseId: string,
  writer: { readonly id: string; readonly regionCode: string },
): Promise<StoredEvent> {
  const streamId = `supervision-${caseId}`;
  const [event] = chainedEvents(streamId, writer.id, [
    { type: 'ComplaintRecorded', data: { receivedAt: '2025-12-30', subject: 'filed before filings were hashed' } },
  ]);
  const [stored] = await store.append({
    streamId,
    expectedVersion: -1,
    events: [{ ...event!, regionCode: writer.regionCode }],
  });
  return stored!;
}

/** Signs and commits a head of the whole log to the embedded ledger, as the service does every LEDGER_LOG_HEAD_SECONDS. */
export async function commitLogHead(options: {
  readonly store: EventStore;
  readonly ledger: EmbeddedLedgerBackend;
  readonly dataDir: string;
}): Promise<LogHead> {
  const committer = createLogHeadCommitter({
    store: options.store,
    signer: loadOrCreateLogHeadSigner(options.dataDir),
    ledger: embeddedLogHeadLedger({ backend: options.ledger }),
    dataDir: options.dataDir,
  });
  return (await committer.commitNow())!;
}
