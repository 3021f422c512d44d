// Okapi BM25 as SQLite FTS5 computes it, as a pure function, so backends that count term frequencies
// themselves (PostgreSQL) rank exactly like the SQLite path.

export interface Bm25Parameters {
  k1: number;
  b: number;
}

/** FTS5's defaults. */
export const FTS5_BM25: Bm25Parameters = { k1: 1.2, b: 0.75 };

export interface Bm25Document {
  id: string;
  /** Number of tokens in the document. */
  length: number;
  /** Term → occurrences in this document, for the query terms it contains. */
  termFrequencies: Map<string, number>;
}

export interface Bm25Corpus {
  /** Documents in the collection. */
  documentCount: number;
  averageLength: number;
  /** Term → number of documents containing it. */
  documentFrequencies: Map<string, number>;
}

/** FTS5's IDF: ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6 so common terms still count a little. */
export function fts5Idf(documentCount: number, documentFrequency: number): number {
  const idf = Math.log((documentCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
  return idf <= 0 ? 1e-6 : idf;
}

/**
 * BM25 of one document for a set of query terms (higher is better).
 *
 * @example
 * bm25Score({ id: 'a', length: 4, termFrequencies: new Map([['lisbon', 1]]) },
 *   { documentCount: 10, averageLength: 5, documentFrequencies: new Map([['lisbon', 1]]) }, ['lisbon']);
 */
export function bm25Score(
  document: Bm25Document,
  corpus: Bm25Corpus,
  terms: string[],
  parameters: Bm25Parameters = FTS5_BM25,
): number {
  const { k1, b } = parameters;
  const lengthNorm = corpus.averageLength > 0 ? document.length / corpus.averageLength : 1;
  let score = 0;
  for (const term of terms) {
    const tf = document.termFrequencies.get(term) ?? 0;
    if (tf === 0) continue;
    const idf = fts5Idf(corpus.documentCount, corpus.documentFrequencies.get(term) ?? 0);
    score += (idf * (tf * (k1 + 1))) / (tf + k1 * (1 - b + b * lengthNorm));
  }
  return score;
}
