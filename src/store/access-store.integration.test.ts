// Runs the AccessStore conformance suite (spaces, grants, authorize, audit, erasure) on a SQLite file and on
// PostgreSQL (a fresh schema per test, dropped afterwards).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeAccessConformance } from './access-conformance.js';
import { createPostgresStore } from './postgres/postgres-store.js';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from './postgres/postgres-test-database.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

describeAccessConformance('sqlite', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'mnemo-access-'));
  const store = await openSqliteStore({ path: join(directory, 'mnemo.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

const url = testPostgresUrl;
if (url === undefined && postgresRequired) {
  describe('AccessStore on PostgreSQL', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped.');
    });
  });
}

describe.runIf(url !== undefined)('AccessStore on PostgreSQL', () => {
  describeAccessConformance('postgres', async () => {
    const schema = uniqueSchema();
    const store = createPostgresStore({ connection: url!, schema, maxConnections: 4 });
    await store.init();
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(url!, schema);
      },
    };
  });
});
