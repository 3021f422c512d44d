// A store written by an older version, where a crash left logged messages without their episode: the
// next createMemory() repairs them (episode, index, vector, neighbours), says so once, and never again.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../core/scope.js';
import type { MemoryStore } from '../store/memory-store.js';
import { createPostgresStore } from '../store/postgres/postgres-store.js';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from '../store/postgres/postgres-test-database.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { T0 } from '../store/test-support/fixtures.js';
import { createMemory, type Memory } from './create-memory.js';

const scope: Scope = { tenantId: 'default', userId: 'olga', sessionId: 's1' };

let memory: Memory | undefined;
afterEach(async () => {
  await memory?.close();
  memory = undefined;
});

/** What an older version could leave: turn 2 of 3 logged, its episode never written. */
async function leaveOrphan(store: MemoryStore): Promise<{ orphanId: string; seeded: Memory }> {
  const seeded = await createMemory({ store });
  await seeded.add([{ role: 'user', content: 'Did you see the comet?' }], { ...scope, observedAt: T0 });
  const [orphan] = await store.appendMessages({
    messages: [
      {
        id: `orphan-${Date.now()}`,
        scope,
        role: 'assistant',
        content: 'Yes!',
        observedAt: T0 + 1000,
        metadata: {},
        createdAt: T0 + 1000,
      },
    ],
  });
  await seeded.add([{ role: 'user', content: 'It was bright green' }], { ...scope, observedAt: T0 + 2000 });
  return { orphanId: orphan!.id, seeded };
}

async function expectRepaired(opened: Memory, orphanId: string): Promise<void> {
  const first = await opened.status();
  expect(first.warnings.filter((warning) => warning.startsWith('Repaired 1 message'))).toHaveLength(1);
  expect((await opened.status()).warnings.some((warning) => warning.startsWith('Repaired'))).toBe(false);
  expect((await opened.store.listOrphanMessages({ limit: 10 })).items).toEqual([]);
  expect(await opened.store.needsOrphanScan()).toBe(false);
  const episodes = await opened.store.episodesOfMessages({ scope, messageIds: [orphanId] });
  const episode = episodes.get(orphanId);
  expect(episode?.text).toBe('Yes!');
  // A short turn is indexed with its neighbours, as if it had been added normally.
  expect(episode?.indexText).toContain('comet');
  expect(episode?.indexText).toContain('bright green');
  expect(episode?.embeddingModel).toBeDefined();
  expect(await opened.history(episode!.id, scope)).toMatchObject([{ event: 'add', actor: 'system:repair' }]);
  const { results } = await opened.search('yes comet', { ...scope, kinds: ['episode'] });
  expect(results.map((result) => result.memory.id)).toContain(episode!.id);
}

describe('orphan repair at open: SQLite', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-orphans-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('repairs messages left without an episode when a version-4 store is migrated', async () => {
    const file = path.join(directory, 'old.db');
    const { orphanId, seeded } = await leaveOrphan(await openSqliteStore({ path: file }));
    await seeded.close();
    // Back to schema 4, as an older Mnemo left it; migration 5 then flags the store for a scan. (Undoing
    // migration 6 as well: memories get their JSON token column back, empty, so only new turns are indexed.)
    const db = new Database(file);
    db.exec(`DROP TRIGGER messages_erase_idempotency; DROP TRIGGER memories_erase_idempotency;
      DROP TABLE idempotency_targets; DROP TABLE idempotency_keys;
      ALTER TABLE memories ADD COLUMN tokens TEXT NOT NULL DEFAULT '[]'; ALTER TABLE memories DROP COLUMN token_form;
      DROP TABLE graph_entities; DROP TABLE graph_aliases; DROP TABLE graph_mentions; DROP TABLE graph_relations;
      DROP TABLE graph_relation_sources; DROP TABLE graph_merges;
      ALTER TABLE memories DROP COLUMN archived_at; DROP TABLE maintenance_state;
      DROP TABLE spaces; DROP TABLE grants; DROP TABLE audit_log;
      DELETE FROM mnemo_migrations WHERE component = 'memories' AND version >= 5`);
    db.close();

    memory = await createMemory({ store: file });
    await expectRepaired(memory, orphanId);
    await memory.close();
    memory = await createMemory({ store: file });
    expect((await memory.status()).warnings.some((warning) => warning.startsWith('Repaired'))).toBe(false);
  });

  it('does not scan a store that never held messages', async () => {
    memory = await createMemory({ store: path.join(directory, 'new.db') });
    expect(await memory.store.needsOrphanScan()).toBe(false);
  });
});

if (testPostgresUrl === undefined && postgresRequired) {
  describe('orphan repair at open: PostgreSQL', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped.');
    });
  });
}

describe.runIf(testPostgresUrl !== undefined)('orphan repair at open: PostgreSQL', () => {
  it('repairs messages left without an episode when a version-4 schema is migrated', async () => {
    const url = testPostgresUrl!;
    const schema = uniqueSchema();
    const store = createPostgresStore({ connection: url, schema });
    await store.init();
    try {
      const { orphanId, seeded } = await leaveOrphan(store);
      await store.connectionPool().query(`DROP TABLE "${schema}".idempotency_targets;
        DROP TABLE "${schema}".idempotency_keys; DROP FUNCTION "${schema}".erase_idempotency CASCADE;
        DELETE FROM "${schema}".mnemo_migrations WHERE component = 'memories' AND version = 5`);
      await seeded.close();
      memory = await createMemory({ store: { provider: 'postgres', connection: url, schema } });
      await expectRepaired(memory, orphanId);
    } finally {
      await memory?.close();
      memory = undefined;
      await dropSchema(url, schema);
    }
  });
});
