// One migrator for everything a store owns (memories, inference queue, API keys): migrations are data per
// dialect, recorded in one version table (`mnemo_migrations`), applied in one transaction under one lock.
import { MnemoError } from '../../core/errors.js';
import type { Dialect, SqlConnection } from './dialect.js';
import { sql } from './sql.js';

/** What a migration belongs to: each component is versioned on its own, in the one table. */
export type MigrationComponent = 'memories' | 'queue' | 'keys';

/** One schema change: SQL (several statements allowed; `{schema}` stands for the quoted schema name). */
export interface SqlMigration {
  component: MigrationComponent;
  version: number;
  name: string;
  sql: string;
  /**
   * What SQL alone cannot say (e.g. SQLite functions written in TypeScript, rows converted one by one): runs
   * after `sql`, in the same transaction, on the dialect's own connection.
   */
  apply?: (dialect: Dialect) => Promise<void>;
}

/** A dialect's migrations and how to adopt the version tables of the layout before the one migrator. */
export interface MigrationPlan {
  /** Per component, oldest first. Append new ones; never edit an applied one. */
  migrations: readonly SqlMigration[];
  /** The version table each component kept before `mnemo_migrations` (read once, then left alone). */
  legacyTables: Readonly<Record<MigrationComponent, string>>;
  /** Runs first, under the lock (e.g. `CREATE SCHEMA IF NOT EXISTS`). */
  preamble?: string;
  /** Added to a failure's message (e.g. "is pgvector installed?"). */
  failureHint?: string;
  /** True when the table (of Mnemo's schema) exists. */
  tableExists(connection: SqlConnection, name: string): Promise<boolean>;
}

/** The version a component reaches once every migration of `plan` ran. */
export function latestVersion(plan: MigrationPlan, component: MigrationComponent): number {
  return Math.max(
    0,
    ...plan.migrations.filter((item) => item.component === component).map((item) => item.version),
  );
}

const ADOPTED = 'adopted';

/**
 * Applies the pending migrations of `components`, in one write transaction holding the migration lock
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and `pg_advisory_xact_lock`), so processes starting at once
 * migrate exactly once. On its first run over a store written before this table existed, it records the
 * versions of the old version tables. A component newer than this build is MIGRATION_FAILED.
 *
 * @example
 * await migrate({ dialect, components: ['memories', 'queue', 'keys'] });
 */
export async function migrate(input: {
  dialect: Dialect;
  plan: MigrationPlan;
  components: readonly MigrationComponent[];
}): Promise<void> {
  const { dialect, plan } = input;
  const table = dialect.table('mnemo_migrations');
  const script = (text: string) =>
    dialect.schema === undefined
      ? text
      : text.replaceAll('{schema}', `"${dialect.schema.replaceAll('"', '""')}"`);
  await dialect.transaction('write', async (connection) => {
    await dialect.lock(connection, `mnemo:migrate:${dialect.schema ?? ''}`);
    if (plan.preamble !== undefined) await connection.exec(script(plan.preamble));
    await connection.exec(
      script(`CREATE TABLE IF NOT EXISTS ${dialect.schema === undefined ? '' : '{schema}.'}mnemo_migrations (
        component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL,
        PRIMARY KEY (component, version))`),
    );
    await adoptLegacyTables(dialect, plan, connection);
    const rows = await connection.all<{ component: string; version: number }>(
      sql`SELECT component, version FROM ${table}`,
    );
    const applied = new Set(rows.map((row) => `${row.component}:${Number(row.version)}`));
    for (const component of input.components) {
      const current = Math.max(
        0,
        ...rows.filter((row) => row.component === component).map((row) => Number(row.version)),
      );
      const latest = latestVersion(plan, component);
      if (current > latest) {
        throw new MnemoError({
          code: 'MIGRATION_FAILED',
          message: `The database has ${component} schema version ${current}, newer than this Mnemo (${latest}); upgrade Mnemo.`,
        });
      }
    }
    for (const migration of plan.migrations) {
      if (!input.components.includes(migration.component)) continue;
      if (applied.has(`${migration.component}:${migration.version}`)) continue;
      try {
        await connection.exec(script(migration.sql));
        await migration.apply?.(dialect);
      } catch (error) {
        throw new MnemoError({
          code: 'MIGRATION_FAILED',
          message: `${dialect.name} migration ${migration.component} ${migration.version} (${migration.name}) failed: ${(error as Error).message}.${plan.failureHint === undefined ? '' : ` ${plan.failureHint}`}`,
          cause: error,
        });
      }
      await connection.run(
        sql`INSERT INTO ${table} (component, version, name, applied_at) VALUES (${migration.component}, ${migration.version}, ${migration.name}, ${Date.now()})`,
      );
    }
  });
}

/** Once per store: copies the versions of the version tables kept before `mnemo_migrations`. */
async function adoptLegacyTables(
  dialect: Dialect,
  plan: MigrationPlan,
  connection: SqlConnection,
): Promise<void> {
  const table = dialect.table('mnemo_migrations');
  const done = await connection.get(sql`SELECT 1 AS done FROM ${table} WHERE component = ${ADOPTED}`);
  if (done !== undefined) return;
  for (const [component, legacy] of Object.entries(plan.legacyTables)) {
    if (!(await plan.tableExists(connection, legacy))) continue;
    const versions = await connection.all<{ version: number }>(
      sql`SELECT version FROM ${dialect.table(legacy)} ORDER BY version`,
    );
    for (const { version } of versions) {
      const name = plan.migrations.find(
        (item) => item.component === component && item.version === Number(version),
      )?.name;
      await connection.run(
        sql`INSERT INTO ${table} (component, version, name, applied_at) VALUES (${component}, ${Number(version)}, ${name ?? `adopted from ${legacy}`}, ${Date.now()})`,
      );
    }
  }
  await connection.run(
    sql`INSERT INTO ${table} (component, version, name, applied_at) VALUES (${ADOPTED}, ${1}, ${'the version tables before mnemo_migrations'}, ${Date.now()})`,
  );
}
