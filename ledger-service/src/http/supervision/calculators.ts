import { Router, type Request } from 'express';
import {
  md1SampleSize,
  Md1Error,
  md5AuditTime,
  Md5Error,
  MD5_TABLE_LIMIT,
  type RoundingPolicy,
} from '../../calculators';
import { jsonBody } from '../jsonBody';
import { ProblemError } from '../problem';
import { single } from '../read/params';

/** Codes a caller can branch on; each is the calculator's own code, prefixed by the table it concerns. */
const IMPOSSIBLE: ReadonlySet<string> = new Set(['ohsms-limited', 'invalid-personnel', 'invalid-sites']);

function calculatorProblem(error: Md5Error | Md1Error, table: 'md5' | 'md1'): ProblemError {
  const status = IMPOSSIBLE.has(error.code) ? 422 : 400;
  return new ProblemError(status, `${table}-${error.code}`, error.message, {
    calculator: table === 'md5' ? 'IAF MD5' : 'IAF MD1',
  });
}

/** GET reads the query string (each parameter given once), POST a JSON body; both carry the same fields. */
function inputOf(req: Request): Record<string, unknown> {
  if (req.method === 'POST') {
    const body = req.body as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new ProblemError(400, 'invalid-body', 'The body must be a JSON object');
    return body as Record<string, unknown>;
  }
  const query = req.query as Record<string, unknown>;
  for (const name of Object.keys(query)) single(query, name);
  return query;
}

/** A number from a query string or a JSON body; undefined when absent, NaN when not a number. */
function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return Number.NaN;
}

const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

export interface CalculatorRoutesOptions {
  /** The rounding policy when the caller names none (the ledger's R6 setting). */
  readonly defaultRounding?: RoundingPolicy;
}

export function auditTimeOf(input: Record<string, unknown>, defaultRounding: RoundingPolicy = 'nearest') {
  const personnel = numberOf(input.effectivePersonnel ?? input.personnel);
  if (personnel === undefined)
    throw new ProblemError(400, 'md5-personnel-required', 'effectivePersonnel (or personnel) is required');
  const reduction = numberOf(input.reduction);
  try {
    const result = md5AuditTime({
      scheme: stringOf(input.scheme) ?? '',
      ...(stringOf(input.complexity) ? { complexity: stringOf(input.complexity)! } : {}),
      effectivePersonnel: personnel,
      audit: stringOf(input.audit) ?? stringOf(input.kind) ?? 'initial',
      ...(reduction !== undefined ? { reduction } : {}),
      rounding: (stringOf(input.rounding) ?? defaultRounding) as RoundingPolicy,
    });
    return { calculator: 'IAF MD5:2019', tableLimit: MD5_TABLE_LIMIT, ...result };
  } catch (error) {
    if (error instanceof Md5Error) throw calculatorProblem(error, 'md5');
    throw error;
  }
}

export function sampleSizeOf(input: Record<string, unknown>) {
  const sites = numberOf(input.sites);
  if (sites === undefined) throw new ProblemError(400, 'md1-sites-required', 'sites is required');
  const allowed = input.samplingAllowed;
  try {
    const result = md1SampleSize({
      sites,
      audit: stringOf(input.audit) ?? stringOf(input.kind) ?? 'initial',
      ...(allowed === undefined
        ? {}
        : { samplingAllowed: !(allowed === false || allowed === 'false' || allowed === '0') }),
    });
    return { calculator: 'IAF MD1', ...result };
  } catch (error) {
    if (error instanceof Md1Error) throw calculatorProblem(error, 'md1');
    throw error;
  }
}

/**
 * IAF MD5 audit time and IAF MD1 sample size, open to anyone (they disclose no data). A POST body is
 * read as every JSON body of the API is (jsonBody: application/json in UTF-8, each member name once).
 */
export function calculatorRoutes(options: CalculatorRoutesOptions = {}): Router {
  const router = Router();
  const json = jsonBody('16kb');
  router.get('/v1/calculators/audit-time', (req, res) => {
    res.json(auditTimeOf(inputOf(req), options.defaultRounding));
  });
  router.post('/v1/calculators/audit-time', json, (req, res) => {
    res.json(auditTimeOf(inputOf(req), options.defaultRounding));
  });
  router.get('/v1/calculators/sample-size', (req, res) => {
    res.json(sampleSizeOf(inputOf(req)));
  });
  router.post('/v1/calculators/sample-size', json, (req, res) => {
    res.json(sampleSizeOf(inputOf(req)));
  });
  return router;
}
