import { createHash } from 'node:crypto';
import type { ReadModel } from '../model';
import type { LogEvent } from '../types';
import { utcOf } from '../instants';

export const ZERO_HASH = '0'.repeat(64);

/**
 * The event log as regulators and traceability read it: every event with its jurisdiction, its
 * hash chain link checked against the previous event of its stream (and its hash against its
 * canonical bytes when the feed carries them).
 *
 * A certification's events are filed under the client's region its opening ApplicationSubmitted
 * carries in its hashed payload, kept with the stream's head: not under each event's region_code
 * column, a copy no hash covers, which an operator could edit to move a certification's history out
 * of its regulators' audit trail (the audit names such an edit). A supervision event's regionCode
 * the feed already reads from its hashed filing.
 */
export const eventLogModel: ReadModel<LogEvent> = {
  name: 'eventlog',
  schemaVersion: 2,
  source: 'events',
  tables: ['log_stream_heads', 'log_events'],
  ddl: () => [
    `CREATE TABLE IF NOT EXISTS log_events (
      position BIGINT PRIMARY KEY,
      event_id TEXT NOT NULL,
      stream_id TEXT NOT NULL,
      certification_id TEXT NOT NULL,
      type TEXT NOT NULL,
      version BIGINT NOT NULL,
      agency_id TEXT NOT NULL,
      region_code TEXT NOT NULL,
      occurred_at TEXT NOT NULL,
      occurred_utc TEXT NOT NULL,
      recorded_at TEXT NOT NULL,
      hash TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      data TEXT NOT NULL,
      chain_ok INTEGER NOT NULL,
      chain_error TEXT
    )`,
    'CREATE INDEX IF NOT EXISTS log_events_certification ON log_events (certification_id, position)',
    'CREATE INDEX IF NOT EXISTS log_events_region ON log_events (region_code, position)',
    'CREATE INDEX IF NOT EXISTS log_events_event_id ON log_events (event_id)',
    `CREATE TABLE IF NOT EXISTS log_stream_heads (
      stream_id TEXT PRIMARY KEY,
      version BIGINT NOT NULL,
      hash TEXT NOT NULL,
      region_code TEXT
    )`,
  ],
  apply: async (tx, events) => {
    const heads = new Map<string, StreamHead>();
    for (const event of events) {
      let head = heads.get(event.streamId);
      if (!head) {
        const row = await tx.get<{ version: number; hash: string; region_code: string | null }>(
          'SELECT version, hash, region_code FROM log_stream_heads WHERE stream_id = ?',
          [event.streamId],
        );
        head = row
          ? { version: Number(row.version), hash: row.hash, regionCode: row.region_code }
          : { version: -1, hash: ZERO_HASH, regionCode: null };
      }
      const chainError = chainErrorOf(event, head);
      const regionCode = clientRegionOf(event) ?? head.regionCode;
      await tx.run(
        `INSERT INTO log_events (position, event_id, stream_id, certification_id, type, version, agency_id, region_code, occurred_at,
           occurred_utc, recorded_at, hash, prev_hash, data, chain_ok, chain_error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          event.position,
          event.eventId,
          event.streamId,
          event.certificationId,
          event.type,
          event.version,
          event.agencyId,
          regionCode ?? event.regionCode,
          event.occurredAt,
          utcOf(event.occurredAt),
          event.recordedAt,
          event.hash,
          event.prevHash,
          JSON.stringify(event.data),
          chainError ? 0 : 1,
          chainError ?? null,
        ],
      );
      heads.set(event.streamId, { version: event.version, hash: event.hash, regionCode });
    }
    for (const [streamId, head] of heads) {
      await tx.run(
        `INSERT INTO log_stream_heads (stream_id, version, hash, region_code) VALUES (?, ?, ?, ?)
         ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, hash = excluded.hash, region_code = excluded.region_code`,
        [streamId, head.version, head.hash, head.regionCode],
      );
    }
  },
};

interface StreamHead {
  readonly version: number;
  readonly hash: string;
  /** The client's region the stream's opening ApplicationSubmitted hashes; null for other streams. */
  readonly regionCode: string | null;
}

/** The client's region an opening ApplicationSubmitted carries, or null for any other event. */
function clientRegionOf(event: LogEvent): string | null {
  if (event.version !== 0 || event.type !== 'ApplicationSubmitted') return null;
  const region = (event.data as { client?: { regionCode?: unknown } }).client?.regionCode;
  return typeof region === 'string' && region !== '' ? region : null;
}

/** Why an event does not continue its stream's chain, or undefined when it does. */
export function chainErrorOf(
  event: LogEvent,
  head: { readonly version: number; readonly hash: string },
): string | undefined {
  if (event.version !== head.version + 1) return `version ${event.version} does not follow ${head.version}`;
  if (event.prevHash !== head.hash) return 'prevHash is not the hash of the previous event';
  if (event.canonical && createHash('sha256').update(event.canonical).digest('hex') !== event.hash)
    return 'hash does not match the canonical bytes';
  return undefined;
}
