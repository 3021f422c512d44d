// The benchmarks' reference point: plain BM25 (MiniSearch defaults, no stemming, no stopwords) over the same turns.
import MiniSearch from 'minisearch';

/** One indexed turn: the key the metrics compare and the text BM25 sees. */
export interface Bm25Document {
  key: string;
  text: string;
}

/** A built BM25 index over one scope's turns. */
export interface Bm25Baseline {
  /** The keys of the best `limit` documents for `query`, best first. */
  search(query: string, limit: number): string[];
}

/**
 * Indexes documents with MiniSearch's defaults: its default tokenizer (split on spaces and punctuation,
 * lower-cased), no stemming, no stopword list, OR of the query terms, BM25+ with k = 1.2, b = 0.7, d = 0.5.
 * Ties keep MiniSearch's order.
 *
 * @example
 * const bm25 = createBm25Baseline([{ key: 'D1:1', text: 'Caroline: I went to a support group' }]);
 * bm25.search('support group', 5) // ['D1:1']
 */
export function createBm25Baseline(documents: readonly Bm25Document[]): Bm25Baseline {
  const index = new MiniSearch<{ id: number; text: string }>({ fields: ['text'], idField: 'id' });
  index.addAll(documents.map((document, id) => ({ id, text: document.text })));
  return {
    search(query, limit) {
      return index
        .search(query)
        .slice(0, limit)
        .map((hit) => documents[hit.id as number]!.key);
    },
  };
}
