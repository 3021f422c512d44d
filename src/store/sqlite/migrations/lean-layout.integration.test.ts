// A file written with the layout of schema 5 (JSON tokens, full add snapshots, float vectors, UUID history
// ids) opens with the lean layout of migrations 6-10 and keeps every record, event, token and vector.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryRecord } from '../../../core/records.js';
import { analyze } from '../../../models/text-analyzer.js';
import type { StoreDumpRow } from '../../memory-store.js';
import { fixtureEmbedding, makeMemoryWrite, T0 } from '../../test-support/fixtures.js';
import { applySqliteMigration, sqliteMemoryMigrations } from '../sqlite-migrations.js';
import { openSqliteStore } from '../sqlite-store.js';

const scope = { tenantId: 'default', userId: 'olga', sessionId: 's1' };

/** Writes `records` the way schema 5 did: rows, JSON tokens, FTS documents, float vectors, full add snapshots. */
function writeSchema5(file: string, records: MemoryRecord[], messageContent: string): void {
  const db = new Database(file);
  sqliteVec.load(db);
  db.exec(
    `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  for (const migration of sqliteMemoryMigrations.filter((entry) => entry.version <= 5)) {
    applySqliteMigration(db, migration);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, T0);
  }
  db.exec(`INSERT INTO partitions (id, tenant_id, user_id, agent_id) VALUES (1, 'default', 'olga', '');
    CREATE VIRTUAL TABLE memory_vec USING vec0(partition_id INTEGER PARTITION KEY, embedding float[16] distance_metric=cosine);
    INSERT INTO meta (key, value) VALUES ('embedding_space', '{"model":"fixture:hash:16","dimensions":16}');`);
  db.prepare(
    `INSERT INTO messages (id, partition_id, session_id, seq, role, content, observed_at, metadata, created_at)
     VALUES ('message-1', 1, 's1', 1, 'user', ?, ?, '{}', ?)`,
  ).run(messageContent, T0, T0);
  records.forEach((record, index) => {
    const rid = index + 1;
    const tokens = analyze(record.indexText);
    db.prepare(
      `INSERT INTO memories (rid, id, partition_id, session_id, kind, text, index_text, attributes, metadata, importance,
         confidence, source, observed_at, created_at, access_count, embedding_model, hash, tokens)
       VALUES (?, ?, 1, 's1', ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
    ).run(
      rid,
      record.id,
      record.kind,
      record.text,
      record.indexText,
      JSON.stringify(record.attributes),
      record.importance,
      record.confidence,
      JSON.stringify(record.source),
      Date.parse(record.observedAt),
      Date.parse(record.createdAt),
      record.embeddingModel ?? null,
      record.hash,
      JSON.stringify(tokens),
    );
    db.prepare('INSERT INTO memory_fts (rowid, tokens) VALUES (?, ?)').run(
      rid,
      tokens.map((token) => `p1x${token}`).join(' '),
    );
    const vector = fixtureEmbedding(record.text);
    db.prepare('INSERT INTO memory_vec (rowid, partition_id, embedding) VALUES (?, 1, ?)').run(
      BigInt(rid),
      Buffer.from(vector.buffer),
    );
    db.prepare(
      `INSERT INTO history (id, memory_id, partition_id, session_id, event, after_json, at, actor)
       VALUES (?, ?, 1, 's1', 'add', ?, ?, 'sdk')`,
    ).run(`history-${rid}`, record.id, JSON.stringify(record), T0);
  });
  db.close();
}

describe('a schema-5 SQLite file', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-lean-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('migrates to the lean layout and keeps its records, history, tokens and vectors', async () => {
    const file = path.join(directory, 'old.db');
    const fact = makeMemoryWrite({ scope, text: 'Olga keeps bees on the roof' }).record;
    const episode = makeMemoryWrite({ scope, text: 'we harvested honey today', kind: 'episode' }).record;
    episode.indexText = `olga: ${episode.text} [dates: 2024]`;
    episode.source = { messageIds: ['message-1'], origin: 'user', trust: 'high' };
    writeSchema5(file, [fact, episode], episode.text);

    const store = await openSqliteStore({ path: file });
    try {
      expect((await store.stats()).schemaVersion).toBe(sqliteMemoryMigrations.length);
      expect(await store.getMemory({ scope, id: fact.id })).toEqual(fact);
      expect(await store.getMemory({ scope, id: episode.id })).toEqual(episode);
      const history = await store.listHistory({ scope, memoryId: episode.id });
      expect(history).toMatchObject([{ id: 'history-2', event: 'add', after: episode }]);

      const lexical = await store.searchLexical({ scope, terms: ['honei'], filter: { now: T0 }, limit: 5 });
      expect(lexical.map((hit) => hit.id)).toEqual([episode.id]);
      const nearest = await store.searchVector({
        scope,
        embedding: fixtureEmbedding('Olga keeps bees on the roof'),
        filter: { now: T0 },
        limit: 1,
      });
      expect(nearest[0]?.id).toBe(fact.id);
      expect(nearest[0]?.similarity).toBeCloseTo(1, 5);

      const rows: StoreDumpRow[] = [];
      for await (const row of store.dump({ includeEmbeddings: true })) rows.push(row);
      const dumped = rows.find((row) => row.type === 'memory' && row.memory.id === episode.id);
      expect(dumped).toMatchObject({ tokens: analyze(episode.indexText) });

      await store.forgetMemory({ scope, id: episode.id, at: T0 + 1, actor: 'test' });
      expect(await store.searchLexical({ scope, terms: ['honei'], filter: { now: T0 }, limit: 5 })).toEqual(
        [],
      );
    } finally {
      await store.close();
    }
  });
});
