// Tests the LoCoMo loader: date parsing, tolerant schema, and conversation → messages.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadLocomo,
  locomoConversationMessages,
  looksLikeLocomo,
  parseLocomo,
  parseLocomoDateTime,
} from './locomo.js';

const sample = {
  sample_id: 'conv-1',
  conversation: {
    speaker_a: 'Ana',
    speaker_b: 'Ben',
    session_1_date_time: '1:56 pm on 8 May, 2023',
    session_1: [
      { speaker: 'Ana', dia_id: 'D1:1', text: 'I adopted a cat last week.' },
      {
        speaker: 'Ben',
        dia_id: 'D1:2',
        text: 'Cute!',
        img_url: ['http://x'],
        blip_caption: 'a photo of a cat',
      },
      { speaker: 'Ben', dia_id: 'D1:3', text: '' },
      { bogus: true },
    ],
    session_2_date_time: '10:02 am on 12 June, 2023',
    session_2: [{ speaker: 'Ana', dia_id: 'D2:1', text: 'Back from Rome.' }],
    // conv-26 style: a date listed for a session that does not exist.
    session_3_date_time: '9:00 am on 1 July, 2023',
  },
  qa: [
    { question: 'When?', answer: 2022, evidence: ['D1:1', 'D:11:26'], category: 2 },
    { question: 'Adversarial?', adversarial_answer: 'x', category: 5 },
  ],
};

describe('parseLocomoDateTime', () => {
  it.each([
    ['1:56 pm on 8 May, 2023', Date.UTC(2023, 4, 8, 13, 56)],
    ['12:09 am on 13 September, 2023', Date.UTC(2023, 8, 13, 0, 9)],
    ['12:30 pm on 1 January, 2024', Date.UTC(2024, 0, 1, 12, 30)],
    ['10:02 am on 12 June 2023', Date.UTC(2023, 5, 12, 10, 2)],
  ])('parses %s', (text, expected) => {
    expect(parseLocomoDateTime(text)).toBe(expected);
  });

  it('returns undefined for unreadable text', () => {
    expect(parseLocomoDateTime('sometime')).toBeUndefined();
  });
});

describe('locomoConversationMessages', () => {
  const [parsed] = parseLocomo([sample]);

  it('keeps numeric answers as text and malformed evidence ids', () => {
    expect(parsed?.qa[0]?.answer).toBe('2022');
    expect(parsed?.qa[0]?.evidence).toEqual(['D1:1', 'D:11:26']);
    expect(parsed?.qa[1]?.evidence).toEqual([]);
  });

  it('turns sessions into dated messages with speaker names, captions and dia ids', () => {
    const sessions = locomoConversationMessages(parsed!);
    expect(sessions.map((session) => session.sessionId)).toEqual(['session_1', 'session_2']);
    const first = sessions[0]!;
    expect(first.startedAt).toBe(Date.UTC(2023, 4, 8, 13, 56));
    expect(first.messages).toEqual([
      {
        role: 'user',
        name: 'Ana',
        content: 'I adopted a cat last week.',
        observedAt: Date.UTC(2023, 4, 8, 13, 56),
        metadata: { dia_id: 'D1:1' },
      },
      {
        role: 'user',
        name: 'Ben',
        content: 'Cute! [shares a photo: a photo of a cat]',
        observedAt: Date.UTC(2023, 4, 8, 13, 56, 1),
        metadata: { dia_id: 'D1:2' },
      },
    ]);
  });

  it('rejects data that is not LoCoMo', () => {
    expect(() => parseLocomo([{ nope: 1 }])).toThrow(/LoCoMo format/);
    expect(looksLikeLocomo([{ question_id: 'q' }])).toBe(false);
    expect(looksLikeLocomo([sample])).toBe(true);
  });
});

describe('loadLocomo', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-locomo-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads plain and gzipped files', async () => {
    const plain = path.join(directory, 'locomo.json');
    const gzipped = path.join(directory, 'locomo.json.gz');
    await writeFile(plain, JSON.stringify([sample]));
    await writeFile(gzipped, gzipSync(JSON.stringify([sample])));
    expect((await loadLocomo(plain))[0]?.sample_id).toBe('conv-1');
    expect((await loadLocomo(gzipped))[0]?.sample_id).toBe('conv-1');
  });

  it('reports a missing file as INVALID_INPUT', async () => {
    await expect(loadLocomo(path.join(directory, 'missing.json'))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
