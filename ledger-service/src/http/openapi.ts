import protobuf from 'protobufjs';
import { CERTIFICATION_EVENT_TYPES, payloadTypeOf } from '../events/schema';

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
  certificationId: { pattern: '^[A-Za-z0-9._-]{1,64}$' },
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

/** JSON Schemas of every payload, derived from the .proto files so that they cannot drift apart. */
export function payloadSchemas(): Record<string, JsonSchema> {
  const schemas: Record<string, JsonSchema> = {};
  const pending = new Set<protobuf.Type>(CERTIFICATION_EVENT_TYPES.map((type) => payloadTypeOf(type)));
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

const problem = {
  description: 'Problem details (RFC 9457)',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
/** The security requirement of every path that needs a bearer token: one scheme name for all parts of the document. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];
const json = (ref: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

function coreSchemas(): Record<string, JsonSchema> {
  const submission = {
    type: 'object',
    required: ['eventId', 'type', 'occurredAt', 'data'],
    properties: {
      eventId: { type: 'string', format: 'uuid', description: 'Chosen by the submitter; the idempotency key' },
      type: { type: 'string', enum: [...CERTIFICATION_EVENT_TYPES] },
      occurredAt: { type: 'string', format: 'date-time' },
      expectedVersion: {
        type: 'integer',
        minimum: -1,
        description: "Version of the stream's last event; -1: the stream must not exist",
      },
      data: { type: 'object', description: "The type's payload: the schema named after the type" },
    },
    // Tied to the type rather than oneOf: several types share a payload shape ({ reason }), and
    // oneOf would refuse a body that matches more than one of them.
    allOf: CERTIFICATION_EVENT_TYPES.map((type) => ({
      if: { properties: { type: { const: type } }, required: ['type'] },
      then: { properties: { data: { $ref: `#/components/schemas/${type}` } } },
    })),
  };
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
        rule: { type: 'string', description: 'The violated rule (R1..R16) for 422' },
        errors: { type: 'array', items: { type: 'object' } },
      },
    },
    EventSubmission: submission,
    BulkSubmission: {
      type: 'object',
      required: ['events'],
      properties: {
        events: {
          type: 'array',
          maxItems: 10000,
          items: {
            allOf: [
              { $ref: '#/components/schemas/EventSubmission' },
              { type: 'object', required: ['certificationId'], properties: { certificationId: { type: 'string' } } },
            ],
          },
        },
      },
    },
    Event: {
      type: 'object',
      properties: {
        eventId: { type: 'string', format: 'uuid' },
        certificationId: { type: 'string' },
        type: { type: 'string' },
        version: { type: 'integer' },
        position: { type: 'integer' },
        agencyId: { type: 'string' },
        occurredAt: { type: 'string', format: 'date-time' },
        recordedAt: { type: 'string', format: 'date-time' },
        data: { type: 'object' },
        hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        prevHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        anchor: { $ref: '#/components/schemas/AnchorStatus' },
      },
    },
    AnchorStatus: {
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
    },
  };
}

function corePaths(): Record<string, unknown> {
  const certificationId = {
    name: 'certificationId',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
  };
  const eventId = { name: 'eventId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
  return {
    '/v1/certifications/{certificationId}/events': {
      post: {
        summary: 'Submit one certification event (agency)',
        security: BEARER_SECURITY,
        parameters: [certificationId],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/EventSubmission' } } },
        },
        responses: {
          '201': json('Event', 'Stored; the anchor is pending'),
          '200': json('Event', 'The same eventId with the same body was stored before'),
          '400': problem,
          '401': problem,
          '403': problem,
          '409': problem,
          '413': problem,
          '415': problem,
          '422': problem,
          '503': problem,
        },
      },
      get: {
        summary: 'The certification stream with hashes (owning agency, regulator of the region, admin)',
        security: BEARER_SECURITY,
        parameters: [certificationId],
        responses: {
          '200': { description: 'The stream' },
          '401': problem,
          '403': problem,
          '404': problem,
          '503': problem,
        },
      },
    },
    '/v1/events': {
      post: {
        summary: "Bulk intake: each certification's events are stored all or none",
        security: BEARER_SECURITY,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/BulkSubmission' } } },
        },
        responses: {
          '200': { description: 'A result per event, in order' },
          '400': problem,
          '401': problem,
          '403': problem,
          '413': problem,
          '415': problem,
          '503': problem,
        },
      },
    },
    '/v1/events/{eventId}': {
      get: {
        summary: 'One event',
        security: BEARER_SECURITY,
        parameters: [eventId],
        responses: {
          '200': json('Event', 'The event'),
          '401': problem,
          '403': problem,
          '404': problem,
          '503': problem,
        },
      },
    },
    '/v1/events/{eventId}/receipt': {
      get: {
        summary: 'Proof that the event is anchored (public for certificate events)',
        parameters: [eventId],
        responses: {
          '200': { description: 'The receipt: inclusion path, batch root, channel, transaction, block, backend' },
          '401': problem,
          '403': problem,
          '404': problem,
          '503': problem,
        },
      },
    },
    '/healthz': { get: { summary: 'The process is up', responses: { '200': { description: 'Up' } } } },
    '/readyz': {
      get: {
        summary: 'The event store and ledger backend answer',
        description:
          'Each check of the service, with `status`: `ready` when all pass; `degraded` (still 200) when only a background part fails (anchoring or read models lagging, workers restarting); `not-ready` (503) when the event store or the ledger backend does not answer.',
        responses: { '200': { description: 'Ready or degraded' }, '503': { description: 'Not ready' } },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
  };
}

export function openApiDocument(extraPaths: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Certification ledger',
      version: '1.0.0',
      description: 'Tamper-evident ledger of management-system certification events, anchored in Hyperledger Fabric.',
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: { ...coreSchemas(), ...payloadSchemas() },
    },
    paths: { ...corePaths(), ...extraPaths },
  };
}
