// Table tests for the shared cosine similarity.
import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from './vectors.js';

describe('cosineSimilarity', () => {
  it.each([
    { a: [1, 0], b: [1, 0], expected: 1 },
    { a: [1, 0], b: [0, 1], expected: 0 },
    { a: [1, 0], b: [-1, 0], expected: -1 },
    { a: [1, 1], b: [-1, -1], expected: -1 },
    { a: [3, 4], b: [6, 8], expected: 1 },
    { a: [0, 0], b: [1, 0], expected: 0 },
    { a: [1, 0, 0], b: [1, 0], expected: 0 },
  ])('cos($a, $b) = $expected', ({ a, b, expected }) => {
    expect(cosineSimilarity(Float32Array.from(a), Float32Array.from(b))).toBeCloseTo(expected, 6);
  });
});
