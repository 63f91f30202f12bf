import type { ReadStore } from '../store/port';
import type { SupervisionConfig } from './config';
import {
  evaluateAcross,
  evaluateCertification,
  todayOf,
  type AuditorAuditRow,
  type CertificationOutcome,
  type Evaluation,
  type EvaluationContext,
  type MinimumAuditDays,
} from './evaluate';
import type { CertificationFacts, SupervisionFact } from './facts';
import { GENERATION_KEY } from './model';

export interface RememberedEvaluation extends Evaluation {
  readonly certifications: number;
  /** Certifications whose own checks ran again: those the projections changed, or all when the day changed. */
  readonly checked: number;
  readonly loadMs: number;
  /** The read model's generation the facts were read in. */
  readonly generation: string | undefined;
  /**
   * Each certification whose auditor rows differ from those of the evaluation last committed, with
   * its rows now; undefined when the store's rows are not known to be those (then write them all).
   */
  readonly auditorRowChanges?: ReadonlyMap<string, readonly AuditorAuditRow[]>;
  /** The mark the last committed write left in the store; the changes hold only while it is still there. */
  readonly writtenMark?: string;
}

/**
 * The evaluation's memory between ticks: every certification's facts as last read and the outcome
 * of its own checks on the day they ran. A tick reads only the rows the projections wrote since
 * (by their log position) and checks again only those certifications, or all of them once a day;
 * the checks across certifications run over all. A rebuild of the read model writes a new
 * generation, and the memory starts afresh.
 */
export interface EvaluationMemory {
  evaluate(now: Date): Promise<RememberedEvaluation>;
  /** The evaluation's rows are committed with `mark`: the next one may write only what changed since. */
  committed(mark: string): void;
  /** Forgets everything (a write failed, or the store may hold anything): the next evaluation reads and writes all. */
  forget(): void;
}

export interface EvaluationMemoryOptions {
  readonly store: ReadStore;
  readonly config: SupervisionConfig;
  readonly minimumAuditDays?: MinimumAuditDays;
}

interface Kept {
  facts: CertificationFacts;
  outcome?: CertificationOutcome;
}

interface State {
  generation: string | undefined;
  readonly certifications: Map<string, Kept>;
  /** Certification ids in order (the order warnings are listed in). */
  order: string[];
  lastPosition: number;
  readonly supervision: SupervisionFact[];
  lastSupervisionPosition: number;
  day: string;
  /** The mark of the write that left the auditor rows of the outcomes kept in the store, if one did. */
  writtenMark: string | undefined;
}

const emptyState = (generation: string | undefined): State => ({
  generation,
  certifications: new Map(),
  order: [],
  lastPosition: -1,
  supervision: [],
  lastSupervisionPosition: -1,
  day: '',
  writtenMark: undefined,
});

/** A rebuild that begins while the changes are read makes them read again, at most this often. */
const READS_AT_MOST = 3;

/** A certification not kept before has no rows in the store (the rows there are those of the outcomes kept). */
const sameRows = (before: readonly AuditorAuditRow[] = [], now: readonly AuditorAuditRow[]): boolean =>
  before.length === now.length && JSON.stringify(before) === JSON.stringify(now);

export function createEvaluationMemory(options: EvaluationMemoryOptions): EvaluationMemory {
  const { store } = options;
  let state = emptyState(undefined);

  const generation = async (): Promise<string | undefined> =>
    (await store.get<{ value: string }>('SELECT value FROM sv_meta WHERE key = ?', [GENERATION_KEY]))?.value;

  /** Reads what the projections wrote since the last read; the ids of the certifications it changed. */
  const readChanges = async (): Promise<Set<string>> => {
    for (let attempt = 1; ; attempt++) {
      const before = await generation();
      if (before !== state.generation) state = emptyState(before);
      const changed = new Set<string>();
      const rows = await store.all<{ certification_id: string; facts: string; position: number }>(
        'SELECT certification_id, facts, position FROM sv_certifications WHERE position > ? ORDER BY position',
        [state.lastPosition],
      );
      let added = false;
      for (const row of rows) {
        const kept = state.certifications.get(row.certification_id);
        const facts = JSON.parse(row.facts) as CertificationFacts;
        if (kept) kept.facts = facts;
        else {
          state.certifications.set(row.certification_id, { facts });
          added = true;
        }
        changed.add(row.certification_id);
        state.lastPosition = Math.max(state.lastPosition, Number(row.position));
      }
      // Code-unit order, which SQLite's BINARY collation also gives: the order warnings are listed in.
      if (added) state.order = [...state.certifications.keys()].sort();
      const supervision = await store.all<{
        event_id: string;
        type: string;
        occurred_at: string;
        region_code: string;
        data: string;
        position: number;
      }>(
        'SELECT event_id, type, occurred_at, region_code, data, position FROM sv_supervision WHERE position > ? ORDER BY position',
        [state.lastSupervisionPosition],
      );
      for (const row of supervision) {
        state.supervision.push({
          eventId: row.event_id,
          type: row.type,
          occurredAt: row.occurred_at,
          regionCode: row.region_code,
          data: JSON.parse(row.data) as Record<string, unknown>,
        });
        state.lastSupervisionPosition = Number(row.position);
      }
      if ((await generation()) === before || attempt === READS_AT_MOST) return changed;
    }
  };

  return {
    evaluate: async (now) => {
      const started = performance.now();
      const changed = await readChanges();
      const loadMs = performance.now() - started;
      const context: EvaluationContext = {
        config: options.config,
        today: todayOf(now),
        ...(options.minimumAuditDays ? { minimumAuditDays: options.minimumAuditDays } : {}),
      };
      const newDay = context.today !== state.day;
      const auditorRowChanges = new Map<string, readonly AuditorAuditRow[]>();
      const facts: CertificationFacts[] = [];
      const outcomes: CertificationOutcome[] = [];
      let checked = 0;
      for (const id of state.order) {
        const kept = state.certifications.get(id)!;
        const before = kept.outcome;
        const factsChanged = before === undefined || changed.has(id);
        const outcome =
          before === undefined || factsChanged || newDay ? evaluateCertification(kept.facts, context) : before;
        if (outcome !== before) {
          // The auditor rows come from the facts alone: a new day does not change them.
          if (factsChanged && !sameRows(before?.auditorAudits, outcome.auditorAudits))
            auditorRowChanges.set(id, outcome.auditorAudits);
          kept.outcome = outcome;
          checked += 1;
        }
        facts.push(kept.facts);
        outcomes.push(outcome);
      }
      state.day = context.today;
      return {
        ...evaluateAcross(facts, outcomes, state.supervision, context),
        certifications: facts.length,
        checked,
        loadMs,
        generation: state.generation,
        ...(state.writtenMark !== undefined ? { auditorRowChanges, writtenMark: state.writtenMark } : {}),
      };
    },
    committed: (mark) => {
      state.writtenMark = mark;
    },
    forget: () => {
      state = emptyState(undefined);
    },
  };
}
