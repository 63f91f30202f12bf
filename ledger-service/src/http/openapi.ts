import protobuf from 'protobufjs';
import { CERTIFICATION_EVENT_TYPES, EVENT_TYPES, payloadTypeOf, SUPERVISION_EVENT_TYPES } from '../events/schema';
import { CERTIFICATION_ID } from '../events/validate';
import { RECEIPT_CHECKS } from '../anchoring/receipts';

type JsonSchema = Record<string, unknown>;

const SCALARS: Record<string, JsonSchema> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  double: { type: 'number' },
  float: { type: 'number' },
  bytes: { type: 'string', contentEncoding: 'base64' },
};
const FORMATS: Record<string, JsonSchema> = {
  date: { format: 'date' },
  datetime: { format: 'date-time' },
  uuid: { format: 'uuid' },
  sha256: { pattern: '^[0-9a-f]{64}$' },
  creditCode: { pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$', description: 'GB 32100-2015 unified social credit code (R1)' },
  regionCode: { pattern: '^\\d{6}$', description: 'GB/T 2260 administrative division code' },
  agencyId: { pattern: '^CNCA-RF?-\\d{4}-\\d{3}$' },
  sector: { minimum: 1, maximum: 39, description: 'IAF/EA sector code' },
  certificationId: { pattern: CERTIFICATION_ID.source },
};

function option(field: protobuf.Field, name: string): unknown {
  return field.options?.[`(${name})`];
}

function fieldSchema(field: protobuf.Field, refs: Set<protobuf.Type>): JsonSchema {
  let schema: JsonSchema;
  if (field.resolvedType instanceof protobuf.Type) {
    refs.add(field.resolvedType);
    schema = { $ref: `#/components/schemas/${field.resolvedType.name}` };
  } else if (field.resolvedType instanceof protobuf.Enum) {
    schema = {
      type: 'string',
      enum: Object.keys(field.resolvedType.values).filter((name) => !name.endsWith('_UNSPECIFIED')),
    };
  } else {
    schema = { ...(SCALARS[field.type] ?? { type: 'integer', minimum: field.type.startsWith('u') ? 0 : undefined }) };
  }
  const format = option(field, 'format');
  if (typeof format === 'string') schema = { ...schema, ...FORMATS[format] };
  const min = option(field, 'min');
  const max = option(field, 'max');
  if (typeof min === 'number') schema.minimum = min;
  if (typeof max === 'number') schema.maximum = max;
  const maxLength = option(field, 'max_length');
  if (field.repeated) {
    const array: JsonSchema = { type: 'array', items: schema };
    if (typeof maxLength === 'number') array.maxItems = maxLength;
    const minItems = option(field, 'min_items');
    if (typeof minItems === 'number') array.minItems = minItems;
    return array;
  }
  if (typeof maxLength === 'number') schema.maxLength = maxLength;
  if (option(field, 'set_by_ledger') === true)
    schema = {
      ...schema,
      readOnly: true,
      description:
        'Set by the ledger, never by the submitter: a submission that sets it is refused (400, set-by-ledger)',
    };
  return schema;
}

function messageSchema(type: protobuf.Type, refs: Set<protobuf.Type>): JsonSchema {
  const required = type.fieldsArray.filter((field) => option(field, 'required') === true).map((field) => field.name);
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(type.fieldsArray.map((field) => [field.name, fieldSchema(field, refs)])),
    ...(required.length > 0 ? { required } : {}),
  };
}

/** JSON Schemas of every payload, certification and supervision, derived from the .proto files so that they cannot drift apart. */
export function payloadSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  const pending = new Set<protobuf.Type>(EVENT_TYPES.map((type) => payloadTypeOf(type)));
  const done = new Set<protobuf.Type>();
  while (pending.size > 0) {
    const [type] = pending;
    pending.delete(type!);
    if (done.has(type!)) continue;
    done.add(type!);
    const refs = new Set<protobuf.Type>();
    schemas[type!.name] = messageSchema(type!, refs);
    for (const ref of refs) if (!done.has(ref)) pending.add(ref);
  }
  return schemas;
}

