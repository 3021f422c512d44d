// The embedding space (in `meta`) and the lazily created sqlite-vec `vec0` table, partitioned by scope.
import type Database from 'better-sqlite3';
import { MnemoError } from '../../core/errors.js';
import type { EmbeddingSpace } from '../memory-store.js';
import { blobToVector, int8Blob } from './int8-vectors.js';
import { freezeAddModels } from './sqlite-history.js';
import { prepared } from './sqlite-rows.js';
import { vectorIndexCacheFor } from './vector-index.js';

const SPACE_KEY = 'embedding_space';

export function readEmbeddingSpace(db: Database.Database): EmbeddingSpace | undefined {
  const row = prepared(db, 'SELECT value FROM meta WHERE key = ?').get(SPACE_KEY) as
    | { value: string }
    | undefined;
  return row === undefined ? undefined : (JSON.parse(row.value) as EmbeddingSpace);
}

function hasVectorTable(db: Database.Database): boolean {
  return prepared(db, `SELECT 1 FROM sqlite_master WHERE name = 'memory_vec'`).get() !== undefined;
}

function createVectorTable(db: Database.Database, dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions > 8192) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `Embedding dimensions must be a positive integer, got ${dimensions}`,
    });
  }
  db.exec(`CREATE VIRTUAL TABLE memory_vec USING vec0(
    partition_id INTEGER PARTITION KEY,
    embedding int8[${dimensions}] distance_metric=cosine)`);
}

/** Declares (or, with `replace`, replaces) the space; call inside a write transaction. */
export function declareEmbeddingSpace(
  db: Database.Database,
  space: EmbeddingSpace,
  options: { replace: boolean },
): void {
  const current = readEmbeddingSpace(db);
  if (current !== undefined && current.model === space.model && current.dimensions === space.dimensions) {
    if (!hasVectorTable(db)) createVectorTable(db, space.dimensions);
    return;
  }
  if (current !== undefined && !options.replace) {
    throw new MnemoError({
      code: 'EMBEDDING_MISMATCH',
      message: `The store holds embeddings of ${current.model} (${current.dimensions} dims), not ${space.model} (${space.dimensions} dims); run \`mnemo reembed\` to switch models.`,
      details: { stored: current, requested: space },
    });
  }
  if (hasVectorTable(db)) db.exec('DROP TABLE memory_vec');
  vectorIndexCacheFor(db).clear();
  createVectorTable(db, space.dimensions);
  freezeAddModels(db, { model: null, where: '1', params: [] });
  db.prepare('UPDATE memories SET embedding_model = NULL WHERE embedding_model IS NOT NULL').run();
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(SPACE_KEY, JSON.stringify({ model: space.model, dimensions: space.dimensions }));
}

/** Checks a vector against the space (declaring it from the vector when none is set yet). */
export function checkVector(
  db: Database.Database,
  vector: Float32Array,
  model: string | undefined,
): EmbeddingSpace {
  let space = readEmbeddingSpace(db);
  if (space === undefined) {
    if (model === undefined) {
      throw new MnemoError({
        code: 'EMBEDDING_MISMATCH',
        message:
          'An embedding was given without a model and the store has no embedding space; call setEmbeddingSpace first.',
      });
    }
    space = { model, dimensions: vector.length };
    declareEmbeddingSpace(db, space, { replace: false });
  }
  if (vector.length !== space.dimensions || (model !== undefined && model !== space.model)) {
    throw new MnemoError({
      code: 'EMBEDDING_MISMATCH',
      message: `Embedding of ${model ?? space.model} with ${vector.length} dims does not match the store's space ${space.model} (${space.dimensions} dims).`,
      details: { stored: space, model, dimensions: vector.length },
    });
  }
  return space;
}

export function putVector(db: Database.Database, rid: number, partition: number, vector: Float32Array): void {
  vectorIndexCacheFor(db).noteVectorWrite();
  db.prepare('DELETE FROM memory_vec WHERE rowid = ?').run(BigInt(rid));
  db.prepare('INSERT INTO memory_vec (rowid, partition_id, embedding) VALUES (?, ?, vec_int8(?))').run(
    BigInt(rid),
    BigInt(partition),
    int8Blob(vector),
  );
}

export function deleteVectors(db: Database.Database, rids: number[]): void {
  if (!hasVectorTable(db)) return;
  vectorIndexCacheFor(db).noteVectorWrite();
  const statement = db.prepare('DELETE FROM memory_vec WHERE rowid = ?');
  for (const rid of rids) statement.run(BigInt(rid));
}

/** The stored vector of `rid`, unit length (stored vectors are int8, see int8-vectors.ts). */
export function readVector(db: Database.Database, rid: number): Float32Array | undefined {
  if (!hasVectorTable(db)) return undefined;
  const row = db.prepare('SELECT embedding FROM memory_vec WHERE rowid = ?').get(BigInt(rid)) as
    | { embedding: Buffer }
    | undefined;
  return row === undefined ? undefined : blobToVector(row.embedding, readEmbeddingSpace(db)?.dimensions ?? 0);
}

export function vectorRowids(db: Database.Database, rids: number[]): Set<number> {
  const found = new Set<number>();
  if (!hasVectorTable(db) || rids.length === 0) return found;
  const statement = db.prepare('SELECT rowid FROM memory_vec WHERE rowid = ?');
  for (const rid of rids) if (statement.get(BigInt(rid)) !== undefined) found.add(rid);
  return found;
}

/** Cosine KNN over the int8 vectors of one partition (the query quantised alike): (rowid, distance) nearest first. */
export function nearestInPartition(
  db: Database.Database,
  partition: number,
  vector: Float32Array,
  k: number,
): Array<{ rid: number; distance: number }> {
  const rows = db
    .prepare(
      'SELECT rowid AS rid, distance FROM memory_vec WHERE embedding MATCH vec_int8(?) AND k = ? AND partition_id = ? ORDER BY distance',
    )
    .all(int8Blob(vector), k, BigInt(partition)) as Array<{ rid: number | bigint; distance: number }>;
  return rows.map((row) => ({ rid: Number(row.rid), distance: row.distance }));
}

export function vectorTableExists(db: Database.Database): boolean {
  return hasVectorTable(db);
}
