// Test support: finds the PostgreSQL the tests may use (MNEMO_TEST_POSTGRES_URL) and gives each test its
// own schema, dropped afterwards. In CI the Postgres tests must run; elsewhere they skip, loudly.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The URL of the test database, if configured. */
export const testPostgresUrl: string | undefined = process.env.MNEMO_TEST_POSTGRES_URL || undefined;

/** True when the Postgres tests must not be skipped (CI). */
export const postgresRequired = process.env.CI === 'true';

if (testPostgresUrl === undefined && !postgresRequired) {
  console.warn(
    '\n⚠ PostgreSQL tests skipped: set MNEMO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run them.\n',
  );
}

/** A fresh schema name for one test. */
export function uniqueSchema(prefix = 'mnemo_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
