export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  stream_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  certification_id TEXT NOT NULL,
  type TEXT NOT NULL,
  agency_id TEXT NOT NULL,
  region_code TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  canonical BLOB NOT NULL,
  hash TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  content_digest TEXT NOT NULL,
  UNIQUE (stream_id, version)
);
CREATE TABLE IF NOT EXISTS claims (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;
`;

export const EVENT_COLUMNS =
  'position, event_id, stream_id, version, certification_id, type, agency_id, region_code, occurred_at, recorded_at, canonical, hash, prev_hash, content_digest';