/** The security requirement of every path that needs a bearer token: one scheme name for all parts of the document. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];

/** A reference to a schema of the document's components. */
export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** Problem details (RFC 9457), the body of every error. */
export const problemResponse = (description = 'Problem details (RFC 9457)') => ({
  description,
  content: { 'application/problem+json': { schema: schemaRef('Problem') } },
});

export const jsonResponse = (description: string, schema: JsonSchema, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});

/** The response headers the parts name: `Location` of what was stored or where to go, `Link` to the next page. */
export const HEADERS = {
  location: { Location: { $ref: '#/components/headers/Location' } },
  link: { Link: { $ref: '#/components/headers/Link' } },
};

function headerComponents(): Record<string, unknown> {
  return {
    RequestId: {
      description:
        "The request's id: the caller's x-request-id when it is 1-128 characters of [A-Za-z0-9._-], else a new UUID. The service's log line of the request carries it.",
      schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
    },
    Location: {
      description: 'Where the stored event is read (/v1/events/{eventId}), or where a redirect leads',
      schema: { type: 'string' },
    },
    Link: {
      description: 'The next page, `<…?cursor=…>; rel="next"`, when there is one',
      schema: { type: 'string' },
    },
  };
}

const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const uuid = { type: 'string', format: 'uuid' };
const dateTime = { type: 'string', format: 'date-time' };

/** A submission of one event of `types`: its payload schema is the one named after its type. */
function submissionSchema(types: readonly string[], fields: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'object',
    required: ['eventId', 'type', 'occurredAt', 'data'],
    properties: {
      eventId: { ...uuid, description: 'Chosen by the submitter; the idempotency key' },
      type: { type: 'string', enum: [...types] },
      occurredAt: dateTime,
      ...fields,
      data: { type: 'object', description: "The type's payload: the schema named after the type" },
    },
    // Tied to the type rather than oneOf: several types share a payload shape ({ reason }), and
    // oneOf would refuse a body that matches more than one of them.
    allOf: types.map((type) => ({
      if: { properties: { type: { const: type } }, required: ['type'] },
      then: { properties: { data: schemaRef(type) } },
    })),
  };
}

function submissionSchemas(): Record<string, JsonSchema> {
  return {
    EventSubmission: submissionSchema(CERTIFICATION_EVENT_TYPES, {
      expectedVersion: {
        type: 'integer',
        minimum: -1,
        description: "Version of the stream's last event; -1: the stream must not exist",
      },
    }),
    BulkSubmission: {
      type: 'object',
      required: ['events'],
      properties: {
        events: {
          type: 'array',
          maxItems: 10000,
          items: {
            allOf: [
              schemaRef('EventSubmission'),
              { type: 'object', required: ['certificationId'], properties: { certificationId: { type: 'string' } } },
            ],
          },
        },
      },
    },
    SupervisionSubmission: submissionSchema(SUPERVISION_EVENT_TYPES, {
      caseId: {
        type: 'string',
        pattern: CERTIFICATION_ID.source,
        description: 'The case, stream supervision-{caseId}; the eventId when left out',
      },
    }),
  };
}

const ANCHOR_STATUS: JsonSchema = {
  description:
    "Where the event's digest is on the ledger. rejected: the ledger refused its batch (code says why) and it will not be anchored; unknown: the anchor store could not be read just now, the event is stored all the same",
  oneOf: [
    { type: 'object', required: ['status'], properties: { status: { const: 'pending' } } },
    {
      type: 'object',
      required: ['status', 'backend', 'batchId', 'transactionId', 'blockNumber'],
      properties: {
        status: { const: 'anchored' },
        backend: { type: 'string' },
        batchId: { type: 'string' },
        transactionId: { type: 'string' },
        blockNumber: { type: 'integer' },
      },
    },
    {
      type: 'object',
      required: ['status', 'batchId'],
      properties: {
        status: { const: 'rejected' },
        batchId: { type: 'string' },
        code: { type: 'string', description: "The ledger's refusal code (CL_…)" },
      },
    },
    { type: 'object', required: ['status'], properties: { status: { const: 'unknown' } } },
  ],
};

