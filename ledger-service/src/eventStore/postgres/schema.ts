/** Quoted identifiers of the store's tables inside one PostgreSQL schema. */
export interface PgNames {
  readonly schema: string;
  readonly events: string;
  readonly claims: string;
  readonly logHead: string;
  /** NOTIFY channel announcing the new head after each commit. */
  readonly channel: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

export function pgNames(schema: string): PgNames {
  if (!IDENTIFIER.test(schema)) throw new TypeError(`schema must match ${IDENTIFIER}; got "${schema}"`);
  return {
    schema: `"${schema}"`,
    events: `"${schema}".events`,
    claims: `"${schema}".claims`,
    logHead: `"${schema}".log_head`,
    channel: `certledger_appended_${schema}`,
  };
}

/** Idempotent migration, serialized across processes by a transaction-scoped advisory lock. */
export function migrationSql(names: PgNames): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${names.schema};
CREATE TABLE IF NOT EXISTS ${names.events} (
  position BIGINT PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  stream_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  certification_id TEXT NOT NULL,
  type TEXT NOT NULL,
  agency_id TEXT NOT NULL,
  region_code TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  canonical BYTEA NOT NULL,
  hash TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  content_digest TEXT NOT NULL,
  CONSTRAINT events_stream_version_key UNIQUE (stream_id, version)
);
CREATE TABLE IF NOT EXISTS ${names.claims} (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  PRIMARY KEY (kind, value)
);
CREATE TABLE IF NOT EXISTS ${names.logHead} (
  id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
  position BIGINT NOT NULL
);
INSERT INTO ${names.logHead} (id, position) VALUES (TRUE, 0) ON CONFLICT (id) DO NOTHING;`;
}

export const PG_EVENT_COLUMNS =
  'position, event_id, stream_id, version, certification_id, type, agency_id, region_code, occurred_at, recorded_at, canonical, hash, prev_hash, content_digest';

/** Array types for inserting many rows with one unnest(), in PG_EVENT_COLUMNS order. */
export const PG_EVENT_ARRAY_TYPES = [
  'bigint[]',
  'text[]',
  'text[]',
  'integer[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'bytea[]',
  'text[]',
  'text[]',
  'text[]',
];
