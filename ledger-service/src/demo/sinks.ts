import { defaultRulesConfig, type RulesConfig } from '../certification';
import type { EventStore } from '../eventStore/port';
import { createIntake } from '../intake/intake';
import type { Submission } from '../intake/submission';
import type { SubjectIndex } from '../http/supervision/jurisdiction';
import { createSupervisionWriter } from '../http/supervision/supervisionWriter';
import { ProblemError } from '../http/problem';
import type { DemoPlan, PlannedEvent } from './plan';

/** Where a plan goes: the running service's REST intake, or an event store opened in-process. */
export interface DemoSink {
  /** Stores one agency's certifications (each all or none); returns stored and refused counts with the first refusals. */
  writeCertifications(agencyId: string, events: readonly PlannedEvent[]): Promise<WriteResult>;
  writeSupervision(events: DemoPlan['supervision']): Promise<WriteResult>;
}

export interface WriteResult {
  stored: number;
  refused: number;
  problems: Array<{ eventId: string; type: string; certificationId?: string; code: string; detail: string }>;
}

const empty = (): WriteResult => ({ stored: 0, refused: 0, problems: [] });

/** Chunks of whole certifications, at most `max` events each. */
export function chunksOf(events: readonly PlannedEvent[], max: number): PlannedEvent[][] {
  const chunks: PlannedEvent[][] = [];
  let current: PlannedEvent[] = [];
  let i = 0;
  while (i < events.length) {
    let j = i;
    while (j < events.length && events[j]!.certificationId === events[i]!.certificationId) j += 1;
    if (current.length > 0 && current.length + (j - i) > max) {
      chunks.push(current);
      current = [];
    }
    current.push(...events.slice(i, j));
    i = j;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface StoreSinkOptions {
  readonly store: EventStore;
  readonly rules?: RulesConfig;
  readonly clock?: () => Date;
  /** Who records the supervision events (a regulator principal). */
  readonly regulator?: { readonly id: string; readonly regionCode: string };
}

/**
 * The certifications a sink wrote, by certificate number and client credit code: the index the
 * supervision writer finds what the plan's supervision events name in (no read model runs beside a store sink).
 */
function writtenSubjects(): SubjectIndex & { add(events: readonly PlannedEvent[]): void } {
  const byName = new Map<string, Set<string>>();
  const note = (key: string, certificationId: string) =>
    byName.set(key, (byName.get(key) ?? new Set()).add(certificationId));
  return {
    add(events) {
      for (const e of events) {
        const client = e.data.client as { creditCode?: unknown } | undefined;
        if (e.type === 'ApplicationSubmitted' && typeof client?.creditCode === 'string')
          note(`creditCode:${client.creditCode}`, e.certificationId);
        if (e.type === 'CertificateIssued' && typeof e.data.certificateNo === 'string')
          note(`certificateNo:${e.data.certificateNo}`, e.certificationId);
      }
    },
    async certificationsNamed(subject) {
      const key =
        'certificateNo' in subject ? `certificateNo:${subject.certificateNo}` : `creditCode:${subject.creditCode}`;
      return [...(byName.get(key) ?? [])];
    },
  };
}

/** Writes through the same intake (rules, hashing, chaining) the REST service uses, into `store`. */
export function storeSink(options: StoreSinkOptions): DemoSink {
  const intake = createIntake({
    store: options.store,
    rules: options.rules ?? defaultRulesConfig,
    clock: options.clock ?? (() => new Date()),
  });
  const subjects = writtenSubjects();
  const writer = createSupervisionWriter({
    store: options.store,
    subjects,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const regulator = options.regulator ?? { id: 'regulator-jiangsu', regionCode: '32' };
  return {
    async writeCertifications(agencyId, events) {
      const result = empty();
      for (const chunk of chunksOf(events, 5000)) {
        const submissions: Submission[] = chunk.map((e) => ({
          certificationId: e.certificationId,
          eventId: e.eventId,
          type: e.type as Submission['type'],
          occurredAt: e.occurredAt,
          expectedVersion: undefined,
          data: e.data,
        }));
        const outcomes = await intake.submitBulk(agencyId, submissions);
        subjects.add(chunk.filter((_, i) => outcomes[i]!.ok));
        outcomes.forEach((outcome, i) => {
          if (outcome.ok) result.stored += 1;
          else {
            result.refused += 1;
            if (outcome.error.code !== 'certification-batch-failed' && result.problems.length < 50) {
              result.problems.push({
                eventId: chunk[i]!.eventId,
                type: chunk[i]!.type,
                certificationId: chunk[i]!.certificationId,
                code: outcome.error.code,
                detail: outcome.error.message,
              });
            }
          }
        });
      }
      return result;
    },
    async writeSupervision(events) {
      const result = empty();
      for (const e of events) {
        try {
          await writer.submit(regulator, e);
          result.stored += 1;
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error;
          result.refused += 1;
          if (result.problems.length < 50)
            result.problems.push({ eventId: e.eventId, type: e.type, code: error.code, detail: error.message });
        }
      }
      return result;
    },
  };
}

export interface HttpSinkOptions {
  readonly baseUrl: string;
  /** Bearer token per agencyId. */
  readonly agencyTokens: Readonly<Record<string, string>>;
  readonly regulatorToken: string;
  readonly chunkSize?: number;
}

/** Writes through the running service: POST /v1/events per agency, POST /v1/supervision/events for regulators. */
export function httpSink(options: HttpSinkOptions): DemoSink {
  const post = async (path: string, token: string, body: unknown): Promise<{ status: number; json: any }> => {
    const response = await fetch(new URL(path, options.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json().catch(() => ({})) };
  };
  const collect = (
    result: WriteResult,
    items: ReadonlyArray<{ eventId: string; type: string; certificationId?: string }>,
    json: any,
  ) => {
    for (const r of (json?.results ?? []) as Array<{
      index: number;
      status: number;
      problem?: { code: string; detail?: string; title: string };
    }>) {
      if (r.status < 300) result.stored += 1;
      else {
        result.refused += 1;
        const item = items[r.index]!;
        if (r.problem?.code !== 'certification-batch-failed' && result.problems.length < 50) {
          result.problems.push({
            eventId: item.eventId,
            type: item.type,
            ...(item.certificationId ? { certificationId: item.certificationId } : {}),
            code: r.problem?.code ?? String(r.status),
            detail: r.problem?.detail ?? r.problem?.title ?? '',
          });
        }
      }
    }
  };
  return {
    async writeCertifications(agencyId, events) {
      const token = options.agencyTokens[agencyId];
      if (!token) throw new Error(`no token for agency ${agencyId}`);
      const result = empty();
      for (const chunk of chunksOf(events, options.chunkSize ?? 2000)) {
        const { status, json } = await post('/v1/events', token, { events: chunk });
        if (status !== 200)
          throw new Error(`POST /v1/events answered ${status}: ${JSON.stringify(json).slice(0, 500)}`);
        collect(result, chunk, json);
      }
      return result;
    },
    async writeSupervision(events) {
      const result = empty();
      for (let i = 0; i < events.length; i += 500) {
        const chunk = events.slice(i, i + 500);
        const { status, json } = await post('/v1/supervision/events', options.regulatorToken, { events: chunk });
        if (status === 404)
          throw new Error(
            'POST /v1/supervision/events is not mounted on this service (createSupervisionPart); the certifications are stored',
          );
        if (status !== 200)
          throw new Error(`POST /v1/supervision/events answered ${status}: ${JSON.stringify(json).slice(0, 500)}`);
        collect(result, chunk, json);
      }
      return result;
    },
  };
}

/** Writes a whole plan, agency by agency, then the supervision events. */
export async function writePlan(
  plan: DemoPlan,
  sink: DemoSink,
  onProgress?: (message: string) => void,
): Promise<{ certifications: WriteResult; supervision: WriteResult }> {
  const certifications = empty();
  for (const agency of plan.agencies) {
    const events = plan.certifications.filter((c) => c.agencyId === agency.agencyId).flatMap((c) => c.events);
    if (events.length === 0) continue;
    const result = await sink.writeCertifications(agency.agencyId, events);
    certifications.stored += result.stored;
    certifications.refused += result.refused;
    certifications.problems.push(...result.problems);
    onProgress?.(`${agency.agencyId}: ${result.stored} events stored, ${result.refused} refused`);
  }
  const supervision = await sink.writeSupervision(plan.supervision);
  onProgress?.(`supervision: ${supervision.stored} events stored, ${supervision.refused} refused`);
  return { certifications, supervision };
}
