/** OpenAPI 3.1 path items for the supervision routes (merged into /openapi.json by the app). */
import { BEARER_SECURITY, HEADERS, jsonResponse, problemResponse, schemaRef } from '../openapi';
const problem = problemResponse();
const noToken = problemResponse('No bearer token');
const notSupervisor = problemResponse('Not a regulator or admin, or region outside the jurisdiction');
const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
/** The lists that page: how many at a time, and the cursor a `next` link carries. */
const PAGE_PARAMETERS = [q('limit', '1..1000, default 100', { type: 'integer' }), q('cursor', 'from `next`')];

const md5Params = [
  q('scheme', 'QMS, EMS or OHSMS', { type: 'string', enum: ['QMS', 'EMS', 'OHSMS'] }),
  q('complexity', 'EMS: high, medium, low, limited; OHSMS: high, medium, low', {
    type: 'string',
    enum: ['high', 'medium', 'low', 'limited'],
  }),
  q('effectivePersonnel', 'effective personnel, whole number ≥ 1 (alias: personnel)', { type: 'integer', minimum: 1 }),
  q('audit', 'initial (stage 1 + stage 2), surveillance or recertification', {
    type: 'string',
    enum: ['initial', 'surveillance', 'recertification'],
  }),
  q('reduction', 'justified reduction as a fraction of the table value; capped at 0.3', {
    type: 'number',
    minimum: 0,
    maximum: 1,
  }),
  q('rounding', 'nearest (default) or up, to half days', { type: 'string', enum: ['nearest', 'up'] }),
];
const md1Params = [
  q('sites', 'all sites, the central function included', { type: 'integer', minimum: 1 }),
  q('audit', 'initial, surveillance or recertification', {
    type: 'string',
    enum: ['initial', 'surveillance', 'recertification'],
  }),
  q('samplingAllowed', 'false where IAF MD1 does not allow sampling', { type: 'boolean' }),
];
const page = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});

/** A calculator's JSON body is read as every JSON body of the API: at most 16 KiB, application/json only. */
const CALCULATOR_POST_RESPONSES = {
  200: json('as GET'),
  400: problem,
  413: problemResponse('The body is larger than 16 KiB'),
  415: problemResponse('Not application/json in UTF-8'),
  422: problem,
};

