import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AnchorStoreError } from '../anchoring/anchorStore/port';
import { LedgerError } from '../anchoring/port';
import { EventStoreError, storeUnavailableMessage } from '../eventStore/port';
import { IntakeError, type IntakeErrorKind } from '../intake/errors';
import { ProblemError } from './problem';
import { requestIdOf } from './requestLog';

const STATUS_OF_KIND: Record<IntakeErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  rule: 422,
  unavailable: 503,
};

const TITLE_OF_STATUS: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Rule violation',
  500: 'Internal error',
  503: 'Service unavailable',
};

/** The one place where errors become problem details. */
export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof IntakeError) {
    const status = STATUS_OF_KIND[error.kind];
    return new ProblemError(status, error.code, error.message, error.extensions);
  }
  if (error instanceof EventStoreError && error.code === 'store-unavailable') {
    return new ProblemError(503, 'store-unavailable', storeUnavailableMessage(error));
  }
  if (error instanceof LedgerError && error.code === 'unavailable') {
    return new ProblemError(503, 'ledger-unavailable', 'The ledger cannot be reached now; try again later');
  }
  if (error instanceof AnchorStoreError) {
    return new ProblemError(503, 'anchor-store-unavailable', 'The anchor store cannot be read now; try again later');
  }
  const bodyError = error as { type?: string; status?: number };
  if (bodyError?.type === 'entity.too.large') {
    return new ProblemError(413, 'payload-too-large', 'The body is larger than this endpoint accepts');
  }
  if (bodyError?.type === 'entity.parse.failed') {
    return new ProblemError(400, 'malformed-json', 'The body is not valid JSON');
  }
  if (bodyError?.type === 'encoding.unsupported' || bodyError?.type === 'charset.unsupported') {
    return new ProblemError(415, 'unsupported-encoding', 'The body encoding is not supported');
  }
  return clientErrorOf(error) ?? new ProblemError(500, 'internal', 'Internal error');
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toProblem(error);
    if (problem.status >= 500) logger.error({ err: error, reqId: requestIdOf(req) }, 'request failed');
    res
      .status(problem.status)
      // Whatever the route meant to cache (the QR code for a day), its failure is not to be kept.
      .set('cache-control', 'no-store')
      .type('application/problem+json')
      .json({
        ...problem.toBody(),
        title: problem.title || TITLE_OF_STATUS[problem.status],
        instance: req.originalUrl,
      });
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ProblemError(404, 'not-found', `No route for ${req.method} ${req.path}`));
};

/**
 * Other request errors of the body parsers (http-errors with a 4xx status: too many form fields, a
 * broken gzip stream, an aborted upload) are the client's: their status, a code from their type.
 */
function clientErrorOf(error: unknown): ProblemError | undefined {
  const { status, type, expose } = (error ?? {}) as { status?: unknown; type?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499 || expose === false) return undefined;
  const code = typeof type === 'string' && /^[a-z.]+$/.test(type) ? type.replace(/\./g, '-') : 'bad-request';
  return new ProblemError(status, code, TITLE_OF_STATUS[status] ?? 'Bad request');
}
