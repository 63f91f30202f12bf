import type { CertificateAnswer } from './certificateAnswer';
import { createAnswerSegments } from './answerSegments';
import { EVERY_ANSWER } from './models/answers';
import type { ReadStore } from './store/port';

/**
 * Status-now answers kept in memory as the bytes sent, in front of reg_answers: a lookup that
 * finds its certificate here reads nothing from the store. The registry notes every change of an
 * answer (reg_answer_changes); before each lookup the cache asks SQLite whether anything was
 * committed since it last looked (PRAGMA data_version, no table read) and, when something was,
 * drops the answers that changed. So a lookup sees every change committed before it, as a read of
 * the store would. The answers themselves are kept in segments of memory (answerSegments.ts), the
 * oldest let go first, those asked for again given a second chance.
 */
export interface AnswerCache {
  /** Brings the cache up to what the store has committed; call before `get`. */
  freshen(): Promise<void>;
  /** The kept answer, when it was made on `day` (the status can turn to expired with the date). */
  get(certificateNo: string, day: string): CertificateAnswer | undefined;
  /** Marks the start of a read from the store, for `put`. */
  stamp(): number;
  /** Keeps an answer read from the store since `stamp`, unless a change was applied meanwhile. */
  put(
    certificateNo: string,
    day: string,
    answer: CertificateAnswer & { readonly body: string },
    stamp: number,
  ): CertificateAnswer;
  stats(): AnswerCacheStats;
}

export interface AnswerCacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
}

export interface AnswerCacheOptions {
  /** A SQLite read store (on PostgreSQL commit order is not sequence order: see answers.ts). */
  readonly store: ReadStore;
  readonly maxBytes: number;
  /** Size of each segment of memory (answerSegments.ts); a sixteenth of maxBytes, 64 KB to 16 MB, unless given. */
  readonly segmentBytes?: number;
}

/** Beyond this many changes at once, dropping everything is cheaper than reading them. */
const CHANGES_READ_AT_ONCE = 10_000;

/** YYYY-MM-DD as the number YYYYMMDD. */
const dayNumber = (day: string): number => Number(day.slice(0, 4) + day.slice(5, 7) + day.slice(8, 10));

export function createAnswerCache(options: AnswerCacheOptions): AnswerCache {
  const { store, maxBytes } = options;
  if (store.dialect !== 'sqlite') throw new Error('the answer cache follows a SQLite read store only');
  const segmentBytes =
    options.segmentBytes ?? Math.min(16 * 2 ** 20, Math.max(64 * 2 ** 10, Math.floor(maxBytes / 16)));
  const answers = createAnswerSegments({ maxBytes, segmentBytes });
  let lastDay = '';
  let lastDayNumber = 0;
  const dayOf = (day: string): number => {
    if (day !== lastDay) [lastDay, lastDayNumber] = [day, dayNumber(day)];
    return lastDayNumber;
  };
  let hits = 0;
  let misses = 0;
  /** Bumped by every change applied: a read that began before it may hold an older answer. */
  let changesApplied = 0;
  let dataVersion: number | undefined;
  /** The last change applied; while that row is still there, no change after it was forgotten. */
  let lastSeq = 0;

  const applyChanges = async (): Promise<void> => {
    const changes = await store.all<{ seq: number; certificate_no: string }>(
      'SELECT seq, certificate_no FROM reg_answer_changes WHERE seq >= ? ORDER BY seq LIMIT ?',
      [lastSeq, CHANGES_READ_AT_ONCE + 1],
    );
    const continuous = changes[0]?.seq === lastSeq && changes.length <= CHANGES_READ_AT_ONCE;
    if (!continuous) {
      // Read before the answers are dropped: whatever is committed after it has a later seq.
      const newest = await store.values<[number | null]>('SELECT max(seq) FROM reg_answer_changes');
      changesApplied++;
      answers.clear();
      lastSeq = newest?.[0] ?? 0;
      return;
    }
    changesApplied++;
    // The first row is at lastSeq, applied already (or older than the last clear): it is read only
    // to show that no change after it was forgotten.
    for (const { certificate_no } of changes.slice(1)) {
      if (certificate_no === EVERY_ANSWER) answers.clear();
      else answers.delete(certificate_no);
    }
    lastSeq = changes[changes.length - 1]!.seq;
  };

  return {
    freshen: async () => {
      const version = (await store.values<[number]>('PRAGMA data_version'))![0];
      if (version === dataVersion) return;
      dataVersion = version;
      await applyChanges();
    },
    get: (certificateNo, day) => {
      const kept = answers.get(certificateNo, dayOf(day));
      if (kept) hits++;
      else misses++;
      return kept;
    },
    stamp: () => changesApplied,
    put: (certificateNo, day, answer, stamp) => {
      if (stamp !== changesApplied) return answer;
      return answers.put(certificateNo, dayOf(day), answer.etag, answer.body) ?? answer;
    },
    stats: () => ({ entries: answers.size, bytes: answers.bytes, hits, misses }),
  };
}
