// Migration 12: upkeep (maintain()). Memories get `archived_at` (faded memories kept but hidden, restorable);
// `maintenance_state` keeps, per exact scope, how far the last run got (incremental runs) and who holds
// the scope's claim (one process at a time).
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0012: SqlMigration = {
  version: 12,
  name: 'maintenance',
  component: 'memories',
  sql: `
      ALTER TABLE memories ADD COLUMN archived_at INTEGER;
      CREATE TABLE maintenance_state (
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        watermark_at INTEGER,
        watermark_id TEXT,
        reflected_count INTEGER NOT NULL DEFAULT 0,
        last_run_at INTEGER,
        claimed_by TEXT,
        claim_until INTEGER,
        PRIMARY KEY (partition_id, session_id)
      ) WITHOUT ROWID;
    `,
};
