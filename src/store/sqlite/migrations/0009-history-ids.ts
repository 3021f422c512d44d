// Migration 9: history ids become optional, so an add event is known by its memory's id (stored as NULL, no
// UUID and no unique-index entry per memory). The table is rebuilt as is, with `id` nullable.
import type { SqliteMigration } from '../sqlite-migrations.js';

export const migration0009: SqliteMigration = {
  version: 9,
  name: 'history-ids',
  up(db) {
    db.exec(`
      CREATE TABLE history_lean (
        rid INTEGER PRIMARY KEY,
        id TEXT UNIQUE,
        memory_id TEXT NOT NULL,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        event TEXT NOT NULL,
        before_json TEXT,
        after_json TEXT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT
      );
      INSERT INTO history_lean (rid, id, memory_id, partition_id, session_id, event, before_json, after_json, at, actor, reason)
        SELECT rid, id, memory_id, partition_id, session_id, event, before_json, after_json, at, actor, reason FROM history;
      DROP TABLE history;
      ALTER TABLE history_lean RENAME TO history;
      CREATE INDEX history_memory ON history (memory_id, at);
      CREATE INDEX history_partition ON history (partition_id, session_id);
    `);
  },
};
