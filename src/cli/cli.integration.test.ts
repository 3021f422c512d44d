// End-to-end tests of the built `mnemo` CLI (dist/cli/main.js) against temporary SQLite files.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtCli as cli,
  mapLimited,
  runBuiltCli as run,
  runBuiltCliJson as runJson,
} from './test-support/built-cli.js';

interface MemoryJson {
  id: string;
  text: string;
  observedAt: string;
  metadata: Record<string, unknown>;
  scope: { userId?: string; sessionId?: string };
  attributes: { dates?: { label: string }[] };
}

let directory: string;
let counter = 0;
function freshDb(): string {
  counter += 1;
  return path.join(directory, `store-${counter}.db`);
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-cli-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

// Each command is a fresh Node process; on a loaded machine a dozen of them take a while.
const slow = { timeout: 240_000 };

describe('add, search and forget', () => {
  it('grounds "last March" and keeps scopes apart', slow, async () => {
    const db = freshDb();
    const added = await runJson<{ memories: MemoryJson[] }>(
      ['add', 'I moved to Lisbon last March', '--user', 'alice', '--at', '2024-05-10'],
      db,
    );
    expect(added.memories).toHaveLength(1);
    const alice = await runJson<{ results: { memory: MemoryJson }[] }>(
      ['search', 'where does alice live', '--user', 'alice'],
      db,
    );
    expect(alice.results[0]?.memory.id).toBe(added.memories[0]?.id);
    expect(alice.results[0]?.memory.attributes.dates?.[0]?.label).toBe('March 2024');
    const bob = await runJson<{ results: unknown[] }>(
      ['search', 'where does alice live', '--user', 'bob'],
      db,
    );
    expect(bob.results).toEqual([]);
  });

  it('prints a readable table with grounded dates and explanations', slow, async () => {
    const db = freshDb();
    await runJson(['add', 'I moved to Lisbon last March', '--user', 'alice', '--at', '2024-05-10'], db);
    const result = await run(['search', 'Lisbon', '--user', 'alice', '--explain'], { db });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('I moved to Lisbon last March');
    expect(result.stdout).toContain('March 2024');
    expect(result.stdout).toMatch(/why: .*= \d\.\d{3}/);
  });

  it('after forget, the text is nowhere in the database files', slow, async () => {
    const db = freshDb();
    const added = await runJson<{ memories: MemoryJson[] }>(
      ['add', 'I moved to Lisbon last March', '--user', 'alice'],
      db,
    );
    await runJson(['add', 'I like green tea', '--user', 'alice'], db);
    const id = added.memories[0]?.id ?? '';
    const forgotten = await runJson<{ forgottenIds: string[] }>(['forget', id, '--user', 'alice'], db);
    expect(forgotten.forgottenIds).toContain(id);
    const files = [db, `${db}-wal`, `${db}-shm`].filter((file) => existsSync(file));
    expect(files).toContain(db);
    for (const file of files) {
      const bytes = await readFile(file);
      expect(bytes.includes(Buffer.from('Lisbon')), `${file} still contains Lisbon`).toBe(false);
      expect(bytes.includes(Buffer.from('lisbon')), `${file} still contains lisbon`).toBe(false);
    }
    const get = await run(['get', id, '--user', 'alice'], { db });
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/^error \[NOT_FOUND\]: /);
  });

  it('forget --all-in-scope erases one user and leaves another', slow, async () => {
    const db = freshDb();
    await runJson(['add', 'alice fact', '--user', 'alice'], db);
    await runJson(['add', 'bob fact', '--user', 'bob'], db);
    const result = await runJson<{ memories: number }>(['forget', '--all-in-scope', '--user', 'alice'], db);
    expect(result.memories).toBe(1);
    expect((await runJson<{ items: unknown[] }>(['list', '--user', 'alice'], db)).items).toEqual([]);
    expect((await runJson<{ items: unknown[] }>(['list', '--user', 'bob'], db)).items).toHaveLength(1);
  });

  it('8 concurrent add processes on one file all succeed and all memories are stored', slow, async () => {
    const db = freshDb();
    await runJson(['status'], db);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        run(['add', `concurrent memory number ${index}`, '--user', 'alice'], { db }),
      ),
    );
    expect(results.map((result) => result.code)).toEqual(Array(8).fill(0));
    const page = await runJson<{ items: MemoryJson[] }>(['list', '--user', 'alice', '--limit', '100'], db);
    expect(page.items.map((item) => item.text).sort()).toEqual(
      Array.from({ length: 8 }, (_, index) => `concurrent memory number ${index}`).sort(),
    );
  });

  it('update keeps the old version in history', slow, async () => {
    const db = freshDb();
    const added = await runJson<{ memories: MemoryJson[] }>(
      ['add', 'My dog is called Rex', '--user', 'alice'],
      db,
    );
    const id = added.memories[0]?.id ?? '';
    const updated = await runJson<{ current: MemoryJson }>(
      ['update', id, '--user', 'alice', '--text', 'My dog is called Max'],
      db,
    );
    expect(updated.current.text).toBe('My dog is called Max');
    const history = await runJson<{ event: string }[]>(['history', id, '--user', 'alice'], db);
    expect(history.map((entry) => entry.event)).toEqual(['add', 'supersede']);
    const got = await runJson<MemoryJson>(['get', updated.current.id, '--user', 'alice'], db);
    expect(got.text).toBe('My dog is called Max');
  });
});

