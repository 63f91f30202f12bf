import type { NamedSubject, Supervision } from '@certledger/projections';
import { streamRegionOf } from '../../events/filedRegion';
import type { EventStore } from '../../eventStore/port';
import { streamIdOf } from '../../intake/intake';
import { regionVisibleTo } from '../principal';
import { ProblemError } from '../problem';

/** The payload fields by which a supervision event names the certifications it is about. */
const SUBJECT_FIELDS = ['certificationId', 'certificateNo', 'creditCode'] as const;

/** A certification (or a client's certifications) a supervision event names, by the field naming it. */
export interface Subject {
  readonly field: (typeof SUBJECT_FIELDS)[number];
  readonly value: string;
}

/**
 * What a supervision event is about: AuditTeamEvaluated's certificationId, WithdrawalTriggerRecorded's
 * certificateNo, SpotCheckRecorded's creditCode (and certificateNo), ComplaintRecorded's creditCode
 * and certificateNo when given. A complaint naming only a CB (agencyId) names no client: CBs are not
 * in a region.
 */
export function subjectsOf(data: Readonly<Record<string, unknown>>): Subject[] {
  return SUBJECT_FIELDS.flatMap((field) => {
    const value = data[field];
    return typeof value === 'string' && value !== '' ? [{ field, value }] : [];
  });
}

/** Finds the certifications named by a certificate number or a client's credit code. */
export interface SubjectIndex {
  /** Their ids; undefined while it cannot tell yet (it has not read the log as far as it was when asked). */
  certificationsNamed(subject: NamedSubject): Promise<readonly string[] | undefined>;
}

export interface ReadModelSubjectIndexOptions {
  readonly supervision: Pick<Supervision, 'certificationsNamed'>;
  readonly store: Pick<EventStore, 'headPosition'>;
  /** How long a subject the read model does not know yet is waited for while it reads the log. Default 5 s. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

/**
 * The supervision read model as the index. A subject it does not know is unknown only once it has
 * read the log as far as the log reached when asked: a certificate issued a moment before is waited
 * for (up to `waitMs`), not called unknown.
 */
export function readModelSubjectIndex(options: ReadModelSubjectIndexOptions): SubjectIndex {
  const waitMs = options.waitMs ?? 5_000;
  const pollMs = options.pollMs ?? 50;
  return {
    async certificationsNamed(subject) {
      const head = await options.store.headPosition();
      const giveUpAt = Date.now() + waitMs;
      for (;;) {
        const { certificationIds, position } = await options.supervision.certificationsNamed(subject);
        if (certificationIds.length > 0 || position >= head) return certificationIds;
        if (Date.now() >= giveUpAt) return undefined;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
  };
}

/** The regions of the certifications `subject` names, each the client region its stream hashes (streamRegionOf). */
async function regionsOf(subject: Subject, store: EventStore, index: SubjectIndex): Promise<string[]> {
  const ids =
    subject.field === 'certificationId'
      ? [subject.value]
      : await index.certificationsNamed(
          subject.field === 'certificateNo' ? { certificateNo: subject.value } : { creditCode: subject.value },
        );
  if (ids === undefined) {
    throw new ProblemError(
      503,
      'subjects-catching-up',
      `The ledger's index of certifications has not caught up with the log yet, so ${subject.field} ${subject.value} can be neither found nor refused; try again shortly`,
      { field: `data.${subject.field}` },
    );
  }
  const regions = await Promise.all(ids.map(async (id) => streamRegionOf(await store.readStream(streamIdOf(id)))));
  return regions.filter((region): region is string => region !== undefined);
}

/**
 * A regulator records supervision data only about clients in its jurisdiction (an admin about any):
 * each certification, certificate or client the event names must have a certification whose client
 * region (hashed in its opening event) lies under the writer's prefix, else 403 outside-jurisdiction.
 * One the ledger holds no certification of is refused with 422 unknown-subject, whoever writes: its
 * region cannot be known, and a record about it would act on whichever certification later took
 * the number or the credit code.
 */
export async function checkJurisdiction(
  writer: { readonly regionCode: string },
  data: Readonly<Record<string, unknown>>,
  store: EventStore,
  index: SubjectIndex,
): Promise<void> {
  for (const subject of subjectsOf(data)) {
    const regions = await regionsOf(subject, store, index);
    const named = `${subject.field} ${subject.value}`;
    if (regions.length === 0) {
      throw new ProblemError(422, 'unknown-subject', `The ledger holds no certification of ${named}`, {
        field: `data.${subject.field}`,
      });
    }
    if (!regions.some((region) => regionVisibleTo(writer.regionCode, region))) {
      throw new ProblemError(
        403,
        'outside-jurisdiction',
        `${named} names a client outside your jurisdiction (${writer.regionCode}); its regulator records it`,
        { field: `data.${subject.field}` },
      );
    }
  }
}