const EVENT_PROPERTIES: Record<string, JsonSchema> = {
  eventId: uuid,
  certificationId: { type: 'string' },
  type: { type: 'string' },
  version: { type: 'integer', minimum: 0 },
  position: { type: 'integer' },
  agencyId: { type: 'string' },
  occurredAt: dateTime,
  recordedAt: dateTime,
  data: {
    type: 'object',
    description:
      "The type's payload (the schema named after the type). A supervision event's carries `filing`: the region it is filed under, its writer's (`regionCode` left out for an admin: every region), set by the ledger and covered by the hash; events written before the ledger recorded it have none",
  },
  hash: sha256,
  prevHash: sha256,
};

/** An object of these fields of the event envelope, all of them present. */
function envelopeOf(fields: readonly string[], more: Record<string, JsonSchema> = {}): JsonSchema {
  return {
    type: 'object',
    required: [...fields],
    properties: { ...Object.fromEntries(fields.map((field) => [field, EVENT_PROPERTIES[field]!])), ...more },
  };
}

/** A result of a bulk request: the stored event (`event`), or why it was refused (`problem`). */
function bulkResult(event: JsonSchema): JsonSchema {
  return {
    oneOf: [
      {
        type: 'object',
        required: ['index', 'status', 'event'],
        properties: { index: { type: 'integer', minimum: 0 }, status: { enum: [200, 201] }, event },
      },
      {
        type: 'object',
        required: ['index', 'status', 'problem'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          status: { type: 'integer', minimum: 400 },
          problem: schemaRef('Problem'),
        },
      },
    ],
  };
}

function eventSchemas(): Record<string, JsonSchema> {
  return {
    Event: envelopeOf(Object.keys(EVENT_PROPERTIES), { anchor: schemaRef('AnchorStatus') }),
    AnchorStatus: ANCHOR_STATUS,
    CertificationStream: {
      type: 'object',
      required: ['certificationId', 'version', 'events'],
      properties: {
        certificationId: { type: 'string' },
        version: { type: 'integer', minimum: 0, description: "The last event's version" },
        events: { type: 'array', items: schemaRef('Event') },
      },
    },
    StoredEventSummary: {
      description: 'A stored event without its payload: enough to find it and check its chain',
      ...envelopeOf(['eventId', 'certificationId', 'type', 'version', 'position', 'recordedAt', 'hash', 'prevHash']),
    },
    BulkResult: {
      type: 'object',
      required: ['stored', 'refused', 'results'],
      properties: {
        stored: { type: 'integer', minimum: 0 },
        refused: { type: 'integer', minimum: 0 },
        results: {
          type: 'array',
          description: 'One per submitted event, in order',
          items: bulkResult(schemaRef('StoredEventSummary')),
        },
      },
    },
    SupervisionBulkResult: {
      type: 'object',
      required: ['stored', 'results'],
      properties: {
        stored: { type: 'integer', minimum: 0 },
        results: {
          type: 'array',
          description: 'One per submitted event, in order',
          items: bulkResult(schemaRef('Event')),
        },
      },
    },
  };
}

