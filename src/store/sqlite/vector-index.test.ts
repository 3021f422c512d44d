// Tests the in-memory partition vector index: recall against exact cosine, and coherence with the SQLite file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_MODEL, fixtureEmbedding, makeMemoryWrite, T0 } from '../test-support/fixtures.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';
import { PartitionVectorIndex, vectorIndexCacheFor } from './vector-index.js';

/** Deterministic uniform numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomVector(random: () => number, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (let index = 0; index < dimensions; index++) vector[index] = random() * 2 - 1;
  return vector;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += (a[index] ?? 0) * (b[index] ?? 0);
    normA += (a[index] ?? 0) ** 2;
    normB += (b[index] ?? 0) ** 2;
  }
  return dot / Math.sqrt(normA * normB);
}

describe('PartitionVectorIndex', () => {
  it('finds at least 95% of the exact top 10 on a seeded set of 4,000 vectors', () => {
    const random = seededRandom(1234);
    const dimensions = 128;
    // Clustered data, like embeddings: 40 centres with noise around each.
    const centres = Array.from({ length: 40 }, () => randomVector(random, dimensions));
    const vectors = Array.from({ length: 4000 }, (_, index) => {
      const centre = centres[index % centres.length] ?? new Float32Array(dimensions);
      const noise = randomVector(random, dimensions);
      return centre.map((value, dimension) => value + 0.8 * (noise[dimension] ?? 0));
    });
    const index = new PartitionVectorIndex({ dimensions });
    for (const [rid, vector] of vectors.entries()) index.add(rid + 1, vector);
    let found = 0;
    const queries = 40;
    for (let query = 0; query < queries; query++) {
      const target = randomVector(random, dimensions).map(
        (value, dimension) => 0.5 * value + (centres[query % centres.length]?.[dimension] ?? 0),
      );
      const exact = vectors
        .map((vector, rid) => ({ rid: rid + 1, similarity: cosine(target, vector) }))
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, 10);
      const approximate = new Set(index.search(target, { candidates: 400 }).map((hit) => hit.rid));
      found += exact.filter((hit) => approximate.has(hit.rid)).length;
      const best = index.search(target, { candidates: 400 })[0];
      expect(best?.similarity).toBeCloseTo(exact[0]?.similarity ?? 0, 2);
    }
    expect(found / (queries * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('replaces a vector on re-add and never returns a removed one', () => {
    const index = new PartitionVectorIndex({ dimensions: 3 });
    index.add(1, new Float32Array([1, 0, 0]));
    index.add(2, new Float32Array([0, 1, 0]));
    index.add(3, new Float32Array([0, 0, 1]));
    index.add(2, new Float32Array([1, 0.1, 0]));
    expect(index.search(new Float32Array([1, 0.1, 0]), { candidates: 10 })[0]?.rid).toBe(2);
    index.remove(2);
    index.remove(99);
    const hits = index.search(new Float32Array([1, 0.1, 0]), { candidates: 10 });
    expect(hits.map((hit) => hit.rid)).toEqual([1, 3]);
    expect(index.size).toBe(2);
  });
});

describe('SQLite store with the in-memory vector index', () => {
  let directory: string;
  let path: string;
  const scope = { tenantId: 'default', userId: 'alice' };
  const filter = { now: T0 + 1_000 };
  const opened: SqliteStore[] = [];
  const words = ['tea', 'coffee', 'lisbon', 'berlin', 'piano', 'chess', 'hiking', 'sushi', 'python', 'cats'];

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mnemo-vector-index-'));
    path = join(directory, 'mnemo.db');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function open(minVectors: number): Promise<SqliteStore> {
    const store = await openSqliteStore({ path, vectorIndex: { minVectors } });
    opened.push(store);
    return store;
  }

  /** The store's connection, only to check that searches really went through the index. */
  function cacheOf(store: SqliteStore): ReturnType<typeof vectorIndexCacheFor> {
    return vectorIndexCacheFor((store as unknown as { database: Database.Database }).database);
  }

  async function seed(store: SqliteStore, count: number): Promise<string[]> {
    const random = seededRandom(99);
    const writes = Array.from({ length: count }, (_, index) =>
      makeMemoryWrite({
        scope,
        text: `${words[Math.floor(random() * words.length)]} ${words[Math.floor(random() * words.length)]} note ${index}`,
        kind: index % 3 === 0 ? 'profile' : 'fact',
      }),
    );
    await store.insertMemories({ memories: writes, actor: 'test', at: T0 });
    return writes.map((write) => write.record.id);
  }

  async function nearestIds(store: SqliteStore, text: string, limit = 5): Promise<string[]> {
    const hits = await store.searchVector({ scope, embedding: fixtureEmbedding(text), filter, limit });
    return hits.map((hit) => hit.id);
  }

  it('returns the same neighbours as the exact vec0 query', async () => {
    const indexed = await open(1);
    await seed(indexed, 300);
    const exact = await openSqliteStore({ path, vectorIndex: { minVectors: 1_000_000 } });
    opened.push(exact);
    for (const query of ['tea lisbon', 'chess python note 7', 'sushi cats']) {
      const fromIndex = await indexed.searchVector({
        scope,
        embedding: fixtureEmbedding(query),
        filter,
        limit: 8,
      });
      const fromVec0 = await exact.searchVector({
        scope,
        embedding: fixtureEmbedding(query),
        filter,
        limit: 8,
      });
      expect(fromIndex.map((hit) => hit.similarity)).toEqual(
        fromVec0.map((hit) => expect.closeTo(hit.similarity, 2)),
      );
    }
    expect(cacheOf(indexed).bytes).toBeGreaterThan(0);
    expect(cacheOf(exact).bytes).toBe(0);
  });

  it('sees vectors inserted and forgotten by another store instance on the same file', async () => {
    const reader = await open(1);
    const writer = await open(1);
    const ids = await seed(writer, 200);
    expect(await nearestIds(reader, 'tea coffee')).toHaveLength(5);
    const added = makeMemoryWrite({ scope, text: 'zebra quartz xylophone' });
    await writer.insertMemories({ memories: [added], actor: 'test', at: T0 });
    expect((await nearestIds(reader, 'zebra quartz xylophone'))[0]).toBe(added.record.id);
    await writer.forgetMemory({ scope, id: added.record.id, at: T0 + 1, actor: 'test' });
    const victim = ids[17] ?? '';
    await writer.forgetMemory({ scope, id: victim, at: T0 + 1, actor: 'test' });
    const after = await nearestIds(reader, 'zebra quartz xylophone', 300);
    expect(after).not.toContain(added.record.id);
    expect(after).not.toContain(victim);
    expect(after).toHaveLength(199);
  });

  it('sees vectors written and forgotten through the same store', async () => {
    const store = await open(1);
    const ids = await seed(store, 150);
    expect(await nearestIds(store, 'tea')).toHaveLength(5);
    const added = makeMemoryWrite({ scope, text: 'zebra quartz xylophone' });
    await store.insertMemories({ memories: [added], actor: 'test', at: T0 });
    expect((await nearestIds(store, 'zebra quartz xylophone'))[0]).toBe(added.record.id);
    await store.forgetMemory({ scope, id: added.record.id, at: T0 + 1, actor: 'test' });
    const victim = ids[5] ?? '';
    const text = (await store.getMemory({ scope, id: victim }))?.indexText ?? '';
    expect(await nearestIds(store, text, 150)).toContain(victim);
    await store.forgetMemory({ scope, id: victim, at: T0 + 1, actor: 'test' });
    const after = await nearestIds(store, text, 150);
    expect(after).not.toContain(victim);
    expect(after).toHaveLength(149);
  });

  it('drops the index when the embedding space is replaced, here or elsewhere', async () => {
    const store = await open(1);
    const other = await open(1);
    await seed(store, 100);
    expect(await nearestIds(store, 'tea')).toHaveLength(5);
    expect(await nearestIds(other, 'tea')).toHaveLength(5);
    await store.setEmbeddingSpace({ space: { model: 'other-model', dimensions: 16 }, replace: true });
    expect(await nearestIds(store, 'tea')).toEqual([]);
    expect(await nearestIds(other, 'tea')).toEqual([]);
    expect(cacheOf(store).bytes).toBe(0);
    await other.setEmbeddingSpace({ space: { model: FIXTURE_MODEL, dimensions: 16 }, replace: true });
    expect(await nearestIds(store, 'tea')).toEqual([]);
  });

  it('still applies the memory filter', async () => {
    const store = await open(1);
    await seed(store, 120);
    const hits = await store.searchVector({
      scope,
      embedding: fixtureEmbedding('tea lisbon'),
      filter: { ...filter, kinds: ['profile'] },
      limit: 30,
    });
    expect(hits).toHaveLength(30);
    const records = await store.getMemories({ scope, ids: hits.map((hit) => hit.id) });
    expect(new Set(records.map((record) => record.kind))).toEqual(new Set(['profile']));
    expect(cacheOf(store).bytes).toBeGreaterThan(0);
  });

  it('keeps cached bytes under maxBytes by evicting the least recently searched partition', async () => {
    const store = await openSqliteStore({ path, vectorIndex: { minVectors: 1, maxBytes: 1 } });
    opened.push(store);
    await seed(store, 50);
    const bob = { tenantId: 'default', userId: 'bob' };
    await store.insertMemories({
      memories: [makeMemoryWrite({ scope: bob, text: 'tea with bob' })],
      actor: 'test',
      at: T0,
    });
    await nearestIds(store, 'tea');
    const aliceBytes = cacheOf(store).bytes;
    expect(aliceBytes).toBeGreaterThan(0);
    const bobHits = await store.searchVector({
      scope: bob,
      embedding: fixtureEmbedding('tea'),
      filter,
      limit: 5,
    });
    expect(bobHits).toHaveLength(1);
    // Only bob's one-vector partition stays cached; without eviction it would be alice's bytes plus bob's.
    expect(cacheOf(store).bytes).toBeGreaterThan(0);
    expect(cacheOf(store).bytes).toBeLessThan(aliceBytes);
  });
});
