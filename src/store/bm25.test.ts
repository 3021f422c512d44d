import { describe, expect, it } from 'vitest';
import { bm25Score, fts5Idf } from './bm25.js';

describe('fts5Idf', () => {
  it.each([
    [10, 1, Math.log(9.5 / 1.5)],
    [10, 5, Math.log(5.5 / 5.5) <= 0 ? 1e-6 : 0],
    [10, 9, 1e-6],
    [1000, 1, Math.log(999.5 / 1.5)],
  ])('N=%i n=%i → %f', (documentCount, documentFrequency, expected) => {
    expect(fts5Idf(documentCount, documentFrequency)).toBeCloseTo(expected, 9);
  });
});

describe('bm25Score', () => {
  const corpus = {
    documentCount: 100,
    averageLength: 10,
    documentFrequencies: new Map([
      ['lisbon', 2],
      ['move', 20],
    ]),
  };
  const doc = (length: number, entries: Array<[string, number]>) => ({
    id: 'd',
    length,
    termFrequencies: new Map(entries),
  });

  it.each([
    ['one rare term, average length', doc(10, [['lisbon', 1]]), ['lisbon'], fts5Idf(100, 2)],
    ['absent terms score zero', doc(10, []), ['lisbon', 'move'], 0],
    [
      'two terms add',
      doc(10, [
        ['lisbon', 1],
        ['move', 1],
      ]),
      ['lisbon', 'move'],
      fts5Idf(100, 2) + fts5Idf(100, 20),
    ],
    ['repeats saturate', doc(10, [['lisbon', 3]]), ['lisbon'], (fts5Idf(100, 2) * 3 * 2.2) / (3 + 1.2)],
    [
      'longer documents score less',
      doc(20, [['lisbon', 1]]),
      ['lisbon'],
      (fts5Idf(100, 2) * 2.2) / (1 + 1.2 * (0.25 + 0.75 * 2)),
    ],
  ])('%s', (_name, document, terms, expected) => {
    expect(bm25Score(document, corpus, terms)).toBeCloseTo(expected, 9);
  });
});
