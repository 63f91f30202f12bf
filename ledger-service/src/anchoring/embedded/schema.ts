/**
 * The embedded ledger's tables: world state, the values keys held before they were overwritten (a key's
 * history is those plus its current value), and one block per transaction.
 */
export const EMBEDDED_LEDGER_SCHEMA = `
CREATE TABLE IF NOT EXISTS world_state (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL,
  block_number INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_history (
  key TEXT NOT NULL,
  block_number INTEGER NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (key, block_number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
  block_number INTEGER PRIMARY KEY,
  tx_id TEXT NOT NULL UNIQUE,
  timestamp TEXT NOT NULL,
  creator_msp TEXT NOT NULL,
  creator_agency TEXT NOT NULL,
  function TEXT NOT NULL,
  chaincode_event TEXT,
  event_payload BLOB,
  writes_hash TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  block_hash TEXT NOT NULL
);
`;
