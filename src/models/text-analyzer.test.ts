import { describe, expect, it } from 'vitest';
import { analyze, analyzeQuery, splitWords } from './text-analyzer.js';

describe('analyze', () => {
  it.each([
    ['I moved to Lisbon last March', ['move', 'lisbon', 'last', 'march']],
    ['Where does Alice live?', ['alic', 'live']],
    ["Caroline's café", ['carolin', 'cafe']],
    ['in 2023 on 5/7', ['2023', '5', '7']],
    ['', []],
  ])('%j → %j', (text, tokens) => {
    expect(analyze(text)).toEqual(tokens);
  });

  it('keeps stopwords on request and does not stem when told not to', () => {
    expect(analyze('Where does Alice live', { keepStopwords: true, stem: false })).toEqual([
      'where',
      'does',
      'alice',
      'live',
    ]);
  });

  it('de-duplicates query terms in order', () => {
    expect(analyzeQuery('dogs dog Dog cats')).toEqual(['dog', 'cat']);
  });

  it('splits on punctuation and strips diacritics', () => {
    expect(splitWords('São-Paulo,Zürich')).toEqual(['sao', 'paulo', 'zurich']);
  });
});