describe('usage errors', () => {
  it(
    'every command rejects bad input with exit code 2, one error line, and loses nothing',
    slow,
    async () => {
      const db = freshDb();
      const added = await runJson<{ memories: MemoryJson[] }>(['add', 'keep me safe', '--user', 'alice'], db);
      const id = added.memories[0]?.id ?? '';
      const missing = path.join(directory, 'no-such-file.jsonl');
      const badLines = path.join(directory, 'bad-lines.jsonl');
      await writeFile(badLines, '{"role":"user","content":"fine","userId":"alice"}\n{"role":"user"\n');
      const cases: string[][] = [
        ['add'],
        ['add', 'text'],
        ['add', 'text', '--user', 'alice', '--at', 'not a date'],
        ['add', 'text', '--user', 'alice', '--metadata', '{bad json'],
        ['add', 'text', '--user', 'alice', '--metadata', '[1,2]'],
        ['add', 'text', '--user', 'alice', '--role', 'wizard'],
        ['add', 'text', '--user', 'alice', '--expires', 'soonish'],
        ['add', 'text', '--user', 'alice', '--importance', '7'],
        ['search'],
        ['search', 'q'],
        ['search', 'q', '--user', 'alice', '--limit', '0'],
        ['search', 'q', '--user', 'alice', '--as-of', 'yesterday-ish'],
        ['search', 'q', '--user', 'alice', '--kind', 'dream'],
        ['search', 'q', '--user', 'alice', '--from', 'nope'],
        ['search', 'q', '--user', 'alice', '--min-score', '-1'],
        ['search', 'q', '--user', 'alice', '--min-similarity', '2'],
        ['search', 'q', '--user', 'alice', '--known-at', 'soonish'],
        ['list'],
        ['list', '--user', 'alice', '--limit', 'many'],
        ['list', '--user', 'alice', '--as-of', 'then'],
        ['list', '--user', 'alice', '--known-at', 'then'],
        ['get'],
        ['get', id],
        ['update', id, '--user', 'alice'],
        ['update', id, '--user', 'alice', '--importance', '2'],
        ['update', id, '--user', 'alice', '--metadata', 'nope'],
        ['update', id, '--user', 'alice', '--at', 'whenever'],
        ['update', id, '--user', 'alice', '--valid-from', 'whenever'],
        ['update', id, '--user', 'alice', '--valid-to', '2024-01-01'],
        ['add', 'text', '--user', 'alice', '--kind', 'fact', '--role', 'assistant'],
        ['forget'],
        ['forget', id],
        ['forget', '--all-in-scope'],
        ['forget', '--all-in-scope', '--tenant', 'default'],
        ['history'],
        ['history', id],
        ['import'],
        ['import', missing, '--user', 'alice'],
        ['import', badLines],
        ['import', badLines, '--format', 'csv'],
        ['export'],
        ['export', '--all', '--user', 'alice'],
        ['reembed', '--bogus'],
        ['status', '--bogus'],
        ['demo', '--keep'],
        ['frobnicate'],
        ['add', 'text', '--user', 'alice', '--unknown-flag'],
      ];
      const results = await mapLimited(cases, 4, (args) => run(args, { db }));
      results.forEach((result, index) => {
        const label = `mnemo ${cases[index]?.join(' ')}`;
        expect(result.code, `${label}: ${result.stderr}`).toBe(2);
        expect(result.stderr, label).toMatch(/^error \[(INVALID_INPUT|SCOPE_REQUIRED)\]: \S.*\n$/);
      });
      const page = await runJson<{ items: MemoryJson[] }>(['list', '--user', 'alice'], db);
      expect(page.items.map((item) => item.text)).toEqual(['keep me safe']);
      const got = await runJson<MemoryJson>(['get', id, '--user', 'alice'], db);
      expect(got.text).toBe('keep me safe');
    },
  );

  it('in --json mode the error is a JSON object on stdout', slow, async () => {
    const result = await run(['add', 'text', '--json'], { db: freshDb() });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'SCOPE_REQUIRED' } });
  });

  it('a missing memory is exit code 1 (NOT_FOUND), not a usage error', slow, async () => {
    const result = await run(['get', 'no-such-id', '--user', 'alice'], { db: freshDb() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error \[NOT_FOUND\]/);
  });
});

