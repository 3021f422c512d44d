// Short turns are indexed with their conversation, whatever the batching, and lose it when a neighbour is forgotten.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import type { MemoryRecord } from '../core/records.js';
import { createMemory, type Memory } from '../sdk/create-memory.js';

const clock = createFixedClock('2024-06-01T12:00:00Z');
const session = { userId: 'mel', sessionId: 's1' };
const turns = [
  { role: 'user' as const, name: 'Caroline', content: 'What have you been painting lately, Mel?' },
  { role: 'user' as const, name: 'Melanie', content: 'A lake sunrise, my favourite so far!' },
  { role: 'user' as const, name: 'Caroline', content: 'Wow, the colours are gorgeous.' },
  {
    role: 'user' as const,
    name: 'Melanie',
    content: `Thanks! ${'It took a whole weekend of careful layering and patience to get right. '.repeat(6)}`,
  },
  { role: 'user' as const, name: 'Caroline', content: 'Worth it.' },
];

let directory: string;
const opened: Memory[] = [];

async function open(name: string): Promise<{ memory: Memory; file: string }> {
  const file = path.join(directory, name);
  const memory = await createMemory({ store: file, clock });
  opened.push(memory);
  return { memory, file };
}

async function episodesBySeq(
  memory: Memory,
  scope: { userId: string; sessionId?: string } = session,
): Promise<MemoryRecord[]> {
  const page = await memory.list({ ...scope, kinds: ['episode'], limit: 100 });
  return [...page.items].sort((a, b) => Number(a.attributes.seq) - Number(b.attributes.seq));
}

beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-context-'));
});

afterEach(async () => {
  for (const memory of opened.splice(0)) await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('conversational context of short turns', () => {
  it('finds a short reply through the question it answers', async () => {
    const { memory } = await open('whole.db');
    await memory.add(turns, session);
    const { results } = await memory.search('what did Melanie paint?', { ...session, limit: 1 });
    expect(results[0]?.memory.text).toBe('A lake sunrise, my favourite so far!');
    const [, reply, , long] = await episodesBySeq(memory);
    expect(reply?.indexText).toContain('What have you been painting lately, Mel?');
    expect(reply?.indexText).toContain('Wow, the colours are gorgeous.');
    expect(reply?.text).toBe('A lake sunrise, my favourite so far!');
    // A long turn carries its own context and is indexed alone.
    expect(long?.indexText).not.toContain('Wow, the colours');
    expect(long?.indexText).not.toContain('Worth it');
  });

  it('indexes a conversation the same whether it arrives at once or turn by turn', async () => {
    const whole = await open('whole.db');
    await whole.memory.add(turns, session);
    const single = await open('single.db');
    for (const turn of turns) await single.memory.add([turn], session);
    const expected = (await episodesBySeq(whole.memory)).map((episode) => episode.indexText);
    expect((await episodesBySeq(single.memory)).map((episode) => episode.indexText)).toEqual(expected);
    const { results } = await single.memory.search('gorgeous colours', { ...session, limit: 5 });
    expect(results.map((result) => result.memory.text)).toContain('A lake sunrise, my favourite so far!');
  });

  it('never borrows across sessions, or from a turn that expires sooner', async () => {
    const { memory } = await open('edges.db');
    await memory.add([turns[0]!], session);
    await memory.add([turns[1]!], { ...session, sessionId: 's2' });
    await memory.add([{ ...turns[2]!, content: 'Zanzibar secret, delete me soon.' }], {
      ...session,
      expiresAt: '2024-06-02T00:00:00Z',
    });
    const [first, ephemeral] = await episodesBySeq(memory);
    expect(first?.indexText).not.toContain('Zanzibar');
    expect(ephemeral?.indexText).toContain('What have you been painting lately');
    const [other] = await episodesBySeq(memory, { ...session, sessionId: 's2' });
    expect(other?.indexText).not.toContain('painting');
  });

  it('without a session, only turns added together lend context, and a forget strips it', async () => {
    const { memory } = await open('sessionless.db');
    const notes = { userId: 'mel' };
    await memory.add('I adopted a border collie named Pixel', notes);
    await memory.add('Dentist on Friday', notes);
    const separate = await episodesBySeq(memory, notes);
    expect(separate.map((episode) => episode.indexText)).toEqual([
      'mel: I adopted a border collie named Pixel',
      expect.not.stringContaining('collie'),
    ]);
    await memory.add(turns.slice(0, 3), notes);
    const batch = (await episodesBySeq(memory, notes)).slice(2);
    expect(batch[0]?.indexText).not.toContain('Dentist');
    expect(batch[1]?.indexText).toContain('What have you been painting lately, Mel?');
    await memory.forget(batch[1]!.id, notes);
    const left = (await episodesBySeq(memory, notes)).slice(2);
    expect(left.map((episode) => episode.indexText)).toEqual([
      `Caroline: ${turns[0]!.content}`,
      `Caroline: ${turns[2]!.content}`,
    ]);
  });

  it('forgetting a turn removes its words from the neighbours indexed with it, down to the file', async () => {
    const { memory, file } = await open('forget.db');
    await memory.add(
      [turns[0]!, { ...turns[1]!, content: 'I painted the Quokkavale lighthouse!' }, turns[2]!],
      session,
    );
    const before = await episodesBySeq(memory);
    expect(before[0]?.indexText).toContain('Quokkavale');
    expect(before[2]?.indexText).toContain('Quokkavale');
    await memory.forget(before[1]!.id, session);
    const after = await episodesBySeq(memory);
    expect(after.map((episode) => episode.text)).toEqual([turns[0]!.content, turns[2]!.content]);
    for (const episode of after) expect(episode.indexText).not.toContain('Quokkavale');
    const found = await memory.search('Quokkavale', { ...session, limit: 5, explain: true });
    for (const result of found.results) expect(result.explanation?.matchedTerms).toEqual([]);
    await memory.close();
    const bytes = ['', '-wal', '-shm']
      .map((suffix) => {
        try {
          return readFileSync(file + suffix).toString('latin1');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
          throw error;
        }
      })
      .join('')
      .toLowerCase();
    expect(bytes.includes('quokkavale')).toBe(false);
  });
});
