// Tests for the token estimate: zero for nothing, monotone in length, close to typical tokenizer counts.
import { describe, expect, it } from 'vitest';
import { estimateTokens } from './token-count.js';

describe('estimateTokens', () => {
  it.each([
    ['', 0],
    ['   \n\t ', 0],
    ['hi', 1],
    ['I moved to Lisbon last March', 8],
  ])('estimates %j as %i tokens', (text, expected) => {
    expect(estimateTokens(text)).toBe(expected);
  });

  it('grows with the text', () => {
    const short = estimateTokens('one sentence about cats.');
    const long = estimateTokens('one sentence about cats. '.repeat(10));
    expect(long).toBeGreaterThan(short * 8);
  });

  it('stays within a factor of typical counts for English prose', () => {
    // 'The quick brown fox jumps over the lazy dog.' is 10 tokens in cl100k.
    const estimate = estimateTokens('The quick brown fox jumps over the lazy dog.');
    expect(estimate).toBeGreaterThanOrEqual(8);
    expect(estimate).toBeLessThanOrEqual(13);
  });

  it('counts a long unbroken string by its characters', () => {
    expect(estimateTokens('x'.repeat(400))).toBeGreaterThanOrEqual(50);
  });
});
