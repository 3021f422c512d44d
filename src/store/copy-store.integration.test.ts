// copyStore between real stores: SQLite → SQLite always, SQLite → PostgreSQL → SQLite when Postgres is available.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyStore } from './copy-store.js';
import type { MemoryStore } from './memory-store.js';
import { createPostgresStore } from './postgres/postgres-store.js';
import { dropSchema, testPostgresUrl, uniqueSchema } from './postgres/postgres-test-database.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import {
  FIXTURE_MODEL,
  fixtureEmbedding,
  makeMemoryWrite,
  makeNewMessage,
  T0,
} from './test-support/fixtures.js';

const scope = { tenantId: 'default', userId: 'alice' };
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mnemo-copy-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function seed(store: MemoryStore): Promise<void> {
  await store.appendMessages({
    messages: [makeNewMessage({ scope, content: 'hello' }), makeNewMessage({ scope, content: 'world' })],
  });
  const writes = ['I moved to Lisbon', 'My cat is called Miso', 'I work as a nurse'].map((text) =>
    makeMemoryWrite({ scope, text }),
  );
  await store.insertMemories({ memories: writes, actor: 'test', at: T0 });
  await store.patchMemory({
    scope,
    id: writes[0]!.record.id,
    patch: { importance: 0.9 },
    at: T0 + 1,
    actor: 'test',
  });
}

async function nearest(store: MemoryStore, text: string): Promise<string[]> {
  const hits = await store.searchVector({
    scope,
    embedding: fixtureEmbedding(text),
    filter: { now: T0 + 10 },
    limit: 3,
  });
  const records = await store.getMemories({ scope, ids: hits.map((hit) => hit.id) });
  return records.map((record) => record.text);
}

async function expectSameContent(source: MemoryStore, target: MemoryStore): Promise<void> {
  const [a, b] = await Promise.all([source.stats(), target.stats()]);
  expect({ memories: b.memories, messages: b.messages }).toEqual({
    memories: a.memories,
    messages: a.messages,
  });
  expect(b.embeddingSpace?.model).toBe(FIXTURE_MODEL);
  expect(await nearest(target, 'a pet cat')).toEqual(await nearest(source, 'a pet cat'));
  const history = async (store: MemoryStore) => {
    const page = await store.listMemories({ scope, filter: { now: T0 + 10 }, limit: 10 });
    const entries = await Promise.all(
      page.items.map((item) => store.listHistory({ scope, memoryId: item.id })),
    );
    return entries
      .flat()
      .map((entry) => `${entry.memoryId}:${entry.event}`)
      .sort();
  };
  expect(await history(target)).toEqual(await history(source));
}

describe('copyStore', () => {
  it('copies SQLite to SQLite with ids, history and vectors, and verifies counts', async () => {
    const source = await openSqliteStore({ path: join(directory, 'a.db') });
    const target = await openSqliteStore({ path: join(directory, 'b.db') });
    try {
      await seed(source);
      const progress: number[] = [];
      const result = await copyStore({
        from: source,
        to: target,
        batchSize: 2,
        onProgress: (p) => progress.push(p.rows),
      });
      expect(result.copied).toMatchObject({ messages: 2, memories: 3 });
      expect(progress.length).toBeGreaterThan(1);
      await expectSameContent(source, target);
      const again = await copyStore({ from: source, to: target });
      expect(again.copied).toEqual({ messages: 0, memories: 0, history: 0, spaces: 0, grants: 0 });
    } finally {
      await source.close();
      await target.close();
    }
  });

  it.runIf(testPostgresUrl !== undefined)('round-trips SQLite → PostgreSQL → SQLite', async () => {
    const url = testPostgresUrl!;
    const schema = uniqueSchema();
    const source = await openSqliteStore({ path: join(directory, 'a.db') });
    const postgres = createPostgresStore({ connection: url, schema, maxConnections: 2 });
    await postgres.init();
    const back = await openSqliteStore({ path: join(directory, 'c.db') });
    try {
      await seed(source);
      await copyStore({ from: source, to: postgres });
      await expectSameContent(source, postgres);
      await copyStore({ from: postgres, to: back });
      await expectSameContent(source, back);
    } finally {
      await source.close();
      await back.close();
      await postgres.close();
      await dropSchema(url, schema);
    }
  });
});
