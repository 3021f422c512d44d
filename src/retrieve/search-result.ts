// The shapes a search returns: results, their explanations, warnings and usage.
import type { MemoryRecord, Message } from '../core/records.js';
import type { Strength } from '../core/strength.js';

/**
 * Why a memory ranked where it did. Every signal shows its raw value, its normalised value and its
 * weighted contribution; `fusion.score + recency.contribution + importance.contribution +
 * textMatch.contribution + answer.contribution === final`, and
 * the `contribution`s of `lexical`, `vector` and `graph` sum to `fusion.score`.
 */
export interface SearchExplanation {
  // `normalized` is the score normalised over this search's candidates (BM25 ÷ the best BM25; cosine
  // min-max), which `fusion: 'score'` fuses; `rrf` fuses ranks instead. `contribution` is what the
  // source added to `fusion.score` after weighting.
  /** Present when the memory was a lexical candidate. */
  lexical?: { score: number; rank: number; normalized: number; weight: number; contribution: number };
  /** Present when the memory was a vector candidate. */
  vector?: { similarity: number; rank: number; normalized: number; weight: number; contribution: number };
  /**
   * Present when the memory was a graph candidate: connected to an entity the query names (`hops` 1: it
   * mentions it or states one of its relations; 2: it mentions an entity related to it), with the entities
   * and the relations' facts that brought it in.
   */
  graph?: {
    score: number;
    rank: number;
    normalized: number;
    weight: number;
    contribution: number;
    entities: string[];
    facts: string[];
    hops: 1 | 2;
  };
  /** How the sources were fused (`rrf` uses ranks with k, `score` uses the normalised scores). */
  fusion: { method: 'rrf' | 'score'; score: number; k?: number };
  recency: {
    /** Age of `observedAt` in days relative to the reference time (`asOf`, else now). */
    ageDays?: number;
    halfLifeDays: number;
    value: number;
    weight: number;
    contribution: number;
  };
  importance: { value: number; weight: number; contribution: number };
  /** Share of the query's terms in the memory's own text (not its conversational context or dates). */
  textMatch: { value: number; weight: number; contribution: number };
  /** Share of the memory's words that state rather than ask (1 for a statement, 0 for a bare question). */
  answer: { value: number; weight: number; contribution: number };
  final: number;
  /** Query terms (analysed) that occur in the memory's indexed text. */
  matchedTerms: string[];
  /** Set when MMR re-ordered the results: the position the memory had before MMR (1-based). */
  rankBeforeMmr?: number;
  /**
   * How strongly the memory is held (core/strength.ts): 1 when written or recalled, halving every half-life
   * idle; upkeep archives what falls below the threshold. Shown, not a ranking signal.
   */
  strength?: Strength & { accessCount: number };
}

export interface SearchResult {
  memory: MemoryRecord;
  /** The final score (see SearchExplanation.final). With MMR, results are in MMR order, not score order. */
  score: number;
  explanation?: SearchExplanation;
  /** With `expand`, the neighbouring messages of the memory's source turns, in seq order. */
  context?: Message[];
}

export interface SearchResponse {
  results: SearchResult[];
  /** Degradations, e.g. a vector search skipped because the embedding space differs. */
  warnings: string[];
  usage: { embeddingCalls: number; latencyMs: number };
}
