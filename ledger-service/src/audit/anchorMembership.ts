import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_ANCHOR_FILE } from '../anchoring/anchorStore';

export interface MembershipBatch {
  readonly batchId: string;
  readonly status: string;
  readonly size: number;
  /** The ledger's code for a `rejected` batch (e.g. CL_OCCURRED_IN_FUTURE, FOLLOWS_REFUSED_EVENT). */
  readonly rejectionCode?: string;
}

/**
 * Which batch the anchorer put each event in, read in bulk from the anchor store's tables
 * (read-only), in log order and as plain numbers so that a million members cost little: the audit
 * walks them beside the log. The map by event id is built only when a closer look needs it.
 */
export interface AnchorMembership {
  /** Every event up to this position was read by the anchorer. */
  readonly checkpoint: number;
  readonly batches: readonly MembershipBatch[];
  /** Log positions of the members, ascending, with each one's batch ordinal and leaf index. */
  readonly positions: Float64Array;
  readonly batchOf: Int32Array;
  readonly leafOf: Int32Array;
  /** eventId → batch ordinal, loaded on first call. */
  eventIds(): Promise<ReadonlyMap<string, number>>;
}

export const EMPTY_MEMBERSHIP: AnchorMembership = {
  checkpoint: 0,
  batches: [],
  positions: new Float64Array(0),
  batchOf: new Int32Array(0),
  leafOf: new Int32Array(0),
  eventIds: async () => new Map(),
};

class Columns {
  positions = new Float64Array(1024);
  batchOf = new Int32Array(1024);
  leafOf = new Int32Array(1024);
  length = 0;

  push(position: number, batch: number, leaf: number): void {
    if (this.length === this.positions.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.positions = grow(this.positions, (n) => new Float64Array(n));
      this.batchOf = grow(this.batchOf, (n) => new Int32Array(n));
      this.leafOf = grow(this.leafOf, (n) => new Int32Array(n));
    }
    this.positions[this.length] = position;
    this.batchOf[this.length] = batch;
    this.leafOf[this.length] = leaf;
    this.length++;
  }
}

function membershipOf(
  checkpoint: number,
  batches: MembershipBatch[],
  columns: Columns,
  eventIds: () => Promise<Map<string, number>>,
): AnchorMembership {
  let loaded: Promise<Map<string, number>> | undefined;
  return {
    checkpoint,
    batches,
    positions: columns.positions.subarray(0, columns.length),
    batchOf: columns.batchOf.subarray(0, columns.length),
    leafOf: columns.leafOf.subarray(0, columns.length),
    eventIds: () => (loaded ??= eventIds()),
  };
}

/** From the SQLite anchor store beside the event store (LEDGER_DATA_DIR/anchors.sqlite); empty when there is none. */
export function readSqliteMembership(dataDir: string, fileName = SQLITE_ANCHOR_FILE): AnchorMembership {
  const file = path.join(dataDir, fileName);
  if (!fs.existsSync(file)) return EMPTY_MEMBERSHIP;
  const open = (): Database.Database => new Database(file, { readonly: true, fileMustExist: true });
  const db = open();
  try {
    const checkpoint =
      db.prepare<[], { position: number }>("SELECT position FROM anchor_checkpoint WHERE name = 'anchorer'").get()
        ?.position ?? 0;
    const batches: MembershipBatch[] = [];
    const ordinalOfSeq = new Map<number, number>();
    for (const [seq, batchId, status, size, rejectionCode] of db
      .prepare('SELECT seq, batch_id, status, size, rejection_code FROM anchor_batches ORDER BY seq')
      .raw()
      .iterate() as Iterable<[number, string, string, number, string | null]>) {
      ordinalOfSeq.set(seq, batches.length);
      batches.push({ batchId, status, size, ...(rejectionCode ? { rejectionCode } : {}) });
    }
    const columns = new Columns();
    const members = db
      .prepare(
        'SELECT e.position, b.seq, e.leaf_index FROM anchor_events e JOIN anchor_batches b ON b.batch_id = e.batch_id ORDER BY e.position',
      )
      .raw()
      .iterate() as Iterable<[number, number, number]>;
    for (const [position, seq, leaf] of members) columns.push(position, ordinalOfSeq.get(seq)!, leaf);
    return membershipOf(checkpoint, batches, columns, async () => {
      const again = open();
      try {
        const ids = new Map<string, number>();
        const rows = again
          .prepare('SELECT e.event_id, b.seq FROM anchor_events e JOIN anchor_batches b ON b.batch_id = e.batch_id')
          .raw()
          .iterate() as Iterable<[string, number]>;
        for (const [eventId, seq] of rows) ids.set(eventId, ordinalOfSeq.get(seq)!);
        return ids;
      } finally {
        again.close();
      }
    });
  } finally {
    db.close();
  }
}

/** From the PostgreSQL anchor store (same database and schema as the event store). */
export async function readPostgresMembership(connectionString: string, schema = 'public'): Promise<AnchorMembership> {
  const s = `"${schema.replace(/"/g, '""')}"`;
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> => {
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const exists = await query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${s}.anchor_events`]);
  if (!exists[0]?.t) return EMPTY_MEMBERSHIP;
  const checkpoint = await query<{ position: string }>(
    `SELECT position FROM ${s}.anchor_checkpoint WHERE name = 'anchorer'`,
  );
  const batches: MembershipBatch[] = [];
  const ordinalOfSeq = new Map<number, number>();
  for (const row of await query<{
    seq: string;
    batch_id: string;
    status: string;
    size: number;
    rejection_code: string | null;
  }>(`SELECT seq, batch_id, status, size, rejection_code FROM ${s}.anchor_batches ORDER BY seq`)) {
    ordinalOfSeq.set(Number(row.seq), batches.length);
    batches.push({
      batchId: row.batch_id,
      status: row.status,
      size: row.size,
      ...(row.rejection_code ? { rejectionCode: row.rejection_code } : {}),
    });
  }
  const columns = new Columns();
  const members = await query<{ position: string; seq: string; leaf_index: number }>(
    `SELECT e.position, b.seq, e.leaf_index FROM ${s}.anchor_events e JOIN ${s}.anchor_batches b ON b.batch_id = e.batch_id ORDER BY e.position`,
  );
  for (const row of members) columns.push(Number(row.position), ordinalOfSeq.get(Number(row.seq))!, row.leaf_index);
  return membershipOf(checkpoint[0] ? Number(checkpoint[0].position) : 0, batches, columns, async () => {
    const ids = new Map<string, number>();
    const rows = await query<{ event_id: string; seq: string }>(
      `SELECT e.event_id, b.seq FROM ${s}.anchor_events e JOIN ${s}.anchor_batches b ON b.batch_id = e.batch_id`,
    );
    for (const row of rows) ids.set(row.event_id, ordinalOfSeq.get(Number(row.seq))!);
    return ids;
  });
}
