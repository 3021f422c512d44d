// The one migrator adopts stores written before it: a SQLite file and a PostgreSQL schema laid out by the
// old per-component runners (their own version tables) open, keep their data, and are not migrated twice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../keys/api-key-store.js';
import { createPostgresApiKeyStore, createSqliteApiKeyStore } from '../keys/sql-api-key-store.js';
import { postgresMigrationPlan } from '../postgres/postgres-migrations.js';
import { createPostgresStore } from '../postgres/postgres-store.js';
import { dropSchema, testPostgresUrl, uniqueSchema } from '../postgres/postgres-test-database.js';
import { createPostgresInferenceQueue, createSqliteInferenceQueue } from '../queue/sql-inference-queue.js';
import { applySqliteMigration, sqliteMigrationPlan } from '../sqlite/sqlite-migrations.js';
import { openSqliteStore } from '../sqlite/sqlite-store.js';
import type { MigrationComponent } from './migrator.js';

const scope = { tenantId: 't1', userId: 'alice', sessionId: 's1' };
const T0 = Date.parse('2025-01-01T00:00:00Z');
const legacyKey = `mnemo_${'a'.repeat(40)}`;

/** The SQL of one component's migrations, in order, as the old runners applied them. */
function scripts(plan: typeof sqliteMigrationPlan, component: MigrationComponent) {
  return plan.migrations.filter((migration) => migration.component === component);
}

/** A file as Mnemo left it before `mnemo_migrations`: three runners, three version tables. */
function writeOldSqliteLayout(file: string): void {
  const db = new Database(file);
  db.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  for (const migration of scripts(sqliteMigrationPlan, 'memories')) {
    applySqliteMigration(db, migration);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, T0);
  }
  db.exec('CREATE TABLE infer_queue_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  for (const migration of scripts(sqliteMigrationPlan, 'queue')) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO infer_queue_migrations VALUES (?, ?)').run(migration.version, T0);
  }
  db.exec(
    'CREATE TABLE api_key_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  for (const migration of scripts(sqliteMigrationPlan, 'keys')) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO api_key_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, T0);
  }
  db.exec(`INSERT INTO partitions (id, tenant_id, user_id, agent_id) VALUES (1, 't1', 'alice', '');
    INSERT INTO messages (id, partition_id, session_id, seq, role, content, observed_at, metadata, created_at)
      VALUES ('m-old', 1, 's1', 1, 'user', 'written by the old layout', ${T0}, '{}', ${T0});
    INSERT INTO infer_queue (message_id, tenant_id, user_id, agent_id, session_id, seq, enqueued_at, status)
      VALUES ('m-old', 't1', 'alice', '', 's1', 1, ${T0}, 'pending');
    INSERT INTO api_keys (id, key_hash, tenant_id, role, created_at)
      VALUES ('k-old', '${hashApiKey(legacyKey)}', 't1', 'write', ${T0});`);
  db.close();
}

describe('the one migrator on a SQLite file of the old layout', () => {
  it('adopts the old version tables and opens the store, the queue and the keys with their data', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mnemo-adopt-'));
    const file = join(directory, 'old.db');
    try {
      writeOldSqliteLayout(file);
      const store = await openSqliteStore({ path: file });
      expect((await store.getMessages({ scope, ids: ['m-old'] }))[0]?.content).toBe(
        'written by the old layout',
      );
      const queue = createSqliteInferenceQueue({ path: file });
      await queue.init();
      expect(await queue.counts()).toEqual({ pending: 1, failed: 0 });
      const keys = createSqliteApiKeyStore({ path: file });
      await keys.init();
      expect((await keys.findByKey(legacyKey))?.id).toBe('k-old');
      await Promise.all([keys.close(), queue.close(), store.close()]);
      const raw = new Database(file, { readonly: true });
      const versions = raw
        .prepare(
          `SELECT component, version FROM mnemo_migrations WHERE component <> 'adopted' ORDER BY component, version`,
        )
        .all();
      raw.close();
      expect(versions).toEqual(
        sqliteMigrationPlan.migrations
          .map((migration) => ({ component: migration.component, version: migration.version }))
          .sort(
            (left, right) => left.component.localeCompare(right.component) || left.version - right.version,
          ),
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe.runIf(testPostgresUrl !== undefined)(
  'the one migrator on a PostgreSQL schema of the old layout',
  () => {
    it('adopts the old version tables and opens the store, the queue and the keys with their data', async () => {
      const url = testPostgresUrl!;
      const schema = uniqueSchema('mnemo_adopt');
      const quoted = `"${schema}"`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const plan = postgresMigrationPlan(schema);
      try {
        await client.query(`CREATE SCHEMA ${quoted};
        CREATE TABLE ${quoted}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE ${quoted}.infer_queue_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL);
        CREATE TABLE ${quoted}.api_key_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
        const tables = {
          memories: 'schema_migrations',
          queue: 'infer_queue_migrations',
          keys: 'api_key_migrations',
        };
        for (const migration of plan.migrations) {
          await client.query(migration.sql.replaceAll('{schema}', quoted));
          const table = `${quoted}.${tables[migration.component]}`;
          if (migration.component === 'queue')
            await client.query(`INSERT INTO ${table} VALUES ($1, $2)`, [migration.version, T0]);
          else if (migration.component === 'keys')
            await client.query(`INSERT INTO ${table} VALUES ($1, $2, $3)`, [
              migration.version,
              migration.name,
              T0,
            ]);
          else
            await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [
              migration.version,
              migration.name,
            ]);
        }
        await client.query(
          `INSERT INTO ${quoted}.messages (id, tenant_id, user_id, agent_id, session_id, seq, role, content, observed_at, metadata, created_at)
           VALUES ('m-old', 't1', 'alice', '', 's1', 1, 'user', 'written by the old layout', ${T0}, '{}', ${T0});
         INSERT INTO ${quoted}.infer_queue (message_id, tenant_id, user_id, agent_id, session_id, seq, enqueued_at, status)
           VALUES ('m-old', 't1', 'alice', '', 's1', 1, ${T0}, 'pending');
         INSERT INTO ${quoted}.api_keys (id, key_hash, tenant_id, role, created_at)
           VALUES ('k-old', '${hashApiKey(legacyKey)}', 't1', 'write', ${T0})`,
        );
        const store = createPostgresStore({ connection: url, schema, maxConnections: 4 });
        await store.init();
        expect((await store.getMessages({ scope, ids: ['m-old'] }))[0]?.content).toBe(
          'written by the old layout',
        );
        const queue = createPostgresInferenceQueue({ pool: store.connectionPool(), schema });
        await queue.init();
        expect(await queue.counts()).toEqual({ pending: 1, failed: 0 });
        const keys = createPostgresApiKeyStore({ connection: store.connectionPool(), schema });
        await keys.init();
        expect((await keys.findByKey(legacyKey))?.id).toBe('k-old');
        await keys.close();
        await queue.close();
        await store.close();
        const versions = await client.query(
          `SELECT component, version FROM ${quoted}.mnemo_migrations WHERE component <> 'adopted' ORDER BY component, version`,
        );
        expect(versions.rows).toHaveLength(plan.migrations.length);
      } finally {
        await client.end();
        await dropSchema(url, schema);
      }
    });
  },
);
