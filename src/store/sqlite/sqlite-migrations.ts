// SQLite's migrations as data, for the one migrator (store/sql/migrator.ts): the memories (migrations/…),
// the inference queue and the API keys, each versioned on its own in `mnemo_migrations`.
import type Database from 'better-sqlite3';
import type { SqlConnection } from '../sql/dialect.js';
import type { MigrationPlan, SqlMigration } from '../sql/migrator.js';
import { sql } from '../sql/sql.js';
import { migration0001 } from './migrations/0001-init.js';
import { migration0002 } from './migrations/0002-usage.js';
import { migration0003 } from './migrations/0003-episode-message.js';
import { migration0004 } from './migrations/0004-working-memory.js';
import { migration0005 } from './migrations/0005-idempotency.js';
import { migration0006 } from './migrations/0006-contentless-fts.js';
import { migration0007 } from './migrations/0007-int8-vectors.js';
import { migration0008 } from './migrations/0008-compact-fields.js';
import { migration0009 } from './migrations/0009-history-ids.js';
import { migration0010 } from './migrations/0010-episode-text.js';
import { migration0011 } from './migrations/0011-graph.js';
import { migration0012 } from './migrations/0012-maintenance.js';
import { migration0013 } from './migrations/0013-sharing.js';
import type { SqliteDialect } from './sqlite-dialect.js';

/** A memories migration written in TypeScript over the better-sqlite3 connection (user functions, row loops). */
export interface SqliteMigration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** A migration of the one migrator whose work runs on the dialect's better-sqlite3 connection. */
function onConnection(migration: SqliteMigration): SqlMigration {
  return {
    component: 'memories',
    version: migration.version,
    name: migration.name,
    sql: '',
    apply: async (dialect) => migration.up((dialect as SqliteDialect).db),
  };
}

/**
 * Applies one migration directly on a connection, outside the migrator (tests that write an older layout).
 *
 * @example
 * for (const migration of sqliteMemoryMigrations.filter((m) => m.version <= 5)) applySqliteMigration(db, migration);
 */
export function applySqliteMigration(db: Database.Database, migration: SqlMigration): void {
  db.exec(migration.sql);
  const own = sqliteConnectionMigrations.find((item) => item.version === migration.version);
  if (migration.component === 'memories' && own !== undefined) own.up(db);
}

/** The memories' migrations written in TypeScript: the lean layout (issue 12, point 7). */
const sqliteConnectionMigrations: readonly SqliteMigration[] = [
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
];

/** The memories' migrations, oldest first. Append new ones; never edit an applied one. */
export const sqliteMemoryMigrations: readonly SqlMigration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  ...sqliteConnectionMigrations.map(onConnection),
  migration0011,
  migration0012,
  migration0013,
];

const queueMigrations: readonly SqlMigration[] = [
  {
    component: 'queue',
    version: 1,
    name: 'infer-queue',
    sql: `CREATE TABLE infer_queue (
      message_id TEXT PRIMARY KEY,
      scope_key TEXT NOT NULL,
      scope_json TEXT NOT NULL,
      seq INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      error_code TEXT,
      error_message TEXT,
      failed_at INTEGER
    );
    CREATE INDEX infer_queue_pending ON infer_queue (status, scope_key, seq);`,
  },
  {
    // Scope columns (filters by scope prefix), claims, and session activity for automatic summaries.
    component: 'queue',
    version: 2,
    name: 'infer-queue-scopes-claims-sessions',
    sql: `CREATE TABLE infer_queue_v2 (
      message_id TEXT PRIMARY KEY,
      tenant_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      session_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      enqueued_at INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      error_code TEXT,
      error_message TEXT,
      failed_at INTEGER,
      claimed_at INTEGER
    );
    INSERT INTO infer_queue_v2 (message_id, tenant_id, user_id, agent_id, session_id, seq, enqueued_at, status,
      attempts, error_code, error_message, failed_at)
    SELECT message_id, json_extract(scope_json, '$.tenantId'), COALESCE(json_extract(scope_json, '$.userId'), ''),
      COALESCE(json_extract(scope_json, '$.agentId'), ''), COALESCE(json_extract(scope_json, '$.sessionId'), ''),
      seq, enqueued_at, status, attempts, error_code, error_message, failed_at
    FROM infer_queue;
    DROP TABLE infer_queue;
    ALTER TABLE infer_queue_v2 RENAME TO infer_queue;
    CREATE INDEX infer_queue_status_scope ON infer_queue (status, tenant_id, user_id, agent_id, session_id, seq);
    CREATE TABLE infer_sessions (
      tenant_id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      session_id TEXT NOT NULL,
      tokens INTEGER NOT NULL,
      last_at INTEGER NOT NULL,
      PRIMARY KEY (tenant_id, user_id, agent_id, session_id)
    ) WITHOUT ROWID;
    CREATE INDEX infer_sessions_idle ON infer_sessions (last_at);`,
  },
];

const keyMigrations: readonly SqlMigration[] = [
  {
    component: 'keys',
    version: 1,
    name: 'api-keys',
    sql: `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      key_hash TEXT NOT NULL UNIQUE,
      tenant_id TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
      name TEXT,
      created_at INTEGER NOT NULL,
      last_used_at INTEGER,
      revoked_at INTEGER
    );
    CREATE INDEX api_keys_tenant ON api_keys (tenant_id);`,
  },
  {
    // Keys bound to a user, agent or space ('' when unbound): they act only as that principal.
    component: 'keys',
    version: 2,
    name: 'api-key-bindings',
    sql: `ALTER TABLE api_keys ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE api_keys ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE api_keys ADD COLUMN space_id TEXT NOT NULL DEFAULT '';`,
  },
];

/** Everything a SQLite store file holds, and the version tables it kept before `mnemo_migrations`. */
export const sqliteMigrationPlan: MigrationPlan = {
  migrations: [...sqliteMemoryMigrations, ...queueMigrations, ...keyMigrations],
  legacyTables: {
    memories: 'schema_migrations',
    queue: 'infer_queue_migrations',
    keys: 'api_key_migrations',
  },
  async tableExists(connection: SqlConnection, name: string): Promise<boolean> {
    const row = await connection.get(
      sql`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ${name}`,
    );
    return row !== undefined;
  },
};
