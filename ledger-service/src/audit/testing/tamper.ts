import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { canonicalBytes, decodeCanonical, sha256Hex } from '../../events/canonical';

/** Raw SQL on the event store's own table, as an operator with database access could run it. */
export interface TamperDb {
  /** `sql` uses $1, $2… in the order of `params`. */
  query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** The events table's qualified name. */
  readonly events: string;
  /** Any table's qualified name (the anchor store's `anchor_batches`, `anchor_events`, …). */
  table(name: string): string;
  close(): Promise<void>;
}

export function sqliteTamperDb(file: string): TamperDb {
  const db = new Database(file);
  return {
    events: 'events',
    table: (name) => name,
    async query(sql, params = []) {
      const statement = db.prepare(sql.replace(/\$\d+/g, '?'));
      return statement.reader
        ? (statement.all(...params) as Array<Record<string, unknown>>)
        : (statement.run(...params), []);
    },
    async close() {
      db.close();
    },
  };
}

export async function postgresTamperDb(connectionString: string, schema: string): Promise<TamperDb> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  return {
    events: `"${schema}".events`,
    table: (name) => `"${schema}".${name}`,
    async query(sql, params = []) {
      return (await client.query(sql, params)).rows;
    },
    async close() {
      await client.end();
    },
  };
}

interface Row {
  position: number;
  eventId: string;
  version: number;
  canonical: Buffer;
  hash: string;
}

async function streamRows(db: TamperDb, streamId: string): Promise<Row[]> {
  const rows = await db.query(
    `SELECT position, event_id, version, canonical, hash FROM ${db.events} WHERE stream_id = $1 ORDER BY version`,
    [streamId],
  );
  return rows.map((r) => ({
    position: Number(r.position),
    eventId: String(r.event_id),
    version: Number(r.version),
    canonical: Buffer.from(r.canonical as Uint8Array),
    hash: String(r.hash),
  }));
}

/** The same envelope with one payload string changed (the first string field found). */
function edited(bytes: Uint8Array, change: (text: string) => string): Uint8Array {
  const envelope = decodeCanonical(bytes);
  const data = structuredClone(envelope.data);
  const key = Object.keys(data).find((k) => typeof data[k] === 'string');
  if (!key) throw new Error(`no string field to edit in ${envelope.type}`);
  data[key] = change(data[key] as string);
  return canonicalBytes({ ...envelope, data });
}

/** Edits an event's payload bytes in place; with `rehash` the hash column is recomputed too. */
export async function editPayload(db: TamperDb, eventId: string, options: { rehash?: boolean } = {}): Promise<void> {
  const [row] = await db.query(`SELECT canonical FROM ${db.events} WHERE event_id = $1`, [eventId]);
  const bytes = edited(Buffer.from(row!.canonical as Uint8Array), (text) => `${text} (amended)`);
  if (options.rehash)
    await db.query(`UPDATE ${db.events} SET canonical = $1, hash = $2 WHERE event_id = $3`, [
      Buffer.from(bytes),
      sha256Hex(bytes),
      eventId,
    ]);
  else await db.query(`UPDATE ${db.events} SET canonical = $1 WHERE event_id = $2`, [Buffer.from(bytes), eventId]);
}

/**
 * Sets a column the hash does not cover on one event's row, or on every row of a stream: bytes,
 * hashes and chain stay as they are.
 */
export async function editColumn(
  db: TamperDb,
  rows: { readonly eventId: string } | { readonly streamId: string },
  column: 'occurred_at' | 'region_code',
  value: string,
): Promise<void> {
  const [key, id] = 'eventId' in rows ? ['event_id', rows.eventId] : ['stream_id', rows.streamId];
  await db.query(`UPDATE ${db.events} SET ${column} = $1 WHERE ${key} = $2`, [value, id]);
}

/** Moves every row of a stream to another stream id (bytes, hashes and chain stay as they are). */
export async function renameStream(db: TamperDb, from: string, to: string): Promise<void> {
  await db.query(`UPDATE ${db.events} SET stream_id = $1 WHERE stream_id = $2`, [to, from]);
}

export async function deleteEvent(db: TamperDb, eventId: string): Promise<void> {
  await db.query(`DELETE FROM ${db.events} WHERE event_id = $1`, [eventId]);
}

/** Rewrites an event's recorded_at column (not part of its hashed bytes). */
export async function setRecordedAt(db: TamperDb, eventId: string, recordedAt: string): Promise<void> {
  await db.query(`UPDATE ${db.events} SET recorded_at = $1 WHERE event_id = $2`, [recordedAt, eventId]);
}

