import type { Logger } from 'pino';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Severity, Supervision, WarningFilter } from '@certledger/projections';
import { enterpriseOwnProfile, parseEvaluationCursor, WARNING_RULES } from '@certledger/projections';
import { principalOf, requireRole } from '../auth';
import type { Principal } from '../principal';
import { ProblemError } from '../problem';
import { jsonBody } from '../jsonBody';
import { eventView } from '../../intake/eventView';
import type { RegulatorSessions } from '../regulatorCookie';
import { calculatorRoutes, type CalculatorRoutesOptions } from './calculators';
import { PAGE_HEADERS, pageErrorHandler } from '../read/html';
import { filterErrorWords as pageErrorOf, loginPage, NOT_A_REGULATOR } from '../read/regulatorPage';
import { renderRegulatorPage, type WarningsFilters } from './page';
import type { SupervisionWriter } from './supervisionWriter';
import { single, timeBound } from '../read/params';

export interface SupervisionRoutesOptions extends CalculatorRoutesOptions {
  readonly supervision: Supervision;
  /** Enables POST /v1/supervision/events (regulators record spot checks, complaints, triggers, evaluations). */
  readonly writer?: SupervisionWriter;
  /** Lets the page read the read side's sign-in session (browsers cannot send a bearer header). */
  readonly sessions?: RegulatorSessions;
  readonly bodyLimit?: string;
  /** Where the pages log the failures they answer with 500. */
  readonly logger?: Logger;
}

const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/** Regulators see their region prefix; admins see everything; nobody else sees supervision data. */
function scopeOf(principal: Principal): { regionPrefix?: string } {
  const who = requireRole(principal, 'regulator', 'admin');
  return who.role === 'regulator' ? { regionPrefix: who.regionCode } : {};
}

function warningFilter(req: Request): WarningFilter {
  const q = req.query as Record<string, unknown>;
  const state = single(q, 'state') ?? 'open';
  if (!['open', 'cleared', 'all'].includes(state))
    throw new ProblemError(400, 'invalid-filter', 'state must be open, cleared or all');
  const severity = single(q, 'severity');
  if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity))
    throw new ProblemError(400, 'invalid-filter', 'severity must be high, medium or low');
  const rule = single(q, 'rule') ?? single(q, 'ruleId');
  if (rule !== undefined && !WARNING_RULES.some((r) => r.id === rule))
    throw new ProblemError(400, 'invalid-filter', `rule must be one of ${WARNING_RULES.map((r) => r.id).join(', ')}`);
  const limit = pageLimit(q);
  const region = regionParam(req.query);
  const from = timeBound(single(q, 'from'), 'from', 'invalid-filter');
  const to = timeBound(single(q, 'to'), 'to', 'invalid-filter');
  const cursor = single(q, 'cursor');
  const pick = (key: string) => {
    const value = single(q, key);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    state: state as 'open' | 'cleared' | 'all',
    limit,
    ...(rule ? { ruleId: rule } : {}),
    ...(severity ? { severity: severity as Severity } : {}),
    ...(region ? { regionPrefix: region } : {}),
    ...pick('kind'),
    ...pick('agencyId'),
    ...pick('certificationId'),
    ...pick('creditCode'),
    ...pick('auditorId'),
    ...(from ? { raisedFrom: from } : {}),
    ...(to ? { raisedTo: to } : {}),
    ...(cursor ? { after: warningCursor(cursor) } : {}),
  };
}

/** ?region=: a GB/T 2260 prefix, when given. */
function regionParam(query: Record<string, unknown>): string | undefined {
  const region = single(query, 'region');
  if (region !== undefined && !/^\d{2,6}$/.test(region))
    throw new ProblemError(400, 'invalid-filter', 'region must be a GB/T 2260 prefix', { parameter: 'region' });
  return region;
}

/** ?limit=: 1..1000, 100 unless given. */
function pageLimit(query: Record<string, unknown>): number {
  const value = single(query, 'limit');
  const limit = value === undefined ? 100 : Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new ProblemError(400, 'invalid-filter', 'limit must be 1..1000');
  return limit;
}

/** A cursor is the id of the last warning of a page (W1:…); anything else was not given out here. */
function warningCursor(value: string): string {
  if (/^W\d{1,2}:[^\u0000-\u001f]{1,500}$/.test(value)) return value;
  throw new ProblemError(400, 'invalid-cursor', 'cursor is not one this server gave out');
}

