// Candidate retrieval for the PostgreSQL store: BM25 from tsvector term counts (ranked as SQLite's FTS5
// ranks) and filtered HNSW cosine search, both inside the scope.
import type pg from 'pg';
import type { Scope } from '../../core/scope.js';
import { bm25Score } from '../bm25.js';
import type { LexicalHit, MemoryFilter, VectorHit } from '../memory-store.js';
import { cleanTokens } from '../row-mapping.js';
import { filterSql, SqlParams, vectorLiteral, visibleSql } from './postgres-sql.js';
import { inTransaction } from './postgres-transaction.js';
import type { Tables } from './postgres-writes.js';

/** BM25 over the scope's memories matching any term, best first (see MemoryStore.searchLexical). */
export async function searchLexicalIn(
  db: pg.Pool,
  tables: Tables,
  input: { scope: Scope; terms: string[]; filter: MemoryFilter; limit: number },
): Promise<LexicalHit[]> {
  const terms = [...new Set(cleanTokens(input.terms))];
  if (terms.length === 0 || input.limit <= 0) return [];
  const params = new SqlParams();
  const query = params.add(terms.join(' | '));
  const termList = params.add(terms);
  const scope = visibleSql('m', input.scope, params);
  const filter = filterSql(input.filter, params);
  const matches = await db.query<{ id: string; doc_len: number; lexeme: string; tf: number }>(
    `SELECT m.id, m.doc_len, u.lexeme, cardinality(u.positions) AS tf
     FROM ${tables.memories} m CROSS JOIN LATERAL unnest(m.search_vector) u
     WHERE ${scope} AND m.search_vector @@ to_tsquery('simple', ${query}) AND ${filter} AND u.lexeme = ANY(${termList}::text[])`,
    params.values,
  );
  if (matches.rows.length === 0) return [];
  // Statistics over every memory of the scope, as FTS5 counts every row of its table.
  const statsParams = new SqlParams();
  const stats = await db.query<{ n: string; avgdl: string | null }>(
    `SELECT count(*) AS n, avg(doc_len) AS avgdl FROM ${tables.memories} m WHERE ${visibleSql('m', input.scope, statsParams)}`,
    statsParams.values,
  );
  const documents = new Map<string, { id: string; length: number; termFrequencies: Map<string, number> }>();
  const documentFrequencies = new Map<string, number>();
  for (const row of matches.rows) {
    let document = documents.get(row.id);
    if (document === undefined) {
      document = { id: row.id, length: row.doc_len, termFrequencies: new Map() };
      documents.set(row.id, document);
    }
    document.termFrequencies.set(row.lexeme, row.tf);
    documentFrequencies.set(row.lexeme, (documentFrequencies.get(row.lexeme) ?? 0) + 1);
  }
  const corpus = {
    documentCount: Number(stats.rows[0]?.n ?? 0),
    averageLength: Number(stats.rows[0]?.avgdl ?? 0),
    documentFrequencies,
  };
  return [...documents.values()]
    .map((document) => ({ id: document.id, score: bm25Score(document, corpus, terms) }))
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, input.limit);
}

/** The nearest vectors inside the scope and filter, nearest first (the caller checks the space). */
export async function searchVectorIn(
  db: pg.Pool,
  tables: Tables,
  input: { scope: Scope; embedding: Float32Array; filter: MemoryFilter; limit: number },
): Promise<VectorHit[]> {
  if (input.limit <= 0) return [];
  // One read transaction (no retries needed): SET LOCAL lasts until its end. Filtered HNSW scans keep walking
  // the graph until enough rows pass the scope and filter.
  return inTransaction(
    db,
    async (client) => {
      await client.query("SET LOCAL hnsw.iterative_scan = 'relaxed_order'");
      const params = new SqlParams();
      const vector = params.add(vectorLiteral(input.embedding));
      const result = await client.query<{ id: string; distance: number }>(
        `SELECT id, distance FROM (
           SELECT v.memory_id AS id, v.embedding <=> ${vector}::halfvec AS distance
           FROM ${tables.vectors} v JOIN ${tables.memories} m ON m.id = v.memory_id
           WHERE ${visibleSql('v', input.scope, params)} AND ${filterSql(input.filter, params)}
           ORDER BY v.embedding <=> ${vector}::halfvec LIMIT ${params.add(input.limit)}
         ) nearest ORDER BY distance, id`,
        params.values,
      );
      return result.rows.map((row) => ({ id: row.id, similarity: 1 - Number(row.distance) }));
    },
    1,
  );
}
