// Test support: the backends a REST route test runs on — a real SQLite file always (createRestFixture), and
// PostgreSQL (a schema of its own, dropped afterwards) when MNEMO_TEST_POSTGRES_URL is set, with a failing
// guard in CI when it is not.
import { expect, it } from 'vitest';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { type ApiKeyStore, openApiKeyStore } from '../../store/keys/api-key-store.js';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from '../../store/postgres/postgres-test-database.js';
import { createRestFixture } from './rest-fixture.js';

/** What a route test needs of a backend: its memory, its keys (four by name) and how to drop it. */
export interface RestBackend {
  memory: Memory;
  keys: ApiKeyStore;
  secrets: { acmeWrite: string; acmeRead: string; acmeAdmin: string; globexWrite: string };
  cleanup(): Promise<void>;
}

async function openPostgres(url: string, prefix: string): Promise<RestBackend> {
  const schema = uniqueSchema(prefix);
  const memory = await createMemory({
    store: { provider: 'postgres', connection: url, schema, maxConnections: 4 },
    actor: 'rest',
  });
  const keys = await openApiKeyStore({ db: url, schema });
  const key = async (tenantId: string, role: 'read' | 'write' | 'admin') =>
    (await keys.create({ tenantId, role })).key;
  return {
    memory,
    keys,
    secrets: {
      acmeWrite: await key('acme', 'write'),
      acmeRead: await key('acme', 'read'),
      acmeAdmin: await key('acme', 'admin'),
      globexWrite: await key('globex', 'write'),
    },
    async cleanup() {
      await keys.close();
      await memory.close();
      await dropSchema(url, schema);
    },
  };
}

/**
 * The backends for `describe.each`; registers the CI guard when PostgreSQL is required but not set.
 *
 * @example
 * describe.each(restBackends('sharing'))('sharing routes on $name', ({ open }) => { … });
 */
export function restBackends(suite: string): Array<{ name: string; open: () => Promise<RestBackend> }> {
  if (testPostgresUrl === undefined && postgresRequired) {
    it(`runs the ${suite} tests on PostgreSQL in CI (MNEMO_TEST_POSTGRES_URL must be set)`, () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set.');
    });
  }
  const url = testPostgresUrl;
  return [
    { name: 'SQLite', open: createRestFixture },
    ...(url === undefined
      ? []
      : [{ name: 'PostgreSQL', open: () => openPostgres(url, `mnemo_${suite}_rest`) }]),
  ];
}
