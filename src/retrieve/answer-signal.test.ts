import { describe, expect, it } from 'vitest';
import { answerSignal, answersBeforeQuestions } from './answer-signal.js';

describe('answerSignal', () => {
  it.each([
    ['How is Biscuit anyway?', 0],
    ['Nice! How do you like it?', 0],
    ['Wow! How did it go?', 0],
    ['Biscuit is doing great, he loves the new park.', 1],
    ['Biscuit is great, thanks! How about you?', 1],
    ['Did you paint that?! It is lovely.', 1],
    ["I've been using my Fitbit for 6 months, any tips for a better battery life?\nThanks!", 0],
    ['Cool, thanks! By the way, I moved to Denver last month, any hikes you recommend?', 1],
    ['no punctuation at all', 1],
    ['', 1],
    ['???', 1],
    ['Where?\nIn Lisbon.', 1],
  ])('%j → %d', (text, expected) => {
    expect(answerSignal(text)).toBe(expected);
  });
});

describe('answersBeforeQuestions', () => {
  const scope = { tenantId: 't', userId: 'maya', sessionId: 's3' };
  const turn = (id: string, seq: number, speaker: string, text: string, sessionId = 's3', role = 'user') => ({
    record: {
      id,
      kind: 'episode' as const,
      text,
      scope: { ...scope, sessionId },
      attributes: { seq, speaker, role },
    },
  });
  const question = turn('q', 7, 'Jonas', 'How is Biscuit anyway?');
  const answer = turn('a', 8, 'Maya', 'He hurt his paw on the beach last week.');
  const other = turn('o', 2, 'Maya', 'Biscuit and I raised a glass to you.');
  const ids = (list: Array<{ record: { id: string } }>) => list.map((entry) => entry.record.id);

  it.each([
    ['moves a question just below its answer', [question, other, answer], ['o', 'a', 'q']],
    ['leaves an answer already above its question', [answer, question, other], ['a', 'q', 'o']],
    ['leaves a question whose answer is not ranked', [question, other], ['q', 'o']],
    [
      'ignores the next turn of another session',
      [question, turn('x', 8, 'Maya', 'He is fine.', 's4')],
      ['q', 'x'],
    ],
    [
      'ignores a follow-up question by the same speaker',
      [question, turn('f', 8, 'Jonas', 'Still limping?')],
      ['q', 'f'],
    ],
    [
      'ignores a next turn that only asks too',
      [question, turn('b', 8, 'Maya', 'Why do you ask?')],
      ['q', 'b'],
    ],
    [
      "ignores an AI assistant's reply: the user's question is what says something about the user",
      [question, turn('r', 8, 'assistant', 'Here are some ideas.', 's3', 'assistant')],
      ['q', 'r'],
    ],
  ])('%s', (_name, ranked, expected) => {
    expect(ids(answersBeforeQuestions(ranked))).toEqual(expected);
  });
});
