// Candidate retrieval for the SQLite store: FTS5 BM25 and sqlite-vec KNN, both confined to the scope's partitions.
import type Database from 'better-sqlite3';
import { type Scope, userLevelOf } from '../../core/scope.js';
import type { EmbeddingSpace, LexicalHit, MemoryStore, VectorHit } from '../memory-store.js';
import { cleanTokens } from '../row-mapping.js';
import { filterSql, partitionToken, prepared, type VisibleScope, visibleSql } from './sqlite-rows.js';
import { checkVector, nearestInPartition, readEmbeddingSpace, vectorTableExists } from './sqlite-vectors.js';
import { vectorIndexCacheFor } from './vector-index.js';

export type LexicalInput = Parameters<MemoryStore['searchLexical']>[0];
export type VectorInput = Parameters<MemoryStore['searchVector']>[0];

/**
 * What a search may see: the visibility rule's SQL and partitions. A pattern that names a session but no
 * user or agent spans every partition of the tenant; only those that hold that session are searched.
 */
export function scopeForSearch(db: Database.Database, scope: Scope): VisibleScope {
  const visible = visibleSql(db, 'm', scope);
  if (scope.sessionId === undefined || userLevelOf(scope) !== undefined || scope.agentId !== undefined)
    return visible;
  const allowed = new Set(visible.partitions);
  const rows = prepared(db, 'SELECT DISTINCT partition_id AS id FROM memories WHERE session_id = ?').all(
    scope.sessionId,
  ) as Array<{ id: number }>;
  return { ...visible, partitions: rows.map((row) => row.id).filter((id) => allowed.has(id)) };
}

/** BM25 over partition-prefixed tokens of the scope's partitions only. */
export function searchLexicalIn(db: Database.Database, input: LexicalInput): LexicalHit[] {
  const terms = [...new Set(cleanTokens(input.terms))];
  if (terms.length === 0 || input.limit <= 0) return [];
  const scope = scopeForSearch(db, input.scope);
  const { partitions } = scope;
  if (partitions.length === 0) return [];
  const match = partitions
    .flatMap((partition) => terms.map((term) => `"${partitionToken(partition, term)}"`))
    .join(' OR ');
  const filter = filterSql(input.filter);
  // Two phases: FTS5 ranks its own matches (ORDER BY rank LIMIT keeps a heap, no join per match), then
  // only the best candidates are checked against the session scope and the filter. When the filter drops
  // too many, the candidate window grows until enough pass or the matches run out.
  const ranked = prepared(
    db,
    'SELECT rowid AS rid, -rank AS score FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rank LIMIT ?',
  );
  const hits: LexicalHit[] = [];
  for (let window = Math.max(input.limit * 4, 64); ; window *= 4) {
    const candidates = ranked.all(match, window) as Array<{ rid: number; score: number }>;
    const kept = keepPassing(db, candidates, scope, filter);
    hits.length = 0;
    for (const candidate of candidates) {
      const id = kept.get(candidate.rid);
      if (id !== undefined) hits.push({ id, score: candidate.score });
      if (hits.length === input.limit) break;
    }
    if (hits.length === input.limit || candidates.length < window) return hits;
  }
}

/** Which candidate rowids pass the scope and filter, mapped to their memory ids. */
function keepPassing(
  db: Database.Database,
  candidates: Array<{ rid: number }>,
  scope: { sql: string; params: unknown[] },
  filter: { sql: string; params: unknown[] },
): Map<number, string> {
  const kept = new Map<number, string>();
  for (let offset = 0; offset < candidates.length; offset += 500) {
    const rids = candidates.slice(offset, offset + 500).map((candidate) => candidate.rid);
    const rows = db
      .prepare(
        `SELECT m.rid, m.id FROM memories m WHERE m.rid IN (${rids.map(() => '?').join(', ')}) AND ${scope.sql} AND ${filter.sql}`,
      )
      .all(...rids, ...scope.params, ...filter.params) as Array<{ rid: number; id: string }>;
    for (const row of rows) kept.set(row.rid, row.id);
  }
  return kept;
}

/** Rescored candidates per requested neighbour in the in-memory index (and never fewer than 1,000): recall over speed. */
const CANDIDATES_PER_RESULT = 32;

/**
 * The `k` nearest of one partition: from the partition's in-memory index (Hamming pre-pass, cosine
 * rescoring) when it is large, else sqlite-vec's exact KNN.
 */
function nearestRows(
  db: Database.Database,
  input: { partition: number; space: EmbeddingSpace; embedding: Float32Array; k: number },
): Array<{ rid: number; distance: number }> {
  const indexed = vectorIndexCacheFor(db).nearest(db, {
    partition: input.partition,
    space: input.space,
    query: input.embedding,
    wanted: Math.max(input.k * CANDIDATES_PER_RESULT, 1000),
  });
  if (indexed === undefined) return nearestInPartition(db, input.partition, input.embedding, input.k);
  return indexed.slice(0, input.k).map((hit) => ({ rid: hit.rid, distance: 1 - hit.similarity }));
}

/** Cosine KNN per partition (exact, or near-exact from the in-memory index), over-fetched then filtered, merged nearest first. */
export function searchVectorIn(db: Database.Database, input: VectorInput): VectorHit[] {
  if (input.limit <= 0) return [];
  const space = readEmbeddingSpace(db);
  if (space === undefined || !vectorTableExists(db)) return [];
  checkVector(db, input.embedding, undefined);
  const filter = filterSql(input.filter);
  const hits: Array<{ id: string; distance: number }> = [];
  const scope = scopeForSearch(db, input.scope);
  const check = db.prepare(`SELECT m.id FROM memories m WHERE m.rid = ? AND ${scope.sql} AND ${filter.sql}`);
  for (const partition of scope.partitions) {
    for (let k = Math.max(input.limit * 4, 50); ; k = Math.min(k * 4, 4096)) {
      const nearest = nearestRows(db, { partition, space, embedding: input.embedding, k });
      const kept: Array<{ id: string; distance: number }> = [];
      for (const hit of nearest) {
        const row = check.get(hit.rid, ...scope.params, ...filter.params) as { id: string } | undefined;
        if (row !== undefined) kept.push({ id: row.id, distance: hit.distance });
        if (kept.length >= input.limit) break;
      }
      if (kept.length >= input.limit || nearest.length < k || k >= 4096) {
        hits.push(...kept.slice(0, input.limit));
        break;
      }
    }
  }
  hits.sort((a, b) => a.distance - b.distance);
  return hits.slice(0, input.limit).map((hit) => ({ id: hit.id, similarity: 1 - hit.distance }));
}
