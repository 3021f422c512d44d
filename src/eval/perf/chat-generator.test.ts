import { describe, expect, it } from 'vitest';
import { buildVocabulary, createChatGenerator } from './chat-generator.js';

describe('buildVocabulary', () => {
  it('returns exactly the requested number of distinct words', () => {
    const words = buildVocabulary(4_000);
    expect(words).toHaveLength(4_000);
    expect(new Set(words).size).toBe(4_000);
  });

  it('puts common conversational words first', () => {
    expect(buildVocabulary(50).slice(0, 3)).toEqual(['time', 'day', 'work']);
  });
});

describe('createChatGenerator', () => {
  it('produces identical turns and queries for the same seed', () => {
    const first = createChatGenerator({ seed: 11 });
    const second = createChatGenerator({ seed: 11 });
    expect(first.turns(30)).toEqual(second.turns(30));
    expect(first.query()).toBe(second.query());
  });

  it('produces different text for another seed', () => {
    const a = createChatGenerator({ seed: 1 }).turns(10);
    const b = createChatGenerator({ seed: 2 }).turns(10);
    expect(a).not.toEqual(b);
  });

  it('alternates user and assistant roles and fills every template slot', () => {
    const turns = createChatGenerator({ seed: 3 }).turns(200);
    expect(turns.slice(0, 4).map((turn) => turn.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    for (const turn of turns) {
      expect(turn.content).not.toMatch(/[{}]/);
      expect(turn.content.trim().length).toBeGreaterThan(0);
    }
  });

  it('mentions names, places and relative dates, and word frequencies are skewed (Zipf)', () => {
    const chat = createChatGenerator({ seed: 4 });
    const text = chat
      .turns(2_000)
      .map((turn) => turn.content)
      .join(' ');
    expect(text).toMatch(/\b(Alice|Bob|Carol)\b/);
    expect(text).toMatch(/\b(Lisbon|Paris|Berlin)\b/);
    expect(text).toMatch(/\b(yesterday|last week|last month)\b/);
    const counts = new Map<string, number>();
    for (const word of text.toLowerCase().split(/[^a-z]+/)) counts.set(word, (counts.get(word) ?? 0) + 1);
    const head = counts.get(chat.vocabulary[0]!) ?? 0;
    const tail = counts.get(chat.vocabulary[3_000]!) ?? 0;
    expect(head).toBeGreaterThan(tail * 20);
  });

  it('asks questions without unfilled slots', () => {
    const chat = createChatGenerator({ seed: 5 });
    const queries = Array.from({ length: 100 }, () => chat.query());
    expect(queries.every((query) => !/[{}]/.test(query) && query.length > 0)).toBe(true);
    expect(new Set(queries).size).toBeGreaterThan(50);
  });
});
