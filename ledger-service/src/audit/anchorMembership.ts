import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_ANCHOR_FILE } from '../anchoring/anchorStore';

/** Which batch the anchorer put each event in, read in bulk from the anchor store's tables (read-only). */
export interface AnchorMembership {
  /** Every event up to this position was read by the anchorer. */
  readonly checkpoint: number;
  /** eventId → its batch and leaf index. */
  readonly events: ReadonlyMap<string, { readonly batchId: string; readonly leafIndex: number }>;
  readonly batches: ReadonlyMap<string, { readonly status: string; readonly size: number }>;
}

export const EMPTY_MEMBERSHIP: AnchorMembership = { checkpoint: 0, events: new Map(), batches: new Map() };

/** From the SQLite anchor store beside the event store (LEDGER_DATA_DIR/anchors.sqlite); empty when there is none. */
export function readSqliteMembership(dataDir: string, fileName = SQLITE_ANCHOR_FILE): AnchorMembership {
  const file = path.join(dataDir, fileName);
  if (!fs.existsSync(file)) return EMPTY_MEMBERSHIP;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const checkpoint = db.prepare<[], { position: number }>("SELECT position FROM anchor_checkpoint WHERE name = 'anchorer'").get()?.position ?? 0;
    const events = new Map<string, { batchId: string; leafIndex: number }>();
    for (const row of db.prepare<[], { event_id: string; batch_id: string; leaf_index: number }>('SELECT event_id, batch_id, leaf_index FROM anchor_events').iterate()) {
      events.set(row.event_id, { batchId: row.batch_id, leafIndex: row.leaf_index });
    }
    const batches = new Map<string, { status: string; size: number }>();
    for (const row of db.prepare<[], { batch_id: string; status: string; size: number }>('SELECT batch_id, status, size FROM anchor_batches').iterate()) {
      batches.set(row.batch_id, { status: row.status, size: row.size });
    }
    return { checkpoint, events, batches };
  } finally {
    db.close();
  }
}

/** From the PostgreSQL anchor store (same database and schema as the event store). */
export async function readPostgresMembership(connectionString: string, schema = 'public'): Promise<AnchorMembership> {
  const s = `"${schema.replace(/"/g, '""')}"`;
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass($1) AS t`, [`${s}.anchor_events`]);
    if (!exists.rows[0]?.t) return EMPTY_MEMBERSHIP;
    const checkpoint = await client.query<{ position: string }>(`SELECT position FROM ${s}.anchor_checkpoint WHERE name = 'anchorer'`);
    const events = new Map<string, { batchId: string; leafIndex: number }>();
    for (const row of (await client.query<{ event_id: string; batch_id: string; leaf_index: number }>(`SELECT event_id, batch_id, leaf_index FROM ${s}.anchor_events`)).rows) {
      events.set(row.event_id, { batchId: row.batch_id, leafIndex: row.leaf_index });
    }
    const batches = new Map<string, { status: string; size: number }>();
    for (const row of (await client.query<{ batch_id: string; status: string; size: number }>(`SELECT batch_id, status, size FROM ${s}.anchor_batches`)).rows) {
      batches.set(row.batch_id, { status: row.status, size: row.size });
    }
    return { checkpoint: checkpoint.rows[0] ? Number(checkpoint.rows[0].position) : 0, events, batches };
  } finally {
    await client.end();
  }
}
