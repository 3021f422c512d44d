// PostgreSQL's migrations as data, for the one migrator (store/sql/migrator.ts): the memories, the inference
// queue and the API keys, each versioned on its own in `<schema>.mnemo_migrations`.

import { accessTablesSql } from '../sql/access-schema.js';
import type { SqlConnection } from '../sql/dialect.js';
import type { MigrationPlan, SqlMigration } from '../sql/migrator.js';
import { sql } from '../sql/sql.js';

/** The memories' migrations, oldest first. Append new ones; never edit an applied one. */
export const postgresMemoryMigrations: readonly SqlMigration[] = [
  {
    component: 'memories',
    version: 1,
    name: 'init',
    sql: `
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE TABLE {schema}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE {schema}.messages (
  id text PRIMARY KEY,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  seq integer NOT NULL, role text NOT NULL, name text, content text NOT NULL,
  observed_at bigint NOT NULL, metadata jsonb NOT NULL, created_at bigint NOT NULL,
  UNIQUE (tenant_id, user_id, agent_id, session_id, seq)
);
CREATE TABLE {schema}.memories (
  id text PRIMARY KEY,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  kind text NOT NULL, text text NOT NULL, index_text text NOT NULL,
  attributes jsonb NOT NULL, metadata jsonb NOT NULL,
  importance double precision NOT NULL, confidence double precision NOT NULL, source jsonb NOT NULL,
  observed_at bigint NOT NULL, valid_from bigint, valid_to bigint, created_at bigint NOT NULL,
  retired_at bigint, superseded_by text, supersedes text, expires_at bigint,
  access_count integer NOT NULL, last_accessed_at bigint, embedding_model text, hash text NOT NULL,
  tokens text[] NOT NULL, doc_len integer NOT NULL, search_vector tsvector NOT NULL
);
-- Scope first: every lookup starts from (tenant, user, agent), so cost follows the scope's size.
CREATE INDEX memories_scope_observed ON {schema}.memories (tenant_id, user_id, agent_id, observed_at DESC, id DESC);
CREATE INDEX memories_tenant_session ON {schema}.memories (tenant_id, session_id);
CREATE INDEX memories_scope_hash ON {schema}.memories (tenant_id, user_id, hash);
CREATE INDEX memories_supersedes ON {schema}.memories (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX memories_expires ON {schema}.memories (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX memories_search ON {schema}.memories USING gin (tenant_id, user_id, search_vector);
CREATE TABLE {schema}.history (
  rid bigserial PRIMARY KEY, id text NOT NULL UNIQUE, memory_id text NOT NULL,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  event text NOT NULL, before_json jsonb, after_json jsonb, at bigint NOT NULL, actor text NOT NULL, reason text
);
CREATE INDEX history_memory ON {schema}.history (memory_id, at);
CREATE INDEX history_scope ON {schema}.history (tenant_id, user_id, agent_id);
CREATE TABLE {schema}.embedding_cache (model text NOT NULL, hash text NOT NULL, vector bytea NOT NULL, PRIMARY KEY (model, hash));
CREATE INDEX embedding_cache_hash ON {schema}.embedding_cache (hash);
`,
  },
  {
    component: 'memories',
    version: 2,
    name: 'usage',
    sql: `
CREATE TABLE {schema}.usage_totals (
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  llm_calls bigint NOT NULL, input_tokens bigint NOT NULL, output_tokens bigint NOT NULL,
  embedding_calls bigint NOT NULL, latency_ms double precision NOT NULL,
  first_at bigint NOT NULL, last_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, user_id, agent_id, session_id)
);
`,
  },
  {
    component: 'memories',
    version: 3,
    name: 'episode-message',
    sql: `
CREATE INDEX memories_episode_message ON {schema}.memories ((source->'messageIds'->>0)) WHERE kind = 'episode';
`,
  },
  {
    component: 'memories',
    version: 4,
    name: 'working-memory',
    sql: `
CREATE TABLE {schema}.working_memory (
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  key text NOT NULL, value jsonb NOT NULL,
  created_at bigint NOT NULL, updated_at bigint NOT NULL, expires_at bigint,
  PRIMARY KEY (tenant_id, user_id, agent_id, session_id, key)
);
CREATE INDEX working_memory_expires ON {schema}.working_memory (expires_at) WHERE expires_at IS NOT NULL;
`,
  },
  {
    component: 'memories',
    version: 5,
    name: 'idempotency',
    sql: `
CREATE TABLE {schema}.idempotency_keys (
  tenant_id text NOT NULL, key text NOT NULL, request_hash text NOT NULL, result jsonb NOT NULL,
  created_at bigint NOT NULL, expires_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_expires ON {schema}.idempotency_keys (expires_at);
-- The messages and memories a keyed request wrote: erasing one erases the record (no trace of a
-- forgotten user), whichever path erases it.
CREATE TABLE {schema}.idempotency_targets (
  target_id text NOT NULL, tenant_id text NOT NULL, key text NOT NULL,
  PRIMARY KEY (target_id, tenant_id, key),
  FOREIGN KEY (tenant_id, key) REFERENCES {schema}.idempotency_keys (tenant_id, key) ON DELETE CASCADE
);
CREATE INDEX idempotency_targets_key ON {schema}.idempotency_targets (tenant_id, key);
CREATE FUNCTION {schema}.erase_idempotency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {schema}.idempotency_keys k USING {schema}.idempotency_targets t, erased e
  WHERE t.target_id = e.id AND k.tenant_id = t.tenant_id AND k.key = t.key;
  RETURN NULL;
END $$;
CREATE TRIGGER messages_erase_idempotency AFTER DELETE ON {schema}.messages
  REFERENCING OLD TABLE AS erased FOR EACH STATEMENT EXECUTE FUNCTION {schema}.erase_idempotency();
CREATE TRIGGER memories_erase_idempotency AFTER DELETE ON {schema}.memories
  REFERENCING OLD TABLE AS erased FOR EACH STATEMENT EXECUTE FUNCTION {schema}.erase_idempotency();
-- Older versions logged a message and wrote its episode in two transactions: look for orphans once.
INSERT INTO {schema}.meta (key, value) SELECT 'orphan_scan', 'pending' WHERE EXISTS (SELECT 1 FROM {schema}.messages);
`,
  },
  {
    // Stored vectors become half precision (pgvector halfvec, half the bytes); the HNSW index is rebuilt.
    component: 'memories',
    version: 6,
    name: 'halfvec',
    sql: `
DO $$
DECLARE
  dimensions integer;
  hnsw record;
BEGIN
  IF to_regclass('{schema}.memory_vectors') IS NULL THEN RETURN; END IF;
  SELECT a.atttypmod INTO dimensions FROM pg_attribute a
    WHERE a.attrelid = '{schema}.memory_vectors'::regclass AND a.attname = 'embedding'
      AND a.atttypid = 'vector'::regtype;
  IF dimensions IS NULL THEN RETURN; END IF;
  FOR hnsw IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
      WHERE x.indrelid = '{schema}.memory_vectors'::regclass AND am.amname = 'hnsw' LOOP
    EXECUTE format('DROP INDEX {schema}.%I', hnsw.relname);
  END LOOP;
  EXECUTE format('ALTER TABLE {schema}.memory_vectors ALTER COLUMN embedding TYPE halfvec(%s) USING embedding::halfvec(%s)',
    dimensions, dimensions);
  IF dimensions <= 4000 THEN
    CREATE INDEX ON {schema}.memory_vectors USING hnsw (embedding halfvec_cosine_ops);
  END IF;
END $$;
`,
  },
  {
    // The temporal knowledge graph (see the SQLite migration 11 for the layout): entities in their user's
    // and agent's scope (session ''); mentions, relations and sources in the exact scope of their memory.
    component: 'memories',
    version: 7,
    name: 'graph',
    sql: `
CREATE TABLE {schema}.graph_entities (
  id text PRIMARY KEY,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  name text NOT NULL, type text NOT NULL, summary text,
  first_seen bigint NOT NULL, last_seen bigint NOT NULL, created_at bigint NOT NULL, merged_into text
);
CREATE INDEX graph_entities_scope ON {schema}.graph_entities (tenant_id, user_id, agent_id, last_seen);
CREATE TABLE {schema}.graph_aliases (
  entity_id text NOT NULL,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  alias text NOT NULL, alias_key text NOT NULL, prefix text NOT NULL,
  PRIMARY KEY (entity_id, alias_key)
);
CREATE INDEX graph_aliases_key ON {schema}.graph_aliases (tenant_id, user_id, agent_id, alias_key);
CREATE INDEX graph_aliases_prefix ON {schema}.graph_aliases (tenant_id, user_id, agent_id, prefix);
CREATE TABLE {schema}.graph_mentions (
  entity_id text NOT NULL, memory_id text NOT NULL,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  observed_at bigint NOT NULL,
  PRIMARY KEY (entity_id, memory_id)
);
CREATE INDEX graph_mentions_memory ON {schema}.graph_mentions (memory_id);
CREATE TABLE {schema}.graph_relations (
  id text PRIMARY KEY,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  subject_id text NOT NULL, predicate text NOT NULL, object_id text, object_literal text, fact text NOT NULL,
  valid_from bigint NOT NULL, valid_to bigint, invalidated_by text,
  observed_at bigint NOT NULL, recorded_at bigint NOT NULL, closed_at bigint, confidence double precision NOT NULL
);
CREATE INDEX graph_relations_subject ON {schema}.graph_relations (subject_id, predicate);
CREATE INDEX graph_relations_object ON {schema}.graph_relations (object_id) WHERE object_id IS NOT NULL;
CREATE INDEX graph_relations_invalidated ON {schema}.graph_relations (invalidated_by) WHERE invalidated_by IS NOT NULL;
CREATE TABLE {schema}.graph_relation_sources (
  relation_id text NOT NULL, memory_id text NOT NULL,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  PRIMARY KEY (relation_id, memory_id)
);
CREATE INDEX graph_relation_sources_memory ON {schema}.graph_relation_sources (memory_id);
CREATE TABLE {schema}.graph_merges (
  id text PRIMARY KEY,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  kept_id text NOT NULL, merged_id text NOT NULL, moved jsonb NOT NULL,
  at bigint NOT NULL, actor text NOT NULL, undone_at bigint
);
CREATE INDEX graph_merges_kept ON {schema}.graph_merges (kept_id);
CREATE INDEX graph_merges_merged ON {schema}.graph_merges (merged_id);
`,
  },
  {
    // Upkeep (maintain()): archived memories stay but are hidden; per exact scope, how far the last run got
    // and who holds the scope's claim.
    component: 'memories',
    version: 8,
    name: 'maintenance',
    sql: `
ALTER TABLE {schema}.memories ADD COLUMN archived_at bigint;
CREATE TABLE {schema}.maintenance_state (
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  watermark_at bigint, watermark_id text, reflected_count integer NOT NULL DEFAULT 0,
  last_run_at bigint, claimed_by text, claim_until bigint,
  PRIMARY KEY (tenant_id, user_id, agent_id, session_id)
);
`,
  },
  {
    component: 'memories',
    version: 9,
    name: 'sharing',
    sql: accessTablesSql({ table: (name) => `{schema}.${name}`, int: 'bigint' }),
  },
];

