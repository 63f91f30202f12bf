/** OpenAPI 3.1 path items of the read side, merged into /openapi.json by the app. */
import { BEARER_SECURITY, HEADERS, jsonResponse as json, problemResponse as problem, schemaRef } from '../openapi';

const str = { type: 'string' };
const date = { type: 'string', format: 'date' };
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: str } } });

const certificateStatus = {
  type: 'string',
  enum: ['valid', 'suspended', 'withdrawn', 'cancelled', 'expired', 'not-issued'],
};
const receipt = {
  type: 'object',
  description: 'Receipt of an event (see GET /v1/events/{eventId}/receipt); `verification` only with ?verify=true',
  properties: {
    eventId: str,
    receiptUrl: str,
    receipt: schemaRef('Receipt'),
    verification: schemaRef('ReceiptVerification'),
  },
};
const certificate = {
  type: 'object',
  properties: {
    certificateNo: str,
    certificationId: str,
    status: {
      ...certificateStatus,
      enum: [...certificateStatus.enum, 'unknown'],
      description:
        "`unknown` only with ?verify=true: the certificate's history did not check against the ledger, or the register's copy does not follow from it (see `history`)",
    },
    history: {
      type: 'object',
      description:
        "Only with ?verify=true (status now) where a ledger is configured: whether the certification's stream checks against the ledger (hashes, chain, anchored digests) and the certificate shown follows from its hashed events",
      properties: { ok: { type: 'boolean' } },
    },
    recordedStatus: {
      type: 'string',
      description: 'the status the last event set; `status` also turns expired by date',
    },
    statusSince: date,
    statusReason: str,
    suspendedUntil: date,
    asOf: date,
    holder: { type: 'object', properties: { name: str, creditCode: str } },
    regionCode: str,
    scheme: { enum: ['QMS', 'EMS', 'OHSMS'] },
    standard: str,
    scope: str,
    sectors: { type: 'array', items: { type: 'integer' } },
    issuedAt: date,
    validUntil: date,
    agency: {
      type: 'object',
      properties: { agencyId: str, name: str, nameEn: str, approvalNo: str, accreditation: { type: 'object' } },
    },
    supersededBy: str,
    qrUrl: str,
    proofs: { type: 'array', items: receipt },
  },
};
const loggedEvent = {
  type: 'object',
  properties: {
    position: { type: 'integer' },
    eventId: str,
    streamId: str,
    certificationId: str,
    type: str,
    version: { type: 'integer' },
    agencyId: str,
    regionCode: str,
    occurredAt: str,
    recordedAt: str,
    hash: str,
    prevHash: str,
    chain: { type: 'object', properties: { ok: { type: 'boolean' }, error: str } },
    anchor: {
      type: 'object',
      properties: {
        status: { enum: ['anchored', 'pending'] },
        batchId: str,
        backend: str,
        transactionId: str,
        blockNumber: { type: 'integer' },
        anchoredAt: { ...str, description: "the ledger's time of anchoring, vouched for by its endorsing peers" },
      },
    },
    summary: str,
    data: { type: 'object' },
    receiptUrl: str,
  },
};
const certificateNoParam = { name: 'certificateNo', in: 'path', required: true, schema: str };
const q = (name: string, description: string, schema: Record<string, unknown> = str) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

