import { describe, expect, it } from 'vitest';
import { CONTEXT_WORDS, isShortTurn, SHORT_TURN_WORDS, turnContext } from './turn-context.js';

const sentence = (count: number, word = 'word') =>
  Array.from({ length: count }, (_, index) => `${word}${index}`).join(' ');

describe('turnContext', () => {
  it('indexes a short reply with the end of the turn before it and the start of the turn after it', () => {
    const context = turnContext('Yes, last year!', {
      before: `${sentence(30, 'old')} Did you paint that lake sunrise?`,
      after: `Wow, it is beautiful. ${sentence(30, 'later')}`,
    });
    const [before, after] = context.split(' … ');
    expect(before?.split(' ')).toHaveLength(CONTEXT_WORDS);
    expect(before?.endsWith('Did you paint that lake sunrise?')).toBe(true);
    expect(before).not.toContain('old0');
    expect(after?.startsWith('Wow, it is beautiful.')).toBe(true);
    expect(after?.split(' ')).toHaveLength(CONTEXT_WORDS);
  });

  it('keeps long turns alone', () => {
    const long = sentence(SHORT_TURN_WORDS + 1);
    expect(isShortTurn(long)).toBe(false);
    expect(turnContext(long, { before: 'a question?', after: 'an answer' })).toBe('');
    expect(isShortTurn(sentence(SHORT_TURN_WORDS))).toBe(true);
  });

  it('uses whichever neighbours exist', () => {
    expect(turnContext('ok', {})).toBe('');
    expect(turnContext('ok', { before: 'first turn' })).toBe('first turn');
    expect(turnContext('ok', { after: 'next turn' })).toBe('next turn');
    expect(turnContext('ok', { before: '   ', after: 'next turn' })).toBe('next turn');
  });
});
