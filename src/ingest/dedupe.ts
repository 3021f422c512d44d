// Duplicate detection for the write path: exact (content hash) and near (token Jaccard, vector cosine).
import { cosineSimilarity } from '../core/vectors.js';
import { analyze } from '../models/text-analyzer.js';

/** Thresholds at or above which two memories count as near-duplicates. */
export const nearDuplicateDefaults = {
  /** Normalised token Jaccard: 0.9 means nine in ten distinct stemmed words are shared. */
  jaccard: 0.9,
  /** Cosine similarity of unit-length embeddings. */
  cosine: 0.95,
} as const;

/** The normalised token set of a text: analysed (lower-cased, stopwords dropped, stemmed), distinct. */
export function normalizedTokenSet(text: string): Set<string> {
  return new Set(analyze(text));
}

/**
 * Jaccard similarity of the normalised token sets of two texts, in [0, 1]. Two texts with no
 * content words are equal (1) when they are equal after trimming and lower-casing, else 0.
 *
 * @example
 * tokenJaccard('Alice loves sushi', 'alice LOVES sushi!') // 1
 */
export function tokenJaccard(left: string, right: string): number {
  const a = normalizedTokenSet(left);
  const b = normalizedTokenSet(right);
  if (a.size === 0 && b.size === 0) {
    return left.trim().toLowerCase() === right.trim().toLowerCase() ? 1 : 0;
  }
  let shared = 0;
  for (const token of a) if (b.has(token)) shared++;
  return shared / (a.size + b.size - shared);
}

export interface NearDuplicateInput {
  text: string;
  otherText: string;
  embedding?: Float32Array | undefined;
  otherEmbedding?: Float32Array | undefined;
  thresholds?: { jaccard?: number | undefined; cosine?: number | undefined } | undefined;
}

/**
 * Whether two memory texts say the same thing: token Jaccard >= 0.9, or (with both embeddings)
 * cosine >= 0.95. Returns the measure that decided, for warnings and explanations.
 *
 * @example
 * isNearDuplicate({ text: 'Alice lives in Lisbon.', otherText: 'alice lives in lisbon' }) // { duplicate: true, by: 'jaccard', score: 1 }
 */
export function isNearDuplicate(input: NearDuplicateInput): {
  duplicate: boolean;
  by?: 'jaccard' | 'cosine' | undefined;
  score: number;
} {
  const jaccardThreshold = input.thresholds?.jaccard ?? nearDuplicateDefaults.jaccard;
  const cosineThreshold = input.thresholds?.cosine ?? nearDuplicateDefaults.cosine;
  const jaccard = tokenJaccard(input.text, input.otherText);
  if (jaccard >= jaccardThreshold) return { duplicate: true, by: 'jaccard', score: jaccard };
  if (input.embedding !== undefined && input.otherEmbedding !== undefined) {
    const cosine = cosineSimilarity(input.embedding, input.otherEmbedding);
    if (cosine >= cosineThreshold) return { duplicate: true, by: 'cosine', score: cosine };
  }
  return { duplicate: false, score: jaccard };
}