export const readOpenApiPaths: Readonly<Record<string, unknown>> = Object.freeze({
  '/v1/certificates': {
    get: {
      summary: 'Search certificates by holder name prefix or unified social credit code',
      tags: ['read'],
      parameters: [
        { ...q('holder', 'name prefix (2+ characters) or an 18-character credit code'), required: true },
        q('limit', 'at most 200', { type: 'integer' }),
      ],
      responses: {
        200: json('Matches; `more: true` when others match too (search with a longer prefix)', {
          type: 'object',
          properties: { items: { type: 'array', items: { type: 'object' } }, more: { type: 'boolean' } },
        }),
        400: problem('No or bad holder'),
      },
    },
  },
  '/v1/certificates/{certificateNo}': {
    get: {
      summary:
        'Certificate authenticity: status now or as of a date, holder, scheme, scope, dates, CB, and the receipts proving the status',
      description:
        'Public. A certificate is `expired` once validUntil has passed even without an event. With asOf: the status, dates, scope and sectors in force that day, proven by the issue, the scope change and the status event then in force; a date before issue answers `not-issued`. Nothing about auditors is returned.',
      tags: ['read'],
      parameters: [
        certificateNoParam,
        q('asOf', 'YYYY-MM-DD: the certificate as it stood at the end of that day', date),
        q('verify', 'true: also check each receipt', { enum: ['true', 'false'] }),
      ],
      responses: {
        200: json('The certificate', certificate),
        400: problem('Bad asOf'),
        404: problem('No such certificate'),
        503: problem(
          'registry-catching-up: the register is being rebuilt (far behind the log) and the certificate is not back yet; Retry-After says when to ask again',
        ),
      },
    },
  },
  '/v1/certificates/{certificateNo}/qr': {
    get: {
      summary: 'QR code opening the verification page (/verify/{token})',
      description:
        'The token is the certificate number with an HMAC under a server secret: it cannot be made without the secret, and leaking it reveals only public data.',
      tags: ['read'],
      parameters: [certificateNoParam, q('format', 'png (default) or svg', { enum: ['png', 'svg'] })],
      responses: {
        200: {
          description: 'The QR code',
          content: { 'image/png': { schema: { type: 'string', format: 'binary' } }, 'image/svg+xml': { schema: str } },
        },
        400: problem('format is neither png nor svg'),
        404: problem('No such certificate'),
      },
    },
  },
  '/verify/{token}': {
    get: {
      summary: 'Verification page (HTML, Chinese and English) a certificate QR code opens',
      description:
        'Server-rendered, no JavaScript: status banner (colour, icon and words) for valid, replaced (a valid certificate a newer one of its certification replaced: supersededBy), suspended, withdrawn, cancelled, expired or unknown; holder, scope, dates, CB; block, transaction and the result of checking the receipt.',
      tags: ['read'],
      parameters: [{ name: 'token', in: 'path', required: true, schema: str }],
      responses: {
        200: htmlPage('The page'),
        404: htmlPage('Page with status unknown'),
        503: htmlPage('"Try again shortly": the register is being rebuilt and the certificate is not back yet'),
      },
    },
  },
  '/v1/certifications/{certificationId}/trace': {
    get: {
      summary: 'Traceability: every step of a certification with its hash, chain check and anchor status',
      description:
        "Owning agency, regulator of the client region, admin, or the holder enterprise (creditCode). Others get 404. The holder enterprise reads the steps without the auditors' registration numbers, check-ins, photos and recordings and the decision maker's person id; such a step is marked redacted: true (its data no longer hashes to hash) and its receipt comes without canonical.",
      tags: ['read'],
      security: BEARER_SECURITY,
      parameters: [
        { name: 'certificationId', in: 'path', required: true, schema: str },
        q('receipts', "true: embed each step's full receipt", { enum: ['true', 'false'] }),
      ],
      responses: {
        200: json('The trace', {
          type: 'object',
          properties: {
            certificationId: str,
            agencyId: str,
            regionCode: str,
            holder: { type: 'object' },
            currentCertificate: { type: 'object' },
            chainIntact: { type: 'boolean' },
            steps: { type: 'array', items: loggedEvent },
          },
        }),
        401: problem('No bearer token'),
        404: problem('No such certification, or not yours to read'),
      },
    },
  },
  '/v1/audit-trail': {
    get: {
      summary:
        "Events in the caller's jurisdiction (regulator: its region prefix; admin: all), oldest first, by cursor",
      tags: ['read'],
      security: BEARER_SECURITY,
      parameters: [
        q('region', 'narrow to a region prefix inside your jurisdiction'),
        q('agencyId', 'CB approval number'),
        q('certificationId', 'one certification'),
        q('type', 'event type'),
        q('from', 'date (China time) or ISO time, inclusive'),
        q('to', 'date (inclusive, China time) or ISO time (exclusive)'),
        q('cursor', 'from the previous page'),
        q('limit', 'JSON: 1-1000 (100); CSV: 1-10000 (100)', { type: 'integer' }),
        q('format', 'json (default) or csv', { enum: ['json', 'csv'] }),
      ],
      responses: {
        200: {
          description: 'A page; the next cursor is in `next` and in the Link header',
          headers: HEADERS.link,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  jurisdiction: str,
                  items: { type: 'array', items: loggedEvent },
                  next: { type: ['string', 'null'] },
                },
              },
            },
            'text/csv': { schema: str },
          },
        },
        400: problem('Bad filter or cursor'),
        401: problem('No bearer token'),
        403: problem('Not a regulator or admin, or region outside the jurisdiction'),
      },
    },
  },
  '/regulator': {
    get: {
      summary:
        'Regulator page: the audit trail as a timeline (HTML), each event marked anchored or pending and chain-checked',
      description:
        'Sign in once through the form (POST /regulator/login with the bearer token); the page then keeps a signed 8-hour session (not the token) in an HttpOnly SameSite=Strict cookie scoped to /regulator. An Authorization header works too. Same filters as /v1/audit-trail.',
      tags: ['read'],
      responses: {
        200: htmlPage('Timeline'),
        400: htmlPage('Timeline with the refused filter named'),
        401: htmlPage('Sign-in form'),
        403: htmlPage(
          'Sign-in form: the token or session is not a regulator’s or an admin’s, or the region lies outside it',
        ),
      },
    },
  },
  '/regulator/login': {
    get: {
      summary: 'The sign-in address opened or reloaded in a browser: redirects to the page (the form is on the pages)',
      tags: ['read'],
      parameters: [q('returnTo', 'a path of the regulator pages; /regulator when absent or elsewhere')],
      responses: { 303: { description: 'Redirect to returnTo', headers: HEADERS.location } },
    },
    post: {
      summary: 'Sign in to the regulator page with a token (form field `token`)',
      tags: ['read'],
      requestBody: {
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              properties: { token: str, returnTo: { ...str, description: 'the regulator page to return to' } },
              required: ['token'],
            },
          },
        },
      },
      responses: {
        303: { description: 'Signed in: cookie set, redirect to returnTo (/regulator)', headers: HEADERS.location },
        401: htmlPage('Refused'),
        403: htmlPage('Posted from another site: an error page'),
      },
    },
  },
  '/regulator/logout': {
    post: {
      summary: 'Sign out of the regulator page',
      tags: ['read'],
      responses: {
        303: { description: 'Cookie cleared, redirect to /regulator', headers: HEADERS.location },
        403: htmlPage('Posted from another site: an error page'),
      },
    },
  },
  '/v1/agencies': {
    get: {
      summary:
        'Public disclosure of certification bodies: approval number, accreditation, schemes and certificate counts by status',
      tags: ['read'],
      responses: {
        200: json('Agencies', {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  agencyId: str,
                  name: str,
                  approvalNo: str,
                  approvedUntil: date,
                  accreditation: { type: 'object' },
                  schemes: { type: 'array', items: str },
                  known: { type: 'boolean' },
                  certificates: {
                    type: 'object',
                    properties: {
                      valid: { type: 'integer' },
                      suspended: { type: 'integer' },
                      withdrawn: { type: 'integer' },
                      cancelled: { type: 'integer' },
                      expired: { type: 'integer' },
                    },
                  },
                },
              },
            },
          },
        }),
      },
    },
  },
});
