// Tests for duplicate detection: token Jaccard and the near-duplicate decision.
import { describe, expect, it } from 'vitest';
import { isNearDuplicate, tokenJaccard } from './dedupe.js';

describe('tokenJaccard', () => {
  it.each([
    ['Alice loves sushi', 'alice LOVES sushi!', 1],
    ['Alice lives in Lisbon', 'Alice works in Lisbon', 0.5],
    ['the and of', 'THE and of ', 1],
    ['the and of', 'to be', 0],
    ['Alice loves sushi', 'Bob hates tea', 0],
  ])('%j vs %j → %d', (left, right, expected) => {
    expect(tokenJaccard(left, right)).toBeCloseTo(expected, 5);
  });
});

describe('isNearDuplicate', () => {
  it('decides by Jaccard when the words match', () => {
    expect(
      isNearDuplicate({ text: 'Alice lives in Lisbon.', otherText: 'alice lives in lisbon' }),
    ).toMatchObject({
      duplicate: true,
      by: 'jaccard',
    });
  });

  it('decides by cosine when the words differ but the vectors agree', () => {
    const result = isNearDuplicate({
      text: 'Alice resides in Lisbon',
      otherText: 'Alice lives in Lisbon',
      embedding: new Float32Array([1, 0.01]),
      otherEmbedding: new Float32Array([1, 0]),
    });
    expect(result).toMatchObject({ duplicate: true, by: 'cosine' });
  });

  it('keeps different memories apart', () => {
    const result = isNearDuplicate({
      text: 'Alice works in Lisbon',
      otherText: 'Alice lives in Lisbon',
      embedding: new Float32Array([1, 0.5]),
      otherEmbedding: new Float32Array([1, 0]),
    });
    expect(result.duplicate).toBe(false);
  });
});