export const supervisionOpenApiPaths: Readonly<Record<string, unknown>> = Object.freeze({
  '/v1/calculators/audit-time': {
    get: {
      summary: 'IAF MD5 audit time: the table row used, the adjustments, the days and the 30% floor (anyone)',
      parameters: md5Params,
      responses: {
        200: json('inputs echoed, row, days, minimumDays, notes'),
        400: problem,
        422: { ...problem, description: 'impossible input: md5-ohsms-limited, md5-invalid-personnel' },
      },
    },
    post: {
      summary: 'The same with a JSON body { scheme, complexity, effectivePersonnel, audit, reduction, rounding }',
      requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
      responses: CALCULATOR_POST_RESPONSES,
    },
  },
  '/v1/calculators/sample-size': {
    get: {
      summary: 'IAF MD1 multi-site sample size (anyone)',
      parameters: md1Params,
      responses: { 200: json('inputs echoed, sampleSize, minimumRandom, formula'), 400: problem, 422: problem },
    },
    post: {
      summary: 'The same with a JSON body { sites, audit, samplingAllowed }',
      requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
      responses: CALCULATOR_POST_RESPONSES,
    },
  },
  '/v1/warnings': {
    get: {
      summary:
        "Early warnings W1–W13 (domain.md §7) in the caller's jurisdiction (regulator: its region prefix; admin: all)",
      security: BEARER_SECURITY,
      parameters: [
        q('rule', 'W1..W13'),
        q('kind', 'the finding within the rule, e.g. auditor-overlap'),
        q('severity', 'high, medium, low'),
        q('state', 'open (default), cleared, all'),
        q('agencyId', 'the CB answerable (docs/supervision.md): not always the one holding the certification now'),
        q('certificationId', ''),
        q('creditCode', ''),
        q('auditorId', ''),
        q('region', 'a narrower region prefix'),
        q('from', 'raised at or after: an ISO 8601 time with offset, or a date (from its start, China time)'),
        q('to', 'raised before: an ISO 8601 time with offset (exclusive), or a date (inclusive, China time)'),
        ...PAGE_PARAMETERS,
      ],
      responses: { 200: json('{ items: Warning[], next? }'), 400: problem, 401: noToken, 403: notSupervisor },
    },
  },
  '/v1/warnings/rules': {
    get: {
      summary:
        'The warning rules: id, mirrored ledger rule, title, severity, time-based, and the kinds of finding each raises',
      responses: { 200: json('{ rules }') },
    },
  },
  '/v1/auditors': {
    get: {
      summary: 'Auditors with audits in the jurisdiction (regulators, admin), by id',
      security: BEARER_SECURITY,
      parameters: [q('region', 'a narrower region prefix'), ...PAGE_PARAMETERS],
      responses: { 200: json('{ items, next? }'), 400: problem, 401: noToken, 403: notSupervisor },
    },
  },
  '/v1/auditors/{auditorId}': {
    get: {
      summary:
        'One auditor: audits with dates, places and roles; anomalies (overlaps, check-ins, registration, sectors); ratings',
      security: BEARER_SECURITY,
      parameters: [{ name: 'auditorId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 200: json('AuditorDetail'), 401: noToken, 403: notSupervisor, 404: problem },
    },
  },
  '/v1/evaluations': {
    get: {
      summary: 'Ratings of auditors by the client, the team leader and the decision reviewer (AuditTeamEvaluated)',
      security: BEARER_SECURITY,
      parameters: [
        q('auditorId', ''),
        q('certificationId', ''),
        q('agencyId', 'the CB that ran the audit rated'),
        ...PAGE_PARAMETERS,
      ],
      responses: { 200: json('{ items: Evaluation[], next? }'), 400: problem, 401: noToken, 403: notSupervisor },
    },
  },
  '/v1/agencies/grades': {
    get: {
      summary:
        "A–D grade per CB from the jurisdiction's warnings, reporting timeliness and evaluations, with every deduction explained",
      security: BEARER_SECURITY,
      parameters: [q('region', 'a narrower region prefix')],
      responses: { 200: json('{ scope, items: AgencyGrade[] }'), 400: problem, 401: noToken, 403: notSupervisor },
    },
  },
  '/v1/enterprises/{creditCode}/profile': {
    get: {
      summary:
        "Enterprise quality profile: certificates, spot checks and complaints of the caller's region, open warnings (regulators, admin); the enterprise itself reads a reduced view (certificates, spot-check dates and results, complaint counts, no warnings)",
      security: BEARER_SECURITY,
      parameters: [{ name: 'creditCode', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: json('EnterpriseProfile, or EnterpriseOwnProfile for the enterprise itself'),
        401: noToken,
        403: problemResponse('Neither the enterprise itself nor a regulator or admin'),
        404: problem,
      },
    },
  },
  '/v1/supervision/events': {
    post: {
      summary:
        'Regulators record SpotCheckRecorded, ComplaintRecorded, WithdrawalTriggerRecorded, AuditTeamEvaluated in supervision-{caseId} streams',
      security: BEARER_SECURITY,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              anyOf: [
                schemaRef('SupervisionSubmission'),
                {
                  type: 'object',
                  required: ['events'],
                  properties: { events: { type: 'array', items: schemaRef('SupervisionSubmission') } },
                },
              ],
            },
          },
        },
      },
      responses: {
        200: jsonResponse(
          'The same eventId with the same body was stored before (Location), or a result per event of { events }',
          { oneOf: [schemaRef('Event'), schemaRef('SupervisionBulkResult')] },
          HEADERS.location,
        ),
        201: jsonResponse('Stored; the anchor is pending', schemaRef('Event'), HEADERS.location),
        400: problem,
        401: noToken,
        403: problemResponse(
          'Not a regulator or admin, or not the writer who opened the case, or (outside-jurisdiction) the certification, certificate or credit code the event names has no client in your jurisdiction',
        ),
        404: problemResponse('No such case in your jurisdiction'),
        409: problem,
        413: problem,
        415: problem,
        422: problemResponse(
          'Among others, unknown-subject: the ledger holds no certification of the certificationId, certificateNo or creditCode named',
        ),
        503: problemResponse(
          'The store is unavailable, or (subjects-catching-up) the index of certifications has not read the log far enough to find what the event names; retry',
        ),
      },
    },
  },
  '/regulator/warnings': {
    get: {
      summary:
        "Server-rendered page: grades and open warnings of the regulator's jurisdiction (bearer header or sign-in cookie)",
      responses: {
        200: page('Grades and open warnings'),
        400: page('The page with the refused filter named'),
        401: page('Sign-in form'),
        403: page('Sign-in form: not a regulator or admin, or the region lies outside the jurisdiction'),
      },
    },
  },
});