function receiptSchemas(): Record<string, JsonSchema> {
  return {
    Receipt: {
      type: 'object',
      description:
        "Proof that an event is anchored. pending: the event only; anchored: its RFC 6962 audit path to the batch root and where that root is on the ledger; rejected: the ledger refused the event's batch (`rejection`: its code) and it will not be anchored",
      required: ['receiptVersion', 'status', 'eventId', 'streamId', 'position', 'hash', 'canonical'],
      properties: {
        receiptVersion: { const: 1 },
        status: { enum: ['pending', 'anchored', 'rejected'] },
        eventId: uuid,
        streamId: { type: 'string' },
        position: { type: 'integer' },
        hash: sha256,
        canonical: {
          type: 'string',
          contentEncoding: 'base64',
          description: "The event's canonical bytes: hash is their SHA-256",
        },
        leafIndex: { type: 'integer', minimum: 0 },
        treeSize: { type: 'integer', minimum: 1 },
        path: {
          type: 'array',
          items: sha256,
          description: 'Audit path, leaf to root; leaf = SHA-256(0x00 ‖ hash bytes)',
        },
        root: sha256,
        batchId: { type: 'string' },
        backend: { enum: ['fabric', 'embedded'] },
        channel: { type: 'string' },
        chaincode: { type: 'string' },
        transactionId: { type: 'string' },
        blockNumber: { type: 'integer', minimum: 0 },
        anchoredAt: {
          ...dateTime,
          description: "The anchoring transaction's time, vouched for by every endorsing peer",
        },
        rejection: { type: 'string', description: "The ledger's refusal code (CL_…)" },
      },
      allOf: [
        {
          if: { properties: { status: { const: 'anchored' } } },
          then: {
            required: ['leafIndex', 'treeSize', 'path', 'root', 'batchId', 'backend', 'transactionId', 'blockNumber'],
          },
        },
        { if: { properties: { status: { const: 'rejected' } } }, then: { required: ['batchId'] } },
      ],
    },
    ReceiptVerification: {
      type: 'object',
      required: ['ok', 'status', 'checks'],
      properties: {
        ok: {
          type: 'boolean',
          description: 'The receipt is anchored and every check passed, those against the ledger included',
        },
        status: { enum: ['pending', 'anchored', 'rejected'] },
        checks: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'ok'],
            properties: {
              name: { enum: RECEIPT_CHECKS },
              ok: { type: 'boolean' },
              detail: { type: 'string' },
            },
          },
        },
        ledgerUnavailable: {
          type: 'string',
          description:
            'Present when the ledger could not be reached: its checks were not made (ok is false), the offline ones were',
        },
        offlineOnly: {
          const: true,
          description:
            'Present when no ledger is configured to ask: only the offline checks were made, and ok is false (anyone can make up a receipt consistent with itself)',
        },
        blockNotConfirmed: {
          type: 'string',
          description:
            "Present when the ledger asked holds the batch but cannot serve the block of its transaction (a Fabric peer that joined the channel from a snapshot): the ledger's words. The receipt's blockNumber is then its own claim, not confirmed; ok can still be true, as ledger-batch confirms the transaction, its time and root",
        },
      },
    },
  };
}

function serviceSchemas(): Record<string, JsonSchema> {
  return {
    Problem: {
      type: 'object',
      required: ['type', 'title', 'status', 'code'],
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        code: { type: 'string', description: 'Stable machine-readable code' },
        detail: { type: 'string' },
        instance: { type: 'string', description: 'The path of the request' },
        rule: { type: 'string', description: 'The violated rule (R1..R16) for 422' },
        errors: {
          type: 'array',
          description:
            'Each thing wrong with a submitted event (invalid-event, invalid-payload, a rule a payload field breaks), in order',
          items: {
            type: 'object',
            required: ['path', 'code', 'message'],
            properties: {
              path: {
                type: 'string',
                description:
                  "A dotted path inside the event's JSON; payload fields start with data. (data.scope, data.evidence[0].size, data.certificationId; the payload as a whole is data), envelope fields do not (eventId, occurredAt, certificationId). In a bulk result, inside that event of events[]",
                examples: ['data.scope', 'data.evidence[0].size', 'occurredAt'],
              },
              code: { type: 'string', description: 'Stable machine-readable code of this issue' },
              message: { type: 'string' },
              rule: { type: 'string', description: 'The rule (R1..R16) the value breaks' },
            },
          },
        },
      },
      additionalProperties: { description: 'Extension members of the code (e.g. firstIndex, maxEvents)' },
    },
    Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
    Readiness: {
      type: 'object',
      required: ['status', 'checks'],
      properties: {
        status: { enum: ['ready', 'degraded', 'not-ready'] },
        checks: {
          type: 'object',
          description:
            'One per dependency: eventStore (essential) and each part (anchoring with the ledger backend, read side, supervision, log heads)',
          additionalProperties: {
            type: 'object',
            required: ['ok'],
            properties: {
              ok: { type: 'boolean' },
              essential: { type: 'boolean', description: 'Failing, it makes the service not ready' },
              detail: {
                type: 'string',
                description:
                  "What the check found, in the service's own words; a check that failed with an error says so in a fixed phrase, the error being in the log",
              },
              alarm: {
                type: 'object',
                description:
                  'A known cause of the failure under a stable code, with its facts. `ANCHORING_STALLED`: the ledger keeps refusing a batch as holding its events already (CL_EVENT_ALREADY_ANCHORED) while its queries show none of them to take over; facts batchId, agencyId, ledgerCode, attempts, since (ISO time of the first such answer), stalledBatches. The batch is still retried.',
                required: ['code'],
                properties: { code: { type: 'string' } },
                additionalProperties: { type: ['string', 'number'] },
              },
            },
          },
        },
      },
    },
  };
}

