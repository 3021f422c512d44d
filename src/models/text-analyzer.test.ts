import { describe, expect, it } from 'vitest';
import { analyze, analyzeQuery, countTermsIn, splitWords } from './text-analyzer.js';

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

describe('countTermsIn', () => {
  it('counts the analysed terms a text contains, as analyze would find them', () => {
    expect(countTermsIn('I moved to Lisbon last March', ['move', 'lisbon', 'porto'])).toBe(2);
    // Same stems as analyze: 'days' → 'dai' is not the 3-letter query word 'day'.
    expect(countTermsIn('No days off, the ties are relational', analyzeQuery('day ties relations'))).toBe(2);
    expect(countTermsIn('anything', [])).toBe(0);
    expect(countTermsIn('the and of', ['the'])).toBe(0);
  });

  it('agrees with analyze on every word of a long text', () => {
    const text =
      'Happily the agreed generalizations were conditional; flying cries, studies and daily hopping ' +
      'relational sensibility, 2024 plans, naïve café owners tried everything and yesterday’s caresses';
    const terms = [...new Set(analyze(text))];
    expect(countTermsIn(text, terms)).toBe(terms.length);
    expect(countTermsIn(text, [...terms, 'zzz'])).toBe(terms.length);
  });
});