/** Deletes the anchor store's rows of these events (their membership in a batch), on the anchor store's database. */
export async function deleteAnchorRows(anchorDb: TamperDb, eventIds: readonly string[]): Promise<void> {
  for (const eventId of eventIds)
    await anchorDb.query(`DELETE FROM ${anchorDb.table('anchor_events')} WHERE event_id = $1`, [eventId]);
}

/** Deletes every trace of the batches holding these events from the anchor store: the batch rows and their members. */
export async function deleteAnchorBatchesOf(anchorDb: TamperDb, eventIds: readonly string[]): Promise<string[]> {
  const batchIds = new Set<string>();
  for (const eventId of eventIds) {
    const [row] = await anchorDb.query(`SELECT batch_id FROM ${anchorDb.table('anchor_events')} WHERE event_id = $1`, [
      eventId,
    ]);
    if (row) batchIds.add(String(row.batch_id));
  }
  for (const batchId of batchIds) {
    await anchorDb.query(`DELETE FROM ${anchorDb.table('anchor_events')} WHERE batch_id = $1`, [batchId]);
    await anchorDb.query(`DELETE FROM ${anchorDb.table('anchor_batches')} WHERE batch_id = $1`, [batchId]);
  }
  return [...batchIds];
}

/** Swaps the log positions of two events (every other column stays with its event). */
export async function swapPositions(db: TamperDb, eventIdA: string, eventIdB: string): Promise<void> {
  const [a] = await db.query(`SELECT position FROM ${db.events} WHERE event_id = $1`, [eventIdA]);
  const [b] = await db.query(`SELECT position FROM ${db.events} WHERE event_id = $1`, [eventIdB]);
  await db.query(`UPDATE ${db.events} SET position = $1 WHERE event_id = $2`, [-1, eventIdA]);
  await db.query(`UPDATE ${db.events} SET position = $1 WHERE event_id = $2`, [Number(a!.position), eventIdB]);
  await db.query(`UPDATE ${db.events} SET position = $1 WHERE event_id = $2`, [Number(b!.position), eventIdA]);
}

/**
 * Forges an event at `version` of a stream (a copy of the event there with another id and payload),
 * renumbers every later event and recomputes the whole chain after it, so the stream checks on its
 * own. The forgery is appended at the end of the global log. Returns the forged event's id.
 */
export async function insertForged(db: TamperDb, streamId: string, version: number): Promise<string> {
  const rows = await streamRows(db, streamId);
  const template = rows.find((r) => r.version === version)!;
  const [head] = await db.query(`SELECT MAX(position) AS p FROM ${db.events}`);
  const forgedId = randomUUID();
  let prevHash = version === 0 ? '0'.repeat(64) : rows.find((r) => r.version === version - 1)!.hash;
  const forgedBytes = edited(
    canonicalBytes({ ...decodeCanonical(template.canonical), eventId: forgedId, prevHash }),
    (text) => `${text} (forged)`,
  );
  const forgedHash = sha256Hex(forgedBytes);
  // Renumber from the end so (stream_id, version) stays unique at every step.
  const later = rows.filter((r) => r.version >= version);
  for (const row of [...later].reverse()) {
    await db.query(`UPDATE ${db.events} SET version = $1 WHERE event_id = $2`, [row.version + 1, row.eventId]);
  }
  prevHash = forgedHash;
  for (const row of later) {
    const bytes = canonicalBytes({ ...decodeCanonical(row.canonical), version: row.version + 1, prevHash });
    const hash = sha256Hex(bytes);
    await db.query(`UPDATE ${db.events} SET canonical = $1, hash = $2, prev_hash = $3 WHERE event_id = $4`, [
      Buffer.from(bytes),
      hash,
      prevHash,
      row.eventId,
    ]);
    prevHash = hash;
  }
  const [t] = await db.query(`SELECT * FROM ${db.events} WHERE event_id = $1`, [template.eventId]);
  const templateRow = t!;
  await db.query(
    `INSERT INTO ${db.events} (position, event_id, stream_id, version, certification_id, type, agency_id, region_code, occurred_at, recorded_at, canonical, hash, prev_hash, content_digest)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      Number(head!.p) + 1,
      forgedId,
      streamId,
      version,
      templateRow.certification_id,
      templateRow.type,
      templateRow.agency_id,
      templateRow.region_code,
      templateRow.occurred_at,
      templateRow.recorded_at,
      Buffer.from(forgedBytes),
      forgedHash,
      version === 0 ? '0'.repeat(64) : rows.find((r) => r.version === version - 1)!.hash,
      sha256Hex(Buffer.from(forgedId)),
    ],
  );
  return forgedId;
}
