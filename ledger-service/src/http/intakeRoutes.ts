import type { Express, RequestHandler, Response } from 'express';
import { jsonBody } from './jsonBody';
import type { Intake } from '../intake/intake';
import { parseSubmission, type Submission } from '../intake/submission';
import { IntakeError, invalid } from '../intake/errors';
import { eventView, type AnchorStatus } from '../intake/eventView';
import type { StoredEvent } from '../eventStore/port';
import { principalOf, requireRole } from './auth';
import { toProblem } from './errors';
import { ProblemError } from './problem';

export interface IntakeRoutesOptions {
  readonly intake: Intake;
  readonly bodyLimit: string;
  readonly bulkBodyLimit: string;
  readonly maxBulkEvents: number;
  readonly anchorStatusOf: (event: StoredEvent) => Promise<AnchorStatus>;
}

/** Who may not write is told so before the body is read: an anonymous caller makes the service parse nothing. */
const agenciesOnly: RequestHandler = (req, _res, next) => {
  requireRole(principalOf(req), 'agency');
  next();
};

/**
 * Registers the intake's routes on the app itself: a Router of their own would make Express run a
 * second router's dispatch (path trimming, parameter processing) for every event submitted.
 */
export function registerIntakeRoutes(app: Express, options: IntakeRoutesOptions): void {
  const { intake, maxBulkEvents, anchorStatusOf } = options;

  app.post(
    '/v1/certifications/:certificationId/events',
    agenciesOnly,
    jsonBody(options.bodyLimit),
    async (req, res) => {
      const agency = requireRole(principalOf(req), 'agency');
      const submission = parseSubmission(req.params.certificationId, req.body);
      const { created, event, data } = await intake.submit(agency.agencyId, submission);
      const view = eventView(event, created ? { status: 'pending' } : await anchorStatusOf(event), data);
      res.setHeader('location', `/v1/events/${encodeURIComponent(event.eventId)}`);
      sendJson(res, created ? 201 : 200, view);
    },
  );

  app.post('/v1/events', agenciesOnly, jsonBody(options.bulkBodyLimit), async (req, res) => {
    const agency = requireRole(principalOf(req), 'agency');
    const events = (req.body as { events?: unknown } | undefined)?.events;
    if (!Array.isArray(events) || events.length === 0) {
      throw invalid('invalid-body', 'The body must be { "events": [ … ] } with at least one event');
    }
    if (events.length > maxBulkEvents) {
      throw invalid('too-many-events', `At most ${maxBulkEvents} events per request`, { maxEvents: maxBulkEvents });
    }
    const parsed = withoutRepeatedEventIds(
      events.map((item): Submission | IntakeError => {
        try {
          return parseSubmission((item as { certificationId?: unknown } | null)?.certificationId, item);
        } catch (error) {
          if (error instanceof IntakeError) return error;
          throw error;
        }
      }),
    );
    // Only a string names a certification: an item with any other id is refused alone.
    const refused = new Set(
      parsed.flatMap((item, index) => {
        const certificationId = (events[index] as { certificationId?: unknown } | null)?.certificationId;
        return item instanceof IntakeError && typeof certificationId === 'string' ? [certificationId] : [];
      }),
    );
    const submittable = parsed.flatMap((item, index) =>
      item instanceof IntakeError || refused.has(item.certificationId) ? [] : [{ item, index }],
    );
    const outcomes = await intake.submitBulk(
      agency.agencyId,
      submittable.map(({ item }) => item),
    );
    const results: unknown[] = new Array(events.length);
    submittable.forEach(({ index }, i) => {
      const outcome = outcomes[i]!;
      results[index] = outcome.ok
        ? { index, status: outcome.created ? 201 : 200, event: storedSummary(outcome.event) }
        : problemResult(index, outcome.error);
    });
    parsed.forEach((item, index) => {
      if (results[index] !== undefined) return;
      results[index] =
        item instanceof IntakeError
          ? problemResult(index, item)
          : problemResult(
              index,
              new IntakeError(
                'conflict',
                'certification-batch-failed',
                'Not stored: another event of the same certification was refused',
              ),
            );
    });
    const stored = results.filter((r) => (r as { status: number }).status < 300).length;
    sendJson(res, 200, { stored, refused: events.length - stored, results });
  });
}

/** Sends a JSON answer in as few steps as Express allows: res.json would run res.send's type, charset and freshness steps as well. */
function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** An eventId names one event: a second use in the same request is refused, and with it its certification. */
function withoutRepeatedEventIds(parsed: ReadonlyArray<Submission | IntakeError>): Array<Submission | IntakeError> {
  const firstIndexOf = new Map<string, number>();
  return parsed.map((item, index) => {
    if (item instanceof IntakeError) return item;
    const first = firstIndexOf.get(item.eventId);
    if (first === undefined) {
      firstIndexOf.set(item.eventId, index);
      return item;
    }
    return invalid('repeated-event-id', `eventId ${item.eventId} is also used by event ${first} of this request`, {
      eventId: item.eventId,
      firstIndex: first,
    });
  });
}

/** What a bulk result says of a stored event: enough to find it and check its chain, without the payload. */
function storedSummary(event: StoredEvent): Record<string, unknown> {
  const { eventId, certificationId, type, version, position, recordedAt, hash, prevHash } = event;
  return { eventId, certificationId, type, version, position, recordedAt, hash, prevHash };
}

function problemResult(index: number, error: IntakeError): unknown {
  const problem = toProblem(error);
  return { index, status: problem.status, problem: problem.toBody() };
}
