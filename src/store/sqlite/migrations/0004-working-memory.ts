// Migration 4: working memory, a per-session scratchpad of named JSON values with optional expiry.
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0004: SqlMigration = {
  version: 4,
  name: 'working-memory',
  component: 'memories',
  sql: `
      CREATE TABLE working_memory (
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (partition_id, session_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX working_memory_expires ON working_memory (expires_at) WHERE expires_at IS NOT NULL;
    `,
};
