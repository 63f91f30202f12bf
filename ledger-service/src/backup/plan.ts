import path from 'node:path';
import { readStoreConfigFromEnv } from '@certledger/projections';
import { SQLITE_ANCHOR_FILE } from '../anchoring/anchorStore/sqliteAnchorStore';
import { EMBEDDED_LEDGER_FILE } from '../anchoring/embedded/embeddedBackend';
import { LOG_HEADS_FILE } from '../audit/logHeads/committer';
import { LOG_HEAD_KEY_FILE } from '../audit/logHeads/signer';
import type { Config } from '../config';
import { SQLITE_FILE_NAME } from '../eventStore/sqlite/sqliteEventStore';

/** The service's configuration a backup follows: where its files are and which stores it uses. */
export type BackupConfig = Pick<Config, 'dataDir' | 'eventStore' | 'ledgerBackend'>;

export type BackupRole = 'log-head-key' | 'read-models' | 'anchor-store' | 'log-heads' | 'ledger' | 'event-store';

export interface BackupItem {
  readonly role: BackupRole;
  /** SQLite databases go through SQLite's online backup; the other files are copied. */
  readonly kind: 'sqlite' | 'file';
  readonly source: string;
  /** Its name in the backup: the name the service gives it in its data directory. */
  readonly name: string;
}

/** A backup this command will not take: the stores are not its to copy, or the destination is wrong. */
export class BackupRefusal extends Error {
  readonly code = 'backup-refused';
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefusal';
  }
}

export const READ_MODELS_FILE = 'projections.sqlite';

const POSTGRES_EVENT_STORE = `EVENT_STORE=postgres: the event store and the anchor store are tables in PostgreSQL, which this command does not copy.
Back them up with PostgreSQL's own tools, the anchor store never ahead of the event store:
with LEDGER_BACKEND=fabric, one pg_dump of the database (one snapshot of both stores) or pg_basebackup of the cluster;
with LEDGER_BACKEND=embedded, first pg_dump the anchor tables (-t 'anchor_*'), then copy log-heads.jsonl, ledger.sqlite (sqlite3 ledger.sqlite ".backup DEST")
and log-head-key.pem, then pg_dump the event tables (events, claims, log_head). See "Backup and restore" in the README.`;

const KURRENTDB_EVENT_STORE = `EVENT_STORE=kurrentdb: the event store is a KurrentDB server, which this command does not copy.
Back it up with KurrentDB's own tools, after copying the anchor store (anchors.sqlite) and, with LEDGER_BACKEND=embedded, the ledger (ledger.sqlite), log-heads.jsonl and log-head-key.pem:
the anchor store and the ledger must never be ahead of the event store. See "Backup and restore" in the README.`;

const POSTGRES_READ_MODELS = `PROJECTIONS_STORE=postgres: the read models are tables in PostgreSQL, which this command does not copy.
Leave out --with-read-models (the read models are rebuilt from the log: npm run projections:rebuild), or dump them with pg_dump before taking this backup.`;

/**
 * What to copy, in order: whatever follows the log (the read models, the anchor store, the local
 * record of signed log heads, the embedded ledger) before the log itself, so that no copy is ahead
 * of the event store's. Positions of the log are given again after a restore that went back in
 * time: an anchor store ahead of the log would take a position for anchored that now holds another
 * event. The ledger after the anchor store: a batch is stored as planned before it is submitted and
 * recorded as committed after the ledger took it, so the ledger's copy holds every batch the anchor
 * store's copy says committed (the batches it holds beyond that, the anchorer takes over after a
 * restore). The local heads before the ledger: a head is committed to the ledger before it is
 * recorded locally. The key first: it never changes.
 */
export function backupPlan(
  config: BackupConfig,
  env: NodeJS.ProcessEnv,
  options: { readonly withReadModels: boolean },
): BackupItem[] {
  if (config.eventStore === 'postgres') throw new BackupRefusal(POSTGRES_EVENT_STORE);
  if (config.eventStore === 'kurrentdb') throw new BackupRefusal(KURRENTDB_EVENT_STORE);
  const inDataDir = (name: string): string => path.join(config.dataDir, name);
  const items: BackupItem[] = [
    { role: 'log-head-key', kind: 'file', source: inDataDir(LOG_HEAD_KEY_FILE), name: LOG_HEAD_KEY_FILE },
  ];
  if (options.withReadModels) {
    const readStore = readStoreConfigFromEnv({ ...env, LEDGER_DATA_DIR: config.dataDir });
    if (readStore.kind === 'postgres') throw new BackupRefusal(POSTGRES_READ_MODELS);
    items.push({
      role: 'read-models',
      kind: 'sqlite',
      source: path.resolve(readStore.sqliteFile),
      name: READ_MODELS_FILE,
    });
  }
  items.push(
    { role: 'anchor-store', kind: 'sqlite', source: inDataDir(SQLITE_ANCHOR_FILE), name: SQLITE_ANCHOR_FILE },
    { role: 'log-heads', kind: 'file', source: inDataDir(LOG_HEADS_FILE), name: LOG_HEADS_FILE },
  );
  if (config.ledgerBackend === 'embedded')
    items.push({ role: 'ledger', kind: 'sqlite', source: inDataDir(EMBEDDED_LEDGER_FILE), name: EMBEDDED_LEDGER_FILE });
  items.push({ role: 'event-store', kind: 'sqlite', source: inDataDir(SQLITE_FILE_NAME), name: SQLITE_FILE_NAME });
  return items;
}
