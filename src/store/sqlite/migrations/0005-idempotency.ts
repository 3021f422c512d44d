// Migration 5: idempotency records (tenant, key → request hash and result ids, 24 h by default), erased
// with anything they wrote, and the flag that asks the next open to repair messages left without an episode.
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0005: SqlMigration = {
  version: 5,
  name: 'idempotency',
  component: 'memories',
  sql: `
      CREATE TABLE idempotency_keys (
        tenant_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, key)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

      -- The messages and memories a keyed request wrote: erasing one erases the record (no trace of a
      -- forgotten user), whichever path erases it.
      CREATE TABLE idempotency_targets (
        target_id TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (target_id, tenant_id, key),
        FOREIGN KEY (tenant_id, key) REFERENCES idempotency_keys (tenant_id, key) ON DELETE CASCADE
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_targets_key ON idempotency_targets (tenant_id, key);
      CREATE TRIGGER messages_erase_idempotency AFTER DELETE ON messages BEGIN
        DELETE FROM idempotency_keys WHERE (tenant_id, key) IN
          (SELECT tenant_id, key FROM idempotency_targets WHERE target_id = old.id);
      END;
      CREATE TRIGGER memories_erase_idempotency AFTER DELETE ON memories BEGIN
        DELETE FROM idempotency_keys WHERE (tenant_id, key) IN
          (SELECT tenant_id, key FROM idempotency_targets WHERE target_id = old.id);
      END;

      -- Older versions logged a message and wrote its episode in two transactions: look for orphans once.
      INSERT INTO meta (key, value) SELECT 'orphan_scan', 'pending' WHERE EXISTS (SELECT 1 FROM messages);
    `,
};
