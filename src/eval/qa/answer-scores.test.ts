// Tables for the QA benchmark's lexical scores: SQuAD normalisation, token F1 and BLEU-1.
import { describe, expect, it } from 'vitest';
import { bleu1, normalizeAnswerTokens, saysNotMentioned, tokenF1 } from './answer-scores.js';

describe('normalizeAnswerTokens', () => {
  it.each([
    ['The Eiffel Tower!', ['eiffel', 'tower']],
    ['  A  cat,   an apple  ', ['cat', 'apple']],
    ["Caroline's “LGBTQ” group", ['carolines', 'lgbtq', 'group']],
    ['7 May 2023', ['7', 'may', '2023']],
    ['theatre and anthem', ['theatre', 'and', 'anthem']],
    ['', []],
    ['...', []],
  ])('normalises %j to %j', (text, expected) => {
    expect(normalizeAnswerTokens(text)).toEqual(expected);
  });
});

describe('tokenF1', () => {
  it.each([
    ['Lisbon', 'Lisbon', 1],
    ['lisbon.', 'The Lisbon', 1],
    ['in March 2024', 'March 2024', 0.8],
    ['in the Eiffel Tower', 'Eiffel Tower', 0.8],
    ['Porto', 'Lisbon', 0],
    ['', 'Lisbon', 0],
    ['Lisbon', '', 0],
    ['the', 'a', 1],
    // precision 1/3, recall 1/1: each reference token matches at most once.
    ['dog dog dog', 'dog', 0.5],
    // precision 2/4, recall 2/3.
    ['she adopted two dogs', 'adopted two cats', 4 / 7],
  ])('tokenF1(%j, %j) = %d', (prediction, reference, expected) => {
    expect(tokenF1(prediction, reference)).toBeCloseTo(expected, 10);
  });
});

describe('bleu1', () => {
  it.each([
    ['Lisbon', 'Lisbon', 1],
    ['in March 2024', 'March 2024', 2 / 3],
    // shorter than the reference: brevity penalty exp(1 - 3/2)
    ['Eiffel Tower', 'the Eiffel Tower, Paris', Math.exp(1 - 3 / 2)],
    // clipped: 'dog' counts once
    ['dog dog dog', 'dog', 1 / 3],
    ['Porto', 'Lisbon', 0],
    ['', 'Lisbon', 0],
    ['', '', 1],
    ['she adopted two dogs', 'adopted two cats', 2 / 4],
  ])('bleu1(%j, %j) = %d', (prediction, reference, expected) => {
    expect(bleu1(prediction, reference)).toBeCloseTo(expected, 10);
  });
});

describe('saysNotMentioned', () => {
  it.each([
    ['Not mentioned in the conversation.', true],
    ['That is NOT MENTIONED anywhere.', true],
    ['No information available.', true],
    ['The information is not available.', false],
    ['She loves Verdi.', false],
    ['', false],
  ])('saysNotMentioned(%j) = %s', (answer, expected) => {
    expect(saysNotMentioned(answer)).toBe(expected);
  });
});
