// The backends an SDK integration test runs on: a temporary SQLite file always, PostgreSQL (a schema of its
// own, dropped afterwards) when MNEMO_TEST_POSTGRES_URL is set — and a failing guard in CI when it is not.
import { expect, it } from 'vitest';
import { isMnemoError } from '../../core/errors.js';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from '../../store/postgres/postgres-test-database.js';
import { type CreateMemoryOptions, createMemory, type Memory } from '../create-memory.js';
import { createTempDatabase } from './inference-fixture.js';

export interface SdkBackend {
  name: string;
  open(options: Omit<CreateMemoryOptions, 'store'>): Promise<Memory>;
  cleanup(): Promise<void>;
}

/**
 * `[name, make]` pairs for `describe.each`; registers the CI guard when PostgreSQL is required but not set.
 *
 * @example
 * describe.each(sdkBackends('graph', 'mnemo-graph-'))('graph on %s', (_name, makeBackend) => { … });
 */
export function sdkBackends(suite: string, tempPrefix: string): Array<[string, () => SdkBackend]> {
  if (testPostgresUrl === undefined && postgresRequired) {
    it(`runs the ${suite} tests on PostgreSQL in CI (MNEMO_TEST_POSTGRES_URL must be set)`, () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set.');
    });
  }
  const sqlite = (): SdkBackend => {
    const database = createTempDatabase(tempPrefix);
    return {
      name: 'sqlite',
      open: (options) => createMemory({ ...options, store: database.path }),
      cleanup: async () => database.cleanup(),
    };
  };
  const backends: Array<[string, () => SdkBackend]> = [['sqlite', sqlite]];
  const url = testPostgresUrl;
  if (url !== undefined) {
    backends.push([
      'postgres',
      () => {
        const schema = uniqueSchema();
        return {
          name: 'postgres',
          open: (options) =>
            createMemory({
              ...options,
              store: { provider: 'postgres', connection: url, schema, maxConnections: 4 },
            }),
          cleanup: () => dropSchema(url, schema),
        };
      },
    ]);
  }
  return backends;
}

/**
 * The MnemoError code a promise rejects with (undefined when it resolves; the text of any other error).
 *
 * @example
 * expect(await codeOf(memory.graph.entity('Nobody', { userId: 'u' }))).toBe('NOT_FOUND');
 */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return isMnemoError(error) ? error.code : error === undefined ? undefined : String(error);
}
