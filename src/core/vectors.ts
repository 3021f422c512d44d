// Vector math shared by ranking (MMR) and duplicate detection: pure functions over arrays.

/**
 * Cosine similarity of two vectors; 0 when either is all zeros or their lengths differ.
 *
 * @example
 * cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(1, 0)) // 1
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    const x = a[index]!;
    const y = b[index]!;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA > 0 && normB > 0 ? dot / Math.sqrt(normA * normB) : 0;
}