describe('import and export', () => {
  it('round-trips a scope through export and import', slow, async () => {
    const source = freshDb();
    const first = await runJson<{ memories: MemoryJson[] }>(
      ['add', 'I moved to Lisbon last March', '--user', 'alice', '--at', '2024-05-10'],
      source,
    );
    await runJson(
      ['add', 'I work as a nurse', '--user', 'alice', '--session', 's1', '--metadata', '{"topic":"work"}'],
      source,
    );
    await runJson(
      ['update', first.memories[0]?.id ?? '', '--user', 'alice', '--text', 'I moved to Porto in March'],
      source,
    );
    await runJson(['add', 'bob is elsewhere', '--user', 'bob'], source);
    const file = path.join(directory, `export-${counter}.jsonl`);
    const exported = await runJson<{ messages: number; memories: number; history: number }>(
      ['export', '--user', 'alice', '--out', file],
      source,
    );
    expect(exported).toMatchObject({ messages: 2, memories: 3 });
    expect(await readFile(file, 'utf8')).not.toContain('"embedding"');

    const target = freshDb();
    const imported = await runJson<{ messages: number; memories: number; history: number }>(
      ['import', file],
      target,
    );
    expect(imported).toEqual({
      format: 'jsonl',
      messages: 2,
      memories: 3,
      history: exported.history,
      alreadyImported: 0,
      warnings: [],
    });
    const list = (db: string) =>
      runJson<{ items: MemoryJson[] }>(['list', '--user', 'alice', '--include-history'], db);
    const before = (await list(source)).items.map((item) => [item.id, item.text]);
    const after = (await list(target)).items.map((item) => [item.id, item.text]);
    expect(after).toEqual(before);
    const history = (db: string) =>
      runJson<unknown[]>(['history', first.memories[0]?.id ?? '', '--user', 'alice'], db);
    expect(await history(target)).toEqual(await history(source));
    expect((await runJson<{ items: unknown[] }>(['list', '--user', 'bob'], target)).items).toEqual([]);
    const search = await runJson<{ results: { memory: MemoryJson }[] }>(
      ['search', 'Porto', '--user', 'alice'],
      target,
    );
    expect(search.results[0]?.memory.text).toBe('I moved to Porto in March');
  });

  it('imports JSONL messages with the scope from each line or from the flags', slow, async () => {
    const db = freshDb();
    const file = path.join(directory, 'messages.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({
          role: 'user',
          content: 'I have a cat named Miso',
          observedAt: '2024-01-02T10:00:00Z',
        }),
        JSON.stringify({
          role: 'assistant',
          content: 'Miso is a lovely name',
          userId: 'carol',
          sessionId: 'chat-1',
        }),
        '',
      ].join('\n'),
    );
    const summary = await runJson<{ messages: number; memories: number }>(
      ['import', file, '--user', 'dave'],
      db,
    );
    expect(summary).toMatchObject({ messages: 2, memories: 2 });
    const dave = await runJson<{ items: MemoryJson[] }>(['list', '--user', 'dave'], db);
    expect(dave.items.map((item) => [item.text, item.observedAt])).toEqual([
      ['I have a cat named Miso', '2024-01-02T10:00:00.000Z'],
    ]);
    const carol = await runJson<{ items: MemoryJson[] }>(
      ['list', '--user', 'carol', '--session', 'chat-1'],
      db,
    );
    expect(carol.items.map((item) => item.text)).toEqual(['Miso is a lovely name']);
  });

  it('imports a LoCoMo file: one user per conversation, dated sessions, dia ids', slow, async () => {
    const db = freshDb();
    const file = path.join(directory, 'tiny-locomo.json');
    const conversation = {
      speaker_a: 'Ana',
      speaker_b: 'Ben',
      session_1_date_time: '1:56 pm on 8 May, 2023',
      session_1: [
        { speaker: 'Ana', dia_id: 'D1:1', text: 'I went hiking in the Alps yesterday.' },
        { speaker: 'Ben', dia_id: 'D1:2', text: 'Look at this', blip_caption: 'a photo of a mountain lake' },
      ],
      session_2_date_time: '9:15 am on 20 May, 2023',
      session_2: [{ speaker: 'Ana', dia_id: 'D2:1', text: 'My sister is visiting next week.' }],
      session_3_date_time: '9:15 am on 30 May, 2023',
    };
    await writeFile(
      file,
      JSON.stringify([
        {
          sample_id: 'conv-x',
          conversation,
          qa: [{ question: 'q', answer: 'a', evidence: ['D1:1'], category: 4 }],
        },
      ]),
    );
    const summary = await runJson<{ format: string; messages: number }>(['import', file], db);
    expect(summary).toMatchObject({ format: 'locomo', messages: 3 });
    const search = await runJson<{ results: { memory: MemoryJson }[] }>(
      ['search', 'hiking Alps', '--user', 'conv-x'],
      db,
    );
    const top = search.results[0]?.memory;
    expect(top).toMatchObject({
      text: 'I went hiking in the Alps yesterday.',
      observedAt: '2023-05-08T13:56:00.000Z',
      metadata: { dia_id: 'D1:1' },
      scope: { userId: 'conv-x', sessionId: 'session_1' },
    });
    expect(top?.attributes.dates?.[0]?.label).toBe('7 May 2023');
    const photo = await runJson<{ results: { memory: MemoryJson }[] }>(
      ['search', 'mountain lake photo', '--user', 'conv-x'],
      db,
    );
    expect(photo.results[0]?.memory.text).toBe('Look at this [shares a photo: a photo of a mountain lake]');
  });

  it('imports a gzipped LongMemEval file: one user per question, haystack sessions', slow, async () => {
    const db = freshDb();
    const file = path.join(directory, 'tiny-longmemeval.json.gz');
    const item = {
      question_id: 'q-7',
      question_type: 'single-session-user',
      question: 'What colour is my bike?',
      answer: 'red',
      question_date: '2023/06/01 (Thu) 10:00',
      haystack_session_ids: ['s-1', 's-2'],
      haystack_dates: ['2023/05/20 (Sat) 02:21', '2023/05/25 (Thu) 18:00'],
      haystack_sessions: [
        [
          { role: 'user', content: 'I bought a red bike today.', has_answer: true },
          { role: 'assistant', content: 'Enjoy riding it!' },
        ],
        [{ role: 'user', content: 'Recommend a pasta recipe.' }],
      ],
      answer_session_ids: ['s-1'],
    };
    await writeFile(file, gzipSync(JSON.stringify([item])));
    const summary = await runJson<{ format: string; messages: number }>(['import', file], db);
    expect(summary).toMatchObject({ format: 'longmemeval', messages: 3 });
    const session = await runJson<{ items: MemoryJson[] }>(['list', '--user', 'q-7', '--session', 's-1'], db);
    expect(
      session.items.map((memory) => [memory.text, memory.observedAt, memory.metadata.turn]).sort(),
    ).toEqual([
      ['Enjoy riding it!', '2023-05-20T02:21:01.000Z', 1],
      ['I bought a red bike today.', '2023-05-20T02:21:00.000Z', 0],
    ]);
  });
});