const queueMigrations: readonly SqlMigration[] = [
  {
    component: 'queue',
    version: 1,
    name: 'infer-queue',
    sql: `
CREATE TABLE {schema}.infer_queue (
  message_id text PRIMARY KEY,
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  seq integer NOT NULL, enqueued_at bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'failed')),
  attempts integer NOT NULL DEFAULT 0, error_code text, error_message text, failed_at bigint, claimed_at bigint
);
CREATE INDEX infer_queue_status_scope ON {schema}.infer_queue (status, tenant_id, user_id, agent_id, session_id, seq);
CREATE TABLE {schema}.infer_sessions (
  tenant_id text NOT NULL, user_id text NOT NULL, agent_id text NOT NULL, session_id text NOT NULL,
  tokens bigint NOT NULL, last_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, user_id, agent_id, session_id)
);
CREATE INDEX infer_sessions_idle ON {schema}.infer_sessions (last_at);
`,
  },
];

const keyMigrations: readonly SqlMigration[] = [
  {
    component: 'keys',
    version: 1,
    name: 'api-keys',
    sql: `
CREATE TABLE {schema}.api_keys (
  id text PRIMARY KEY,
  key_hash text NOT NULL UNIQUE,
  tenant_id text NOT NULL,
  role text NOT NULL CHECK (role IN ('read', 'write', 'admin')),
  name text,
  created_at bigint NOT NULL,
  last_used_at bigint,
  revoked_at bigint);
CREATE INDEX api_keys_tenant ON {schema}.api_keys (tenant_id);
`,
  },
  {
    // Keys bound to a user, agent or space ('' when unbound): they act only as that principal.
    component: 'keys',
    version: 2,
    name: 'api-key-bindings',
    sql: `
ALTER TABLE {schema}.api_keys ADD COLUMN user_id text NOT NULL DEFAULT '';
ALTER TABLE {schema}.api_keys ADD COLUMN agent_id text NOT NULL DEFAULT '';
ALTER TABLE {schema}.api_keys ADD COLUMN space_id text NOT NULL DEFAULT '';
`,
  },
];

/** Everything a store's schema holds, and the version tables it kept before `mnemo_migrations`. */
export function postgresMigrationPlan(schema: string): MigrationPlan {
  return {
    migrations: [...postgresMemoryMigrations, ...queueMigrations, ...keyMigrations],
    legacyTables: {
      memories: 'schema_migrations',
      queue: 'infer_queue_migrations',
      keys: 'api_key_migrations',
    },
    preamble: 'CREATE SCHEMA IF NOT EXISTS {schema}',
    failureHint: 'Is the pgvector extension installed (CREATE EXTENSION vector)?',
    async tableExists(connection: SqlConnection, name: string): Promise<boolean> {
      const row = await connection.get(
        sql`SELECT 1 AS found FROM information_schema.tables WHERE table_schema = ${schema} AND table_name = ${name}`,
      );
      return row !== undefined;
    },
  };
}

/** The memories' schema version this build writes. */
export const latestPostgresSchemaVersion = Math.max(
  ...postgresMemoryMigrations.map((migration) => migration.version),
);

/**
 * A quoted identifier (inner quotes doubled).
 *
 * @example
 * quoteIdentifier('my"schema'); // '"my""schema"'
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
