// Runs the store conformance suite on PostgreSQL + pgvector, plus Postgres-only checks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeQuery } from '../../models/text-analyzer.js';
import { describeStoreConformance } from '../conformance.js';
import { createSqliteStore } from '../sqlite/sqlite-store.js';
import { makeMemoryWrite, T0 } from '../test-support/fixtures.js';
import { latestPostgresSchemaVersion } from './postgres-migrations.js';
import { createPostgresStore } from './postgres-store.js';
import { dropSchema, postgresRequired, testPostgresUrl, uniqueSchema } from './postgres-test-database.js';

const url = testPostgresUrl;

if (url === undefined && postgresRequired) {
  describe('PostgreSQL store', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped.');
    });
  });
}

describe.runIf(url !== undefined)('PostgreSQL store', () => {
  const open = async () => {
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
  };

  describeStoreConformance('postgres', open);

  it('migrates once when several stores open the same schema at once', async () => {
    const schema = uniqueSchema();
    const stores = Array.from({ length: 4 }, () =>
      createPostgresStore({ connection: url!, schema, maxConnections: 2 }),
    );
    try {
      await Promise.all(stores.map((store) => store.init()));
      expect((await stores[0]!.stats()).schemaVersion).toBe(latestPostgresSchemaVersion);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await dropSchema(url!, schema);
    }
  });

  it('ranks with BM25 statistics of the scope, like FTS5', async () => {
    const { store, cleanup } = await open();
    try {
      const scope = { tenantId: 't', userId: 'u' };
      const writes = [
        makeMemoryWrite({ scope, text: 'lisbon lisbon trip' }),
        makeMemoryWrite({
          scope,
          text: 'a long note about a trip to lisbon and many other places and things',
        }),
        makeMemoryWrite({ scope, text: 'nothing relevant here' }),
      ];
      await store.insertMemories({ memories: writes, actor: 'test', at: T0 });
      const hits = await store.searchLexical({
        scope,
        terms: analyzeQuery('lisbon'),
        filter: { now: T0 + 1 },
        limit: 10,
      });
      expect(hits.map((hit) => hit.id)).toEqual([writes[0]!.record.id, writes[1]!.record.id]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    } finally {
      await cleanup();
    }
  });

  it('gives every match the very BM25 score SQLite FTS5 gives it, term counts and repeated tokens included', async () => {
    const { store, cleanup } = await open();
    const directory = await mkdtemp(join(tmpdir(), 'mnemo-bm25-'));
    const sqlite = createSqliteStore({ path: join(directory, 'mnemo.db') });
    await sqlite.init();
    try {
      const scope = { tenantId: 't', userId: 'u' };
      const texts = [
        'lisbon lisbon trip',
        'a long note about a trip to lisbon and many other places and things',
        'trip planning for the summer',
        'nothing relevant here',
        'Lisbon again: the trams, the trip, the food in Lisbon',
      ];
      const writes = texts.map((text) => makeMemoryWrite({ scope, text }));
      // Repeated tokens, as a short turn that borrows context counts its own words twice.
      writes[2]!.tokens = [...writes[2]!.tokens, ...writes[2]!.tokens];
      for (const target of [store, sqlite]) {
        await target.insertMemories({ memories: writes, actor: 'test', at: T0 });
      }
      const query = { scope, terms: analyzeQuery('lisbon trip summer'), filter: { now: T0 + 1 }, limit: 10 };
      const expected = await sqlite.searchLexical(query);
      const actual = await store.searchLexical(query);
      expect(actual.map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id));
      expect(actual).toHaveLength(4);
      for (const [index, hit] of actual.entries()) expect(hit.score).toBeCloseTo(expected[index]!.score, 9);
    } finally {
      await sqlite.close();
      await rm(directory, { recursive: true, force: true });
      await cleanup();
    }
  });
});
