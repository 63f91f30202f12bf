import type { CertificateAnswer } from './certificateAnswer';
import { EVERY_ANSWER } from './models/answers';
import type { ReadStore } from './store/port';

/**
 * Status-now answers kept in memory as the bytes sent, in front of reg_answers: a lookup that
 * finds its certificate here reads nothing from the store. The registry notes every change of an
 * answer (reg_answer_changes); before each lookup the cache asks SQLite whether anything was
 * committed since it last looked (PRAGMA data_version, no table read) and, when something was,
 * drops the answers that changed. So a lookup sees every change committed before it, as a read of
 * the store would. Once `maxBytes` is reached, answers go oldest first, except that one asked for
 * since it was kept gets a second chance (CLOCK): a hit only sets a flag, because moving the entry
 * within a Map of a million answers makes the Map rehash itself every few ten thousand hits, which
 * stopped the event loop for tens of milliseconds.
 */
export interface AnswerCache {
  /** Brings the cache up to what the store has committed; call before `get`. */
  freshen(): Promise<void>;
  /** The kept answer, when it was made on `day` (the status can turn to expired with the date). */
  get(certificateNo: string, day: string): CertificateAnswer | undefined;
  /** Marks the start of a read from the store, for `put`. */
  stamp(): number;
  /** Keeps an answer read from the store since `stamp`, unless a change was applied meanwhile. */
  put(certificateNo: string, day: string, answer: CertificateAnswer, stamp: number): CertificateAnswer;
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
}

interface Entry {
  readonly day: string;
  readonly answer: CertificateAnswer;
  readonly bytes: number;
  askedAgain: boolean;
}

/** Beyond this many changes at once, dropping everything is cheaper than reading them. */
const CHANGES_READ_AT_ONCE = 10_000;
/** Map entry, key and object headers, roughly. */
const ENTRY_OVERHEAD_BYTES = 160;

export function createAnswerCache(options: AnswerCacheOptions): AnswerCache {
  const { store, maxBytes } = options;
  if (store.dialect !== 'sqlite') throw new Error('the answer cache follows a SQLite read store only');
  const entries = new Map<string, Entry>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;
  /** Bumped by every change applied: a read that began before it may hold an older answer. */
  let changesApplied = 0;
  let dataVersion: number | undefined;
  /** The last change applied; while that row is still there, no change after it was forgotten. */
  let lastSeq = 0;

  const drop = (certificateNo: string): void => {
    const entry = entries.get(certificateNo);
    if (!entry) return;
    entries.delete(certificateNo);
    bytes -= entry.bytes;
  };
  const dropAll = (): void => {
    entries.clear();
    bytes = 0;
  };

  const applyChanges = async (): Promise<void> => {
    const changes = await store.all<{ seq: number; certificate_no: string }>(
      'SELECT seq, certificate_no FROM reg_answer_changes WHERE seq >= ? ORDER BY seq LIMIT ?',
      [lastSeq, CHANGES_READ_AT_ONCE + 1],
    );
    changesApplied++;
    const continuous = changes[0]?.seq === lastSeq && changes.length <= CHANGES_READ_AT_ONCE;
    if (!continuous) {
      dropAll();
      const newest = await store.values<[number | null]>('SELECT max(seq) FROM reg_answer_changes');
      lastSeq = newest?.[0] ?? 0;
      return;
    }
    for (const { certificate_no } of changes) {
      if (certificate_no === EVERY_ANSWER) dropAll();
      else drop(certificate_no);
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
      const entry = entries.get(certificateNo);
      if (entry === undefined || entry.day !== day) {
        misses++;
        return undefined;
      }
      hits++;
      entry.askedAgain = true;
      return entry.answer;
    },
    stamp: () => changesApplied,
    put: (certificateNo, day, answer, stamp) => {
      const kept: CertificateAnswer = { body: Buffer.from(answer.body), etag: answer.etag };
      if (stamp !== changesApplied) return kept;
      const entryBytes = kept.body.length + 2 * (certificateNo.length + kept.etag.length) + ENTRY_OVERHEAD_BYTES;
      if (entryBytes > maxBytes) return kept;
      drop(certificateNo);
      // Map order is insertion order: the oldest first; one asked for again goes to the end, once.
      for (const [oldestNo, oldest] of entries) {
        if (bytes + entryBytes <= maxBytes) break;
        entries.delete(oldestNo);
        if (oldest.askedAgain) {
          oldest.askedAgain = false;
          entries.set(oldestNo, oldest);
        } else bytes -= oldest.bytes;
      }
      entries.set(certificateNo, { day, answer: kept, bytes: entryBytes, askedAgain: false });
      bytes += entryBytes;
      return kept;
    },
    stats: () => ({ entries: entries.size, bytes, hits, misses }),
  };
}
