import { describe, expect, it } from 'vitest';
import { decodeHash, decodeIndexText, encodeHash, encodeIndexText } from './stored-fields.js';

describe('stored index text', () => {
  it.each([
    ['an episode', 'I paint', 'Ann: I paint Nice! [dates: 2024]'],
    ['text not inside', 'I paint', 'something else'],
    ['a cut character inside', 'I paint', 'Ann: I paint \u0001'],
    ['a leading escape', 'I paint', '\u0002I paint'],
    ['a leading cut without the text', 'zz', '\u0001abc'],
    ['an empty index text', 'I paint', ''],
  ])('round-trips %s exactly', (_name, text, indexText) => {
    expect(decodeIndexText(text, encodeIndexText(text, indexText))).toBe(indexText);
  });

  it('drops the copy of the text', () => {
    expect(encodeIndexText('I paint', 'Ann: I paint Nice!')).toBe('\u0001Ann: \u0001 Nice!');
  });
});

describe('stored hash', () => {
  it.each([['ab'.repeat(32)], ['not-hex'], ['AB'.repeat(32)]])('round-trips %s', (hash) => {
    expect(decodeHash(encodeHash(hash))).toBe(hash);
  });
});
