// The add snapshot rebuilt on read is the record as added, after reads, a patch and a new embedding space
// changed the row without an add event of their own — on SQLite and PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MemoryStore } from './memory-store.js';
import { createPostgresStore } from './postgres/postgres-store.js';
import { dropSchema, testPostgresUrl, uniqueSchema } from './postgres/postgres-test-database.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';
import { FIXTURE_DIMENSIONS, makeMemoryWrite, T0 } from './test-support/fixtures.js';

const scope = { tenantId: 't', userId: 'ann' };

async function expectAddSnapshotKept(store: MemoryStore): Promise<void> {
  const write = makeMemoryWrite({ scope, text: 'Ann grows tomatoes' });
  await store.insertMemories({ memories: [write], actor: 'test', at: T0 });
  await store.recordAccess({ scope, ids: [write.record.id], at: T0 + 1 });
  await store.patchMemory({
    scope,
    id: write.record.id,
    patch: { importance: 0.9 },
    at: T0 + 2,
    actor: 'test',
  });
  await store.recordAccess({ scope, ids: [write.record.id], at: T0 + 3 });
  await store.setEmbeddingSpace({
    space: { model: 'other:model', dimensions: FIXTURE_DIMENSIONS },
    replace: true,
  });
  const history = await store.listHistory({ scope, memoryId: write.record.id });
  expect(history.map((entry) => entry.event)).toEqual(['add', 'update']);
  expect(history[0]?.after).toEqual(write.record);
  expect(history[1]?.before).toMatchObject({ accessCount: 1, importance: 0.5 });
  const current = await store.getMemory({ scope, id: write.record.id });
  expect(current).toMatchObject({ accessCount: 2, importance: 0.9 });
  expect(current?.embeddingModel).toBeUndefined();
}

describe('add snapshots rebuilt from the row', () => {
  it('SQLite: is the record as added', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-history-'));
    const store = createSqliteStore({ path: path.join(directory, 'history.db') });
    await store.init();
    try {
      await expectAddSnapshotKept(store);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it.runIf(testPostgresUrl !== undefined)('PostgreSQL: is the record as added', async () => {
    const schema = uniqueSchema();
    const store = createPostgresStore({ connection: testPostgresUrl!, schema, maxConnections: 2 });
    await store.init();
    try {
      await expectAddSnapshotKept(store);
    } finally {
      await store.close();
      await dropSchema(testPostgresUrl!, schema);
    }
  });
});
