import { describe, expect, it } from 'vitest';
import { analyze } from '../models/text-analyzer.js';
import { decodeTokens, encodeTokens } from './stored-tokens.js';

describe('stored tokens', () => {
  const indexText = 'Melanie: Yes, last year! Did you paint that? 2022';
  const derived = analyze(indexText);

  it.each([
    ['the analysis of the index text', derived, null],
    ['own words counted twice', [...derived.slice(0, 3), ...derived], 3],
    ['anything else', ['paint', 'watercolour'], JSON.stringify(['paint', 'watercolour'])],
    ['no tokens', [], '[]'],
  ])('stores %s compactly and exactly', (_name, tokens, stored) => {
    expect(encodeTokens(indexText, tokens)).toEqual(stored);
    expect(decodeTokens(indexText, encodeTokens(indexText, tokens))).toEqual(tokens);
  });
});