describe('status and demo', () => {
  it('status reports the store and counts', slow, async () => {
    const db = freshDb();
    await runJson(['add', 'hello there', '--user', 'alice'], db);
    const status = await runJson<{ store: { provider: string; stats: { currentMemories: number } } }>(
      ['status'],
      db,
    );
    expect(status.store.provider).toBe('sqlite');
    expect(status.store.stats.currentMemories).toBe(1);
  });

  it('reembed embeds imported memories, which exports carry without vectors', slow, async () => {
    const source = freshDb();
    await runJson(['add', 'one', '--user', 'alice'], source);
    await runJson(['add', 'two', '--user', 'alice'], source);
    const file = path.join(directory, `reembed-${counter}.jsonl`);
    await runJson(['export', '--user', 'alice', '--out', file], source);
    const target = freshDb();
    await runJson(['import', file], target);
    const result = await runJson<{ reembedded: number }>(['reembed'], target);
    expect(result.reembedded).toBe(2);
    const again = await runJson<{ reembedded: number }>(['reembed'], target);
    expect(again.reembedded).toBe(0);
  });

  it('demo recalls memories from the sample conversation with grounded dates', slow, async () => {
    const result = await run(['demo'], { cwd: directory });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Pimenta');
    expect(result.stdout).toMatch(/dates: .*2024/);
    expect(result.stdout).toMatch(/score \d\.\d{3}: /);
  });

  it(
    'demo --keep leaves a store that later commands can read, and every recall answers its question',
    slow,
    async () => {
      const keep = path.join(directory, 'demo-kept.db');
      const demo = await run(['demo', '--keep', keep, '--json']);
      expect(demo.code, demo.stderr).toBe(0);
      const { answers } = JSON.parse(demo.stdout) as {
        answers: Array<{ query: string; results: Array<{ memory: MemoryJson }> }>;
      };
      const expected: Record<string, string> = {
        'When did Maya sign the lease in Porto?': 'signed the lease',
        "What is the name of Maya's new dog?": 'Pimenta',
        'When did Jonas get back from Japan?': 'back from Japan',
        'When did Biscuit hurt his paw?': 'hurt his paw',
      };
      for (const answer of answers) {
        const top = answer.results[0]!.memory;
        expect(top.text, answer.query).toContain(expected[answer.query]);
        expect(top.text.trim().endsWith('?'), answer.query).toBe(false);
        expect((top.attributes.dates ?? []).length, answer.query).toBeGreaterThan(0);
      }
      const page = await runJson<{ items: MemoryJson[] }>(['list', '--user', 'maya', '--limit', '100'], keep);
      expect(page.items.length).toBeGreaterThanOrEqual(30);
    },
  );
});
