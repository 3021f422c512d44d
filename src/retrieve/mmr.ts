// Pure maximal marginal relevance (Carbonell & Goldstein 1998) over candidate embeddings, by cosine.
import { cosineSimilarity } from '../core/vectors.js';

export interface MmrCandidate {
  id: string;
  /** Relevance to the query, best normalised to [0, 1] so it is comparable to cosine. */
  relevance: number;
  embedding: ArrayLike<number>;
}

/**
 * Greedy MMR: repeatedly picks the candidate maximising
 * `λ · relevance − (1 − λ) · max cosine(candidate, already picked)`.
 * λ = 1 is plain relevance order; λ = 0 is pure diversity. Ties keep the input order.
 * Returns ids in pick order, at most `limit` of them.
 *
 * @example
 * maximalMarginalRelevance({ candidates, lambda: 0.7, limit: 5 }) // ['a', 'c', …]
 */
export function maximalMarginalRelevance(input: {
  candidates: readonly MmrCandidate[];
  lambda: number;
  limit: number;
}): string[] {
  const { candidates, lambda } = input;
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`MMR lambda must be in [0, 1], got ${lambda}`);
  const remaining = candidates.map((_, index) => index);
  // The highest similarity of each remaining candidate to anything picked so far.
  const maxSimilarity = new Array<number>(candidates.length).fill(Number.NEGATIVE_INFINITY);
  const picked: string[] = [];
  while (picked.length < input.limit && remaining.length > 0) {
    let bestPosition = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    remaining.forEach((candidateIndex, position) => {
      const candidate = candidates[candidateIndex]!;
      const redundancy = picked.length === 0 ? 0 : maxSimilarity[candidateIndex]!;
      const value = lambda * candidate.relevance - (1 - lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        bestPosition = position;
      }
    });
    const [chosenIndex] = remaining.splice(bestPosition, 1);
    const chosen = candidates[chosenIndex!]!;
    picked.push(chosen.id);
    for (const candidateIndex of remaining) {
      const similarity = cosineSimilarity(candidates[candidateIndex]!.embedding, chosen.embedding);
      if (similarity > maxSimilarity[candidateIndex]!) maxSimilarity[candidateIndex] = similarity;
    }
  }
  return picked;
}
