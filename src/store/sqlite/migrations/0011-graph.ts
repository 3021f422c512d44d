// Migration 11: the temporal knowledge graph (entities, their aliases and mentions, relations with their
// sources, merges). Entities live in a partition (tenant, user, agent) with session ''; mentions, relations
// and sources keep the exact scope of the memory behind them, so the visibility rule applies to each.
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0011: SqlMigration = {
  version: 11,
  name: 'graph',
  component: 'memories',
  sql: `
      CREATE TABLE graph_entities (
        id TEXT PRIMARY KEY,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        summary TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        merged_into TEXT
      );
      CREATE INDEX graph_entities_partition ON graph_entities (partition_id, last_seen);
      CREATE TABLE graph_aliases (
        entity_id TEXT NOT NULL,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        alias TEXT NOT NULL,
        alias_key TEXT NOT NULL,
        prefix TEXT NOT NULL,
        PRIMARY KEY (entity_id, alias_key)
      ) WITHOUT ROWID;
      CREATE INDEX graph_aliases_key ON graph_aliases (partition_id, alias_key);
      CREATE INDEX graph_aliases_prefix ON graph_aliases (partition_id, prefix);
      CREATE TABLE graph_mentions (
        entity_id TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        observed_at INTEGER NOT NULL,
        PRIMARY KEY (entity_id, memory_id)
      ) WITHOUT ROWID;
      CREATE INDEX graph_mentions_memory ON graph_mentions (memory_id);
      CREATE TABLE graph_relations (
        id TEXT PRIMARY KEY,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        predicate TEXT NOT NULL,
        object_id TEXT,
        object_literal TEXT,
        fact TEXT NOT NULL,
        valid_from INTEGER NOT NULL,
        valid_to INTEGER,
        invalidated_by TEXT,
        observed_at INTEGER NOT NULL,
        recorded_at INTEGER NOT NULL,
        closed_at INTEGER,
        confidence REAL NOT NULL
      );
      CREATE INDEX graph_relations_subject ON graph_relations (subject_id, predicate);
      CREATE INDEX graph_relations_object ON graph_relations (object_id) WHERE object_id IS NOT NULL;
      CREATE INDEX graph_relations_invalidated ON graph_relations (invalidated_by) WHERE invalidated_by IS NOT NULL;
      CREATE TABLE graph_relation_sources (
        relation_id TEXT NOT NULL,
        memory_id TEXT NOT NULL,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        PRIMARY KEY (relation_id, memory_id)
      ) WITHOUT ROWID;
      CREATE INDEX graph_relation_sources_memory ON graph_relation_sources (memory_id);
      CREATE TABLE graph_merges (
        id TEXT PRIMARY KEY,
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        kept_id TEXT NOT NULL,
        merged_id TEXT NOT NULL,
        moved TEXT NOT NULL,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        undone_at INTEGER
      );
      CREATE INDEX graph_merges_kept ON graph_merges (kept_id);
      CREATE INDEX graph_merges_merged ON graph_merges (merged_id);
  `,
};
