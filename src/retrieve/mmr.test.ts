// Table tests for MMR re-ranking (cosine itself is tested in core/vectors.test.ts).
import { describe, expect, it } from 'vitest';
import { maximalMarginalRelevance } from './mmr.js';

// a and a2 are near-duplicates; b is less relevant but different.
const candidates = [
  { id: 'a', relevance: 1, embedding: [1, 0, 0] },
  { id: 'a2', relevance: 0.95, embedding: [0.99, 0.14, 0] },
  { id: 'b', relevance: 0.7, embedding: [0, 1, 0] },
  { id: 'c', relevance: 0.5, embedding: [0, 0, 1] },
];

describe('maximalMarginalRelevance', () => {
  it.each([
    { name: 'λ = 1 keeps relevance order', lambda: 1, limit: 4, expected: ['a', 'a2', 'b', 'c'] },
    {
      name: 'λ = 0.7 puts a different memory above the near-duplicate',
      lambda: 0.7,
      limit: 3,
      expected: ['a', 'b', 'a2'],
    },
    { name: 'λ = 0.5 diversifies', lambda: 0.5, limit: 4, expected: ['a', 'b', 'c', 'a2'] },
    { name: 'limit cuts the list', lambda: 0.7, limit: 1, expected: ['a'] },
    { name: 'limit 0 picks nothing', lambda: 0.7, limit: 0, expected: [] },
  ])('$name', ({ lambda, limit, expected }) => {
    expect(maximalMarginalRelevance({ candidates, lambda, limit })).toEqual(expected);
  });

  it('returns nothing for no candidates', () => {
    expect(maximalMarginalRelevance({ candidates: [], lambda: 0.5, limit: 3 })).toEqual([]);
  });

  it('rejects λ outside [0, 1]', () => {
    expect(() => maximalMarginalRelevance({ candidates, lambda: 1.5, limit: 3 })).toThrow(RangeError);
  });
});
