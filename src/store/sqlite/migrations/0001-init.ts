// Migration 1: partitions, memories, messages, history, full-text index, embedding cache and meta.
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0001: SqlMigration = {
  version: 1,
  name: 'init',
  component: 'memories',
  sql: `
      CREATE TABLE partitions (
        id INTEGER PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        UNIQUE (tenant_id, user_id, agent_id)
      );
      CREATE INDEX partitions_tenant_agent ON partitions (tenant_id, agent_id);

      CREATE TABLE memories (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        index_text TEXT NOT NULL,
        attributes TEXT NOT NULL,
        metadata TEXT NOT NULL,
        importance REAL NOT NULL,
        confidence REAL NOT NULL,
        source TEXT NOT NULL,
        observed_at INTEGER NOT NULL,
        valid_from INTEGER,
        valid_to INTEGER,
        created_at INTEGER NOT NULL,
        retired_at INTEGER,
        superseded_by TEXT,
        supersedes TEXT,
        expires_at INTEGER,
        access_count INTEGER NOT NULL DEFAULT 0,
        last_accessed_at INTEGER,
        embedding_model TEXT,
        hash TEXT NOT NULL,
        tokens TEXT NOT NULL
      );
      CREATE INDEX memories_partition_observed ON memories (partition_id, observed_at, id);
      CREATE INDEX memories_partition_hash ON memories (partition_id, hash);
      CREATE INDEX memories_session ON memories (session_id, partition_id);
      CREATE INDEX memories_superseded_by ON memories (superseded_by);
      CREATE INDEX memories_supersedes ON memories (supersedes);
      CREATE INDEX memories_expires ON memories (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE messages (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        name TEXT,
        content TEXT NOT NULL,
        observed_at INTEGER NOT NULL,
        metadata TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX messages_partition_session_seq ON messages (partition_id, session_id, seq);
      CREATE INDEX messages_session ON messages (session_id, partition_id);

      CREATE TABLE history (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
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
      CREATE INDEX history_memory ON history (memory_id, at);
      CREATE INDEX history_partition ON history (partition_id, session_id);

      CREATE TABLE embedding_cache (
        model TEXT NOT NULL,
        hash TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, hash)
      ) WITHOUT ROWID;
      CREATE INDEX embedding_cache_hash ON embedding_cache (hash);

      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

      CREATE VIRTUAL TABLE memory_fts USING fts5(
        tokens,
        content = '',
        tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
      );
      INSERT INTO memory_fts (memory_fts, rank) VALUES ('secure-delete', 1);
    `,
};