function corePaths(): Record<string, unknown> {
  const certificationId = {
    name: 'certificationId',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: CERTIFICATION_ID.source },
  };
  const eventId = { name: 'eventId', in: 'path', required: true, schema: uuid };
  const noToken = problemResponse('No bearer token');
  const outOfReachEvent =
    "No such event, or one outside the caller's reach (another CB's, another region's; an enterprise's, read through /trace)";
  return {
    '/v1/certifications/{certificationId}/events': {
      post: {
        summary: 'Submit one certification event (agency)',
        security: BEARER_SECURITY,
        parameters: [certificationId],
        requestBody: { required: true, content: { 'application/json': { schema: schemaRef('EventSubmission') } } },
        responses: {
          '201': jsonResponse('Stored; the anchor is pending', schemaRef('Event'), HEADERS.location),
          '200': jsonResponse(
            'The same eventId with the same body was stored before',
            schemaRef('Event'),
            HEADERS.location,
          ),
          '400': problemResponse('Not a JSON object (an empty body included), or not a valid event'),
          '401': noToken,
          '403': problemResponse('Not an agency'),
          '409': problemResponse(),
          '413': problemResponse(),
          '415': problemResponse(),
          '422': problemResponse(),
          '503': problemResponse(),
        },
      },
      get: {
        summary: 'The certification stream with hashes (owning agency, regulator of the region, admin)',
        security: BEARER_SECURITY,
        parameters: [certificationId],
        responses: {
          '200': jsonResponse('The stream', schemaRef('CertificationStream')),
          '401': noToken,
          '403': problemResponse(),
          '404': problemResponse(),
          '503': problemResponse(),
        },
      },
    },
    '/v1/events': {
      post: {
        summary: "Bulk intake: each certification's events are stored all or none",
        security: BEARER_SECURITY,
        requestBody: { required: true, content: { 'application/json': { schema: schemaRef('BulkSubmission') } } },
        responses: {
          '200': jsonResponse('A result per event, in order', schemaRef('BulkResult')),
          '400': problemResponse(),
          '401': noToken,
          '403': problemResponse('Not an agency'),
          '413': problemResponse(),
          '415': problemResponse(),
          '503': problemResponse(),
        },
      },
    },
    '/v1/events/{eventId}': {
      get: {
        summary: 'One event',
        security: BEARER_SECURITY,
        parameters: [eventId],
        responses: {
          '200': jsonResponse('The event', schemaRef('Event')),
          '401': noToken,
          '404': problemResponse(outOfReachEvent),
          '503': problemResponse(),
        },
      },
    },
    '/v1/events/{eventId}/receipt': {
      get: {
        summary: 'Proof that the event is anchored (public for certificate events)',
        parameters: [eventId],
        responses: {
          '200': jsonResponse('The receipt', schemaRef('Receipt')),
          '401': problemResponse('No bearer token, for an event that is not a certificate event'),
          '404': problemResponse(outOfReachEvent),
          '503': problemResponse(),
        },
      },
    },
    '/healthz': {
      get: { summary: 'The process is up', responses: { '200': jsonResponse('Up', schemaRef('Health')) } },
    },
    '/readyz': {
      get: {
        summary: 'The event store and ledger backend answer',
        description:
          'Each check of the service, with `status`: `ready` when all pass; `degraded` (still 200) when only a background part fails (anchoring or read models lagging, workers restarting); `not-ready` (503) when the event store or the ledger backend does not answer.',
        responses: {
          '200': jsonResponse('Ready or degraded', schemaRef('Readiness')),
          '503': jsonResponse('Not ready', schemaRef('Readiness')),
        },
      },
    },
    '/metrics': {
      get: {
        summary: "The operators' metrics, in the Prometheus text exposition format (admins)",
        description:
          "Figures the parts already know, from wherever they run (this thread, the workers thread, the primary's workers under LEDGER_API_PROCESSES): anchor lag and counters, the event store's head, the read models' lag, the answer cache's hits and misses, the age of the early warnings' evaluation, the signed log head's tree size. A part or thread that does not answer within 2 s is left out, and `certledger_metrics_part_up{part}` is 0 for it. Admins only, unless LEDGER_METRICS_ACCESS=public.",
        security: BEARER_SECURITY,
        responses: {
          '200': {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
          },
          '401': problemResponse('No bearer token'),
          '403': problemResponse('Not an admin'),
        },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': jsonResponse('OpenAPI 3.1', { type: 'object' }) } },
    },
  };
}

