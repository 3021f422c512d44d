// Tests the LongMemEval loader: date parsing, tolerant schema, and haystack → messages.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadLongMemEval,
  longMemEvalHaystackMessages,
  looksLikeLongMemEval,
  parseLongMemEval,
  parseLongMemEvalDate,
} from './longmemeval.js';

const item = {
  question_id: 'q-1',
  question_type: 'temporal-reasoning',
  question: 'Where did I go?',
  answer: 7,
  question_date: '2023/06/01 (Thu) 10:00',
  haystack_session_ids: ['s-a', 's-b'],
  haystack_dates: ['2023/05/20 (Sat) 02:21'],
  haystack_sessions: [
    [
      { role: 'user', content: 'I went to Oslo.', has_answer: true },
      { role: 'assistant', content: 'Nice!' },
      { role: 'user', content: '   ' },
    ],
    [{ role: 'user', content: 'Another day.' }],
  ],
  answer_session_ids: ['s-a'],
};

describe('parseLongMemEvalDate', () => {
  it.each([
    ['2023/05/20 (Sat) 02:21', Date.UTC(2023, 4, 20, 2, 21)],
    ['2023/5/2 (Tue) 23:59', Date.UTC(2023, 4, 2, 23, 59)],
    ['2023/05/20', Date.UTC(2023, 4, 20)],
  ])('parses %s', (text, expected) => {
    expect(parseLongMemEvalDate(text)).toBe(expected);
  });

  it('returns undefined for unreadable text', () => {
    expect(parseLongMemEvalDate('tomorrow-ish')).toBeUndefined();
  });
});

describe('longMemEvalHaystackMessages', () => {
  const [parsed] = parseLongMemEval([item]);

  it('keeps numeric answers as text', () => {
    expect(parsed?.answer).toBe('7');
  });

  it('turns sessions into dated messages, skipping empty turns', () => {
    const sessions = longMemEvalHaystackMessages(parsed!);
    expect(sessions[0]).toMatchObject({ sessionId: 's-a', startedAt: Date.UTC(2023, 4, 20, 2, 21) });
    expect(sessions[0]?.messages).toEqual([
      {
        role: 'user',
        content: 'I went to Oslo.',
        observedAt: Date.UTC(2023, 4, 20, 2, 21),
        metadata: { turn: 0 },
      },
      {
        role: 'assistant',
        content: 'Nice!',
        observedAt: Date.UTC(2023, 4, 20, 2, 21, 1),
        metadata: { turn: 1 },
      },
    ]);
  });

  it('falls back to the question date when a session has no date', () => {
    const sessions = longMemEvalHaystackMessages(parsed!);
    expect(sessions[1]).toMatchObject({ sessionId: 's-b', startedAt: Date.UTC(2023, 5, 1, 10, 0) });
  });

  it('recognises the format', () => {
    expect(looksLikeLongMemEval([item])).toBe(true);
    expect(looksLikeLongMemEval([{ sample_id: 'x', conversation: {} }])).toBe(false);
    expect(() => parseLongMemEval([{ haystack_sessions: 'nope' }])).toThrow(/LongMemEval format/);
  });
});

describe('loadLongMemEval', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-lme-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads a .json.gz file', async () => {
    const file = path.join(directory, 'lme.json.gz');
    await writeFile(file, gzipSync(JSON.stringify([item])));
    const items = await loadLongMemEval(file);
    expect(items.map((entry) => entry.question_id)).toEqual(['q-1']);
  });

  it('reports invalid JSON as INVALID_INPUT', async () => {
    const file = path.join(directory, 'bad.json');
    await writeFile(file, '[{');
    await expect(loadLongMemEval(file)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
