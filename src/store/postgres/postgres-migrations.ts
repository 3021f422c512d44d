// Versioned migrations for the PostgreSQL store, applied under an advisory lock so several processes
// starting at once migrate exactly once.
import type pg from 'pg';
import { MnemoError } from '../../core/errors.js';

export interface PostgresMigration {
  version: number;
  name: string;
  /** SQL with `{schema}` standing for the quoted schema name. */
  sql: string;
}

export const postgresMigrations: PostgresMigration[] = [
  {
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
    version: 3,
    name: 'episode-message',
    sql: `
CREATE INDEX memories_episode_message ON {schema}.memories ((source->'messageIds'->>0)) WHERE kind = 'episode';
`,
  },
  {
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
];

export const latestPostgresSchemaVersion = Math.max(
  ...postgresMigrations.map((migration) => migration.version),
);

/** Applies pending migrations inside one advisory-locked session. */
export async function migratePostgres(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  const quoted = quoteIdentifier(schema);
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`mnemo:migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = await client.query<{ version: number }>(
      `SELECT version FROM ${quoted}.schema_migrations`,
    );
    const done = new Set(applied.rows.map((row) => row.version));
    for (const migration of postgresMigrations) {
      if (done.has(migration.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(migration.sql.replaceAll('{schema}', quoted));
        await client.query(`INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new MnemoError({
          code: 'MIGRATION_FAILED',
          message: `PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}. Is the pgvector extension installed (CREATE EXTENSION vector)?`,
          cause: error,
        });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`mnemo:migrate:${schema}`]);
    client.release();
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