type Json = Record<string, any>;
const OPERATIONS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
const BAD_TOKEN = 'a malformed, unknown or revoked bearer token is refused on every route, public ones included';

/** The app refuses a bad token before any route: whatever a part says of 401, a problem answers that too. */
function unauthenticated(declared: Json | undefined): Json {
  return {
    description: declared
      ? `${declared.description as string}; ${BAD_TOKEN}`
      : `A bearer token is not required, but ${BAD_TOKEN}`,
    content: { ...declared?.content, ...problemResponse().content },
  };
}

/** What every operation answers, whichever part serves it: 401 to a bad token, x-request-id on every response. */
function withCommonAnswers(operation: Json): Json {
  const responses: Json = { ...operation.responses, 401: unauthenticated(operation.responses?.['401']) };
  for (const [status, response] of Object.entries(responses)) {
    responses[status] = {
      ...response,
      headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' }, ...response.headers },
    };
  }
  return { ...operation, responses };
}

function everyOperation(paths: Json, change: (operation: Json) => Json): Json {
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item as Json).map(([key, value]) => [key, OPERATIONS.has(key) ? change(value as Json) : value]),
      ),
    ]),
  );
}

export function openApiDocument(extraPaths: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Certification ledger',
      version: '1.0.0',
      description:
        'Tamper-evident ledger of management-system certification events, anchored in Hyperledger Fabric.\n\n' +
        'Every error is application/problem+json (RFC 9457) with a stable `code`. A path below asked with a method it does not list answers 405 (`method-not-allowed`) with an `Allow` header; OPTIONS on it answers 204 with `Allow`. Every response carries `x-request-id` and `X-Content-Type-Options: nosniff`; a GET or HEAD with a bearer token or the regulator session cookie is answered with `Cache-Control: no-store` unless the route sets its own caching (certificate answers, QR codes, /v1/agencies), and every error with `no-store`. A JSON body must be UTF-8 (else 400 `invalid-utf8`), its payload strings well-formed Unicode (a lone surrogate escape such as `\\ud83d` without its pair: 400 `invalid-payload`, `errors[]` code `invalid-string`), and must not give one object a member name twice, escaped or not (I-JSON, RFC 7493 §2.3): such a body answers 400 `duplicate-key`, with `detail` naming the object as a JSON pointer and the name, and is refused whole, a bulk one too.',
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      headers: headerComponents(),
      schemas: {
        ...serviceSchemas(),
        ...submissionSchemas(),
        ...eventSchemas(),
        ...receiptSchemas(),
        ...payloadSchemas(),
      },
    },
    paths: everyOperation({ ...corePaths(), ...extraPaths }, withCommonAnswers),
  };
}