/** The caller's scope narrowed by a ?region= filter, never widened past its own prefix. */
function narrowed(scope: { regionPrefix?: string }, wanted: string | undefined): { regionPrefix?: string } {
  if (wanted === undefined) return scope;
  if (scope.regionPrefix !== undefined && !wanted.startsWith(scope.regionPrefix)) {
    throw new ProblemError(403, 'forbidden', `region ${wanted} is outside your jurisdiction (${scope.regionPrefix})`);
  }
  return { regionPrefix: wanted };
}

/**
 * Supervision HTTP surface: calculators (anyone), warnings, auditors, evaluations, grades and
 * enterprise profiles (regulators for their region, admins for all), the regulator page, and the
 * regulators' write path for supervision events.
 */
export function supervisionRoutes(options: SupervisionRoutesOptions): Router {
  const { supervision } = options;
  const router = Router();
  router.use(calculatorRoutes(options));

  router.get('/v1/warnings/rules', (_req, res) => {
    res.json({ rules: WARNING_RULES });
  });

  router.get('/v1/warnings', async (req, res) => {
    const scope = scopeOf(principalOf(req));
    const filter = warningFilter(req);
    const region = narrowed(scope, filter.regionPrefix);
    await supervision.ensureFresh();
    const { regionPrefix: _wanted, ...rest } = filter;
    const page = await supervision.warnings({ ...rest, ...region });
    res.json({ items: page.items, ...(page.next ? { next: `/v1/warnings?${nextQuery(req, page.next)}` } : {}) });
  });

  router.get('/v1/auditors', async (req, res) => {
    const scope = narrowed(scopeOf(principalOf(req)), regionParam(req.query));
    const q = req.query as Record<string, unknown>;
    const limit = pageLimit(q);
    const cursor = single(q, 'cursor');
    if (cursor !== undefined && /[\u0000-\u001f]/.test(cursor))
      throw new ProblemError(400, 'invalid-cursor', 'cursor is not one this server gave out');
    await supervision.ensureFresh();
    const page = await supervision.auditors({ ...scope, limit, ...(cursor ? { after: cursor } : {}) });
    res.json({ items: page.items, ...(page.next ? { next: `/v1/auditors?${nextQuery(req, page.next)}` } : {}) });
  });

  router.get('/v1/auditors/:auditorId', async (req, res) => {
    const scope = scopeOf(principalOf(req));
    await supervision.ensureFresh();
    const detail = await supervision.auditor(String(req.params.auditorId), scope);
    if (!detail) throw new ProblemError(404, 'not-found', 'No audits of this auditor in your jurisdiction');
    res.json(detail);
  });

  router.get('/v1/evaluations', async (req, res) => {
    const scope = scopeOf(principalOf(req));
    const q = req.query as Record<string, unknown>;
    const cursor = single(q, 'cursor');
    const after = cursor === undefined ? undefined : parseEvaluationCursor(cursor);
    if (cursor !== undefined && after === undefined)
      throw new ProblemError(400, 'invalid-cursor', 'cursor is not one this server gave out');
    const limit = pageLimit(q);
    const auditorId = single(q, 'auditorId');
    const certificationId = single(q, 'certificationId');
    const agencyId = single(q, 'agencyId');
    const page = await supervision.evaluations({
      ...scope,
      limit,
      ...(after ? { after } : {}),
      ...(auditorId ? { auditorId } : {}),
      ...(certificationId ? { certificationId } : {}),
      ...(agencyId ? { agencyId } : {}),
    });
    res.json({ items: page.items, ...(page.next ? { next: `/v1/evaluations?${nextQuery(req, page.next)}` } : {}) });
  });

  router.get('/v1/agencies/grades', async (req, res) => {
    const scope = narrowed(scopeOf(principalOf(req)), regionParam(req.query));
    await supervision.ensureFresh();
    res.json({ scope: scope.regionPrefix ?? 'all', items: await supervision.grades(scope) });
  });

  router.get('/v1/enterprises/:creditCode/profile', async (req, res) => {
    const principal = principalOf(req);
    const creditCode = String(req.params.creditCode);
    // The enterprise itself gets its own reduced view (enterpriseOwnProfile), never the regulators' one.
    const own = principal.role === 'enterprise' && principal.creditCode === creditCode;
    const scope = own ? {} : scopeOf(principal);
    await supervision.ensureFresh();
    const profile = await supervision.enterprise(creditCode, scope);
    if (!profile) throw new ProblemError(404, 'not-found', 'No certification of this credit code in your jurisdiction');
    res.json(own ? enterpriseOwnProfile(profile) : profile);
  });

  if (options.writer) {
    const writer = options.writer;
    const regulatorsOnly: RequestHandler = (req, _res, next) => {
      requireRole(principalOf(req), 'regulator', 'admin');
      next();
    };
    router.post('/v1/supervision/events', regulatorsOnly, jsonBody(options.bodyLimit ?? '1mb'), async (req, res) => {
      const who = requireRole(principalOf(req), 'regulator', 'admin');
      const regionCode = who.role === 'regulator' ? who.regionCode : '';
      const body = req.body as { events?: unknown[] } | undefined;
      if (Array.isArray(body?.events)) {
        const results = [];
        for (const [index, item] of body.events.entries()) {
          try {
            const { created, event } = await writer.submit({ id: who.id, regionCode }, item);
            results.push({ index, status: created ? 201 : 200, event: eventView(event, { status: 'pending' }) });
          } catch (error) {
            if (!(error instanceof ProblemError)) throw error;
            results.push({ index, status: error.status, problem: error.toBody() });
          }
        }
        res.json({ stored: results.filter((r) => r.status < 300).length, results });
        return;
      }
      const { created, event } = await writer.submit({ id: who.id, regionCode }, body);
      res
        .status(created ? 201 : 200)
        .location(`/v1/events/${event.eventId}`)
        .json(eventView(event, { status: 'pending' }));
    });
  }

  const page = async (req: Request, res: Response) => {
    let principal = principalOf(req);
    if (principal.role === 'public') principal = options.sessions?.principalOf(req) ?? principal;
    if (principal.role !== 'regulator' && principal.role !== 'admin') {
      res
        .status(principal.role === 'public' ? 401 : 403)
        .type('html')
        .set(PAGE_HEADERS)
        .send(loginPage(principal.role === 'public' ? undefined : NOT_A_REGULATOR, req.originalUrl));
      return;
    }
    const frame = { who: principal.id, filters: shownPageFilters(req) };
    let filters: WarningsFilters;
    let scope: { regionPrefix?: string };
    try {
      filters = checkedPageFilters(req.query);
      scope = narrowed(scopeOf(principal), filters.region);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      const own = principal.role === 'regulator' ? principal.regionCode : 'all';
      res
        .status(error.status)
        .set(PAGE_HEADERS)
        .send(renderRegulatorPage({ ...frame, ...NOTHING_SHOWN, regionCode: own, error: pageErrorOf(error) }));
      return;
    }
    await supervision.ensureFresh();
    const rule = filters.rule;
    const limit = 500;
    const [grades, warnings, counts, evaluatedAt] = await Promise.all([
      supervision.grades(scope),
      supervision.warnings({
        ...scope,
        state: 'open',
        limit,
        mostUrgentFirst: true,
        ...(rule ? { ruleId: rule } : {}),
      }),
      supervision.openWarningCounts(scope),
      supervision.evaluatedAt(),
    ]);
    res.set(PAGE_HEADERS).send(
      renderRegulatorPage({
        ...frame,
        regionCode: scope.regionPrefix ?? 'all',
        ...(evaluatedAt ? { evaluatedAt } : {}),
        grades,
        warnings: warnings.items,
        counts,
        truncated: warnings.next !== undefined,
      }),
    );
  };
  router.get('/regulator/warnings', page);
  // The last router mounted: any other /regulator path is a page that does not exist, shown as one.
  router.use('/regulator', (_req, _res, next) => next(new ProblemError(404, 'not-found', 'No such page')));
  router.use('/regulator', pageErrorHandler('/regulator', options.logger));

  return router;
}

const NOTHING_SHOWN = { grades: [], warnings: [], counts: {}, truncated: false } as const;

/** The page's filters as its form shows them again; a repeated one is not shown (checkedPageFilters refuses it). */
function shownPageFilters(req: Request): WarningsFilters {
  const { rule, region } = req.query;
  return {
    ...(typeof rule === 'string' && rule !== '' ? { rule } : {}),
    ...(typeof region === 'string' && region !== '' ? { region } : {}),
  };
}

/** The page's filters, each given at most once and well formed. */
function checkedPageFilters(query: Record<string, unknown>): WarningsFilters {
  const rule = single(query, 'rule');
  if (rule !== undefined && !WARNING_RULES.some((r) => r.id === rule))
    throw new ProblemError(400, 'invalid-filter', 'rule must be one of W1..W13', { parameter: 'rule' });
  const region = regionParam(query);
  return { ...(rule ? { rule } : {}), ...(region ? { region } : {}) };
}

function nextQuery(req: Request, cursor: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(req.query))
    if (typeof value === 'string' && key !== 'cursor') params.set(key, value);
  params.set('cursor', cursor);
  return params.toString();
}
