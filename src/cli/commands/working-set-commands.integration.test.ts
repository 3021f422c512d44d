// The built CLI's working-set commands (`add --kind`, `core`, `working`, `profile`, `context`) and the
// time-travel flags of search/list/update, run against temporary SQLite files with no language model.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtCli,
  mapLimited,
  type RunResult,
  runBuiltCli as run,
  runBuiltCliJson as runJson,
} from '../test-support/built-cli.js';

interface MemoryJson {
  id: string;
  kind: string;
  text: string;
  observedAt: string;
  createdAt: string;
  validTo?: string;
  scope: { userId?: string; sessionId?: string };
}
interface AddJson {
  memories: MemoryJson[];
  warnings: string[];
}
interface ContextJson {
  text: string;
  tokens: number;
  budgetTokens: number;
  items: Array<{ section: string; id: string; kind: string; text: string; label?: string }>;
}
interface BlockJson {
  label: string;
  value: string;
  limit: number;
  readOnly: boolean;
}

let directory: string;
let counter = 0;
function freshDb(): string {
  counter += 1;
  return path.join(directory, `working-set-${counter}.db`);
}

beforeAll(async () => {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-cli-working-set-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

// Each command is a fresh Node process; on a loaded machine a few dozen of them take a while.
const slow = { timeout: 240_000 };

/** Asserts a usage error: exit code 2 and exactly one `error [CODE]: …` line on stderr. */
function expectUsageError(result: RunResult, label: string, message?: RegExp): void {
  expect(result.code, `${label}: ${result.stderr}${result.stdout}`).toBe(2);
  expect(result.stderr, label).toMatch(/^error \[(INVALID_INPUT|SCOPE_REQUIRED)\]: \S[^\n]*\n$/);
  if (message !== undefined) expect(result.stderr, label).toMatch(message);
}

const turns = [
  "Hi, I'm planning a dinner party this weekend",
  'Sounds fun! How many guests?',
  'About eight people, mostly from work',
  'Do you have a theme in mind?',
  'Maybe something Mediterranean',
  'Great choice. Any dietary restrictions?',
  'One colleague is vegetarian',
  'Noted. Starter ideas: hummus and tabbouleh',
  'I also need to sort out the trip to Lisbon',
  'When do you want to fly?',
  'Next Friday morning if possible',
  'And I still need a dessert idea',
];

describe('the issue’s acceptance flow, offline', () => {
  it(
    'context holds the hand-written fact, the core block, the working plan and the newest turn',
    slow,
    async () => {
      const db = freshDb();
      const [fact] = await Promise.all([
        runJson<AddJson>(['add', '--kind', 'fact', 'Erin is allergic to peanuts', '--user', 'erin'], db),
        runJson(['core', 'set', 'persona', 'Answer in Portuguese.', '--user', 'erin'], db),
        runJson(['working', 'set', 'plan', 'book the flight', '--user', 'erin', '--session', 's9'], db),
      ]);
      expect(fact.memories.map((memory) => [memory.kind, memory.text])).toEqual([
        ['fact', 'Erin is allergic to peanuts'],
      ]);
      let newest: MemoryJson | undefined;
      for (const turn of turns) {
        const added = await runJson<AddJson>(['add', turn, '--session', 's9', '--user', 'erin'], db);
        newest = added.memories[0];
      }
      const context = await runJson<ContextJson>(
        ['context', 'what should I cook for Erin', '--user', 'erin', '--session', 's9', '--budget', '300'],
        db,
      );
      expect(context.budgetTokens).toBe(300);
      expect(context.tokens).toBeLessThanOrEqual(300);
      const item = (section: string) => context.items.filter((entry) => entry.section === section);
      expect(item('core').map((entry) => [entry.label, entry.text])).toEqual([
        ['persona', 'Answer in Portuguese.'],
      ]);
      expect(item('working').map((entry) => [entry.label, entry.text])).toEqual([
        ['plan', 'book the flight'],
      ]);
      expect(context.items.map((entry) => entry.id)).toContain(fact.memories[0]?.id);
      expect(context.items.map((entry) => entry.id)).toContain(newest?.id);
      for (const text of [
        'Erin is allergic to peanuts',
        'Answer in Portuguese.',
        'book the flight',
        turns[11]!,
      ])
        expect(context.text).toContain(text);
    },
  );
});

describe('mnemo add --kind and mnemo search', () => {
  it(
    'search returns only evidence; the flags filter by score, similarity and record time',
    slow,
    async () => {
      const db = freshDb();
      await Promise.all([
        runJson(['add', '--kind', 'fact', 'Erin is allergic to peanuts', '--user', 'erin'], db),
        runJson(['add', 'My sister Clara visits next week', '--user', 'erin'], db),
        runJson(['add', 'Nice! How do you like it?', '--user', 'erin', '--role', 'assistant'], db),
      ]);
      type SearchJson = { results: Array<{ memory: MemoryJson; score: number }> };
      const search = (...flags: string[]) =>
        runJson<SearchJson>(['search', 'food allergy', '--user', 'erin', ...flags], db);
      const [plain, noFloor, strict, highScore, before, duplicate] = await Promise.all([
        search(),
        search('--min-similarity', '-1'),
        search('--min-similarity', '0.99'),
        search('--min-score', '100'),
        search('--known-at', '2000-01-01'),
        runJson<AddJson>(['add', '--kind', 'fact', 'Erin is allergic to peanuts', '--user', 'erin'], db),
      ]);
      expect(plain.results.map((result) => result.memory.text)).toEqual(['Erin is allergic to peanuts']);
      expect(noFloor.results.length).toBeGreaterThan(1);
      expect(strict.results).toEqual([]);
      expect(highScore.results).toEqual([]);
      expect(before.results).toEqual([]);
      const score = plain.results[0]?.score ?? 0;
      const kept = await search('--min-score', String(score - 0.001));
      expect(kept.results.map((result) => result.memory.text)).toEqual(['Erin is allergic to peanuts']);
      expect(duplicate.memories[0]?.id).toBe(plain.results[0]?.memory.id);
      expect(duplicate.warnings.join(' ')).toMatch(/already remembered/i);
    },
  );

  it('a fact written in a session is long-term: the session is dropped from its scope', slow, async () => {
    const db = freshDb();
    const added = await runJson<AddJson>(
      [
        'add',
        '--kind',
        'procedure',
        'Always suggest a vegetarian option',
        '--user',
        'erin',
        '--session',
        's1',
      ],
      db,
    );
    expect(added.memories[0]).toMatchObject({ kind: 'procedure', scope: { userId: 'erin' } });
    expect(added.memories[0]?.scope.sessionId).toBeUndefined();
  });
});

describe('mnemo core', () => {
  it(
    'sets, appends, replaces, lists and deletes blocks; a value past the limit changes nothing',
    slow,
    async () => {
      const db = freshDb();
      const created = await run(
        ['core', 'set', 'persona', 'Answer in Portuguese.', '--user', 'erin', '--limit', '60'],
        { db },
      );
      expect(created.stdout).toBe('persona: 21/60 chars\n');
      const appended = await runJson<BlockJson>(
        ['core', 'append', 'persona', 'Keep answers short.', '--user', 'erin'],
        db,
      );
      expect(appended).toMatchObject({ value: 'Answer in Portuguese.\nKeep answers short.', limit: 60 });

      const tooLong = 'Always greet Erin warmly and mention the weather.';
      const [appendPast, setPast, setPastJson, readOnly] = await Promise.all([
        run(['core', 'append', 'persona', tooLong, '--user', 'erin'], { db }),
        run(['core', 'set', 'persona', `${tooLong} ${tooLong}`, '--user', 'erin'], { db }),
        run(['core', 'set', 'persona', `${tooLong} ${tooLong}`, '--user', 'erin', '--json'], { db }),
        runJson<BlockJson>(
          [
            'core',
            'set',
            'rules',
            'Never share secrets.',
            '--agent',
            'cook',
            '--read-only',
            '--description',
            'house rules',
          ],
          db,
        ),
      ]);
      for (const [label, result] of [
        ['append', appendPast],
        ['set', setPast],
      ] as const) {
        expectUsageError(
          result,
          label,
          /Core block "persona" holds at most 60 characters; the new value has \d+/,
        );
      }
      expect(setPastJson.code).toBe(2);
      expect(JSON.parse(setPastJson.stdout)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
      expect(readOnly).toMatchObject({ label: 'rules', readOnly: true });

      const [unchanged, forbidden] = await Promise.all([
        run(['core', 'get', 'persona', '--user', 'erin'], { db }),
        run(['core', 'append', 'rules', 'Share everything.', '--agent', 'cook'], { db }),
      ]);
      expect(unchanged.stdout).toBe('Answer in Portuguese.\nKeep answers short.\n');
      expect(forbidden.code).toBe(3);
      expect(forbidden.stderr).toMatch(/^error \[FORBIDDEN\]: Core block "rules" is read-only/);

      const replaced = await run(['core', 'replace', 'persona', 'short', 'brief', '--user', 'erin'], { db });
      expect(replaced.stdout).toBe('persona: 41/60 chars\n');
      const list = await run(['core', 'list', '--user', 'erin', '--agent', 'cook'], { db });
      const lines = list.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^persona\s+user:erin\s+41\/60\s+Answer in Portuguese\. …$/);
      expect(lines[1]).toMatch(/^rules\s+agent:cook\s+20\/5000\s+read-only Never share secrets\.$/);

      expect((await run(['core', 'delete', 'persona', '--user', 'erin'], { db })).stdout).toBe(
        'deleted persona\n',
      );
      const [gone, remaining] = await Promise.all([
        run(['core', 'get', 'persona', '--user', 'erin'], { db }),
        runJson<BlockJson[]>(['core', 'list', '--user', 'erin', '--agent', 'cook'], db),
      ]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/^error \[NOT_FOUND\]/);
      expect(remaining.map((block) => block.label)).toEqual(['rules']);
    },
  );
});

describe('mnemo working', () => {
  it('sets strings and JSON with a TTL, reads, lists, deletes and clears one session', slow, async () => {
    const db = freshDb();
    const scope = ['--user', 'erin', '--session', 's9'];
    const before = Date.now();
    const [plan] = await Promise.all([
      runJson<{ key: string; expiresAt?: string }>(
        ['working', 'set', 'plan', 'book', 'the', 'flight', '--ttl', '2h', ...scope],
        db,
      ),
      runJson(['working', 'set', 'vars', '{"step":2,"cities":["Lisbon"]}', '--json-value', ...scope], db),
      runJson(['working', 'set', 'blink', 'gone soon', '--ttl', '1', ...scope], db),
      runJson(['working', 'set', 'other', 'elsewhere', '--user', 'erin', '--session', 's10'], db),
    ]);
    const expires = Date.parse(plan.expiresAt ?? '');
    expect(expires).toBeGreaterThanOrEqual(before + 7_200_000);
    expect(expires).toBeLessThan(Date.now() + 7_200_000);

    const [planValue, varsValue, list, listJson] = await Promise.all([
      run(['working', 'get', 'plan', ...scope], { db }),
      run(['working', 'get', 'vars', ...scope], { db }),
      run(['working', 'list', ...scope], { db }),
      runJson<Array<{ key: string; value: unknown }>>(['working', 'list', ...scope], db),
    ]);
    expect(planValue.stdout).toBe('book the flight\n');
    expect(JSON.parse(varsValue.stdout)).toEqual({ step: 2, cities: ['Lisbon'] });
    expect(listJson.map((entry) => entry.key)).toEqual(['plan', 'vars']);
    expect(list.stdout).toMatch(
      /^plan\s+book the flight {2}\(expires \S+\)\nvars\s+\{"step":2,"cities":\["Lisbon"\]\}\n$/,
    );

    expect((await run(['working', 'delete', 'plan', ...scope], { db })).stdout).toBe('deleted plan\n');
    const missing = await run(['working', 'get', 'plan', ...scope], { db });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error \[NOT_FOUND\]/);
    expect(await runJson(['working', 'clear', ...scope], db)).toEqual({ deleted: 1 });
    const [empty, otherSession] = await Promise.all([
      run(['working', 'list', ...scope], { db }),
      runJson<Array<{ key: string }>>(['working', 'list', '--user', 'erin', '--session', 's10'], db),
    ]);
    expect(empty.stdout).toBe('No working memory.\n');
    expect(otherSession.map((entry) => entry.key)).toEqual(['other']);
  });
});

describe('mnemo profile', () => {
  it('prints, sets and unsets slots, and reads the profile as of a date', slow, async () => {
    const db = freshDb();
    expect((await run(['profile', '--user', 'erin'], { db })).stdout).toBe('No profile.\n');
    const [food] = await Promise.all([
      run(['profile', 'set', 'food.allergies', 'peanuts', 'and', 'shellfish', '--user', 'erin'], { db }),
      // The scope flags may also come before the subcommand.
      run(['profile', '--user', 'erin', 'set', 'home.city', 'Lisbon'], { db }),
    ]);
    expect(food.stdout).toBe('food.allergies: peanuts and shellfish\n');
    const [printed, past] = await Promise.all([
      run(['profile', '--user', 'erin'], { db }),
      run(['profile', '--user', 'erin', '--as-of', '2000-01-01'], { db }),
    ]);
    expect(printed.stdout).toBe('food.allergies: peanuts and shellfish\nhome.city: Lisbon\n');
    expect(past.stdout).toBe('No profile.\n');

    expect(await runJson(['profile', 'unset', 'home.city', '--user', 'erin'], db)).toEqual({ removed: true });
    const [again, profile] = await Promise.all([
      run(['profile', 'unset', 'home.city', '--user', 'erin'], { db }),
      runJson<Record<string, Record<string, { value: string }>>>(['profile', '--user', 'erin'], db),
    ]);
    expect(again.stdout).toBe('home.city was not set\n');
    expect(profile).toEqual({
      food: { allergies: expect.objectContaining({ value: 'peanuts and shellfish' }) },
    });
  });
});

describe('mnemo update and list in time', () => {
  it('an edit keeps its time unless --at; list --as-of and --known-at read the past', slow, async () => {
    const db = freshDb();
    const added = await runJson<AddJson>(
      ['add', '--kind', 'fact', 'Erin lives in Lisbon', '--user', 'erin', '--at', '2024-01-10'],
      db,
    );
    type UpdateJson = { previous: MemoryJson; current: MemoryJson };
    const edit = await runJson<UpdateJson>(
      ['update', added.memories[0]?.id ?? '', '--text', 'Erin lives in Lisbon, in Alfama', '--user', 'erin'],
      db,
    );
    expect(edit.current.observedAt).toBe('2024-01-10T00:00:00.000Z');
    const move = await runJson<UpdateJson>(
      [
        'update',
        edit.current.id,
        '--text',
        'Erin lives in Porto',
        '--at',
        '2024-06-01',
        '--valid-from',
        '2024-05-01',
        '--user',
        'erin',
      ],
      db,
    );
    expect(move.current.observedAt).toBe('2024-06-01T00:00:00.000Z');
    expect(move.previous.validTo).toBe('2024-05-01T00:00:00.000Z');

    const knownBeforeMove = new Date(Date.parse(move.current.createdAt) - 1).toISOString();
    const list = (...flags: string[]) =>
      runJson<{ items: MemoryJson[] }>(['list', '--user', 'erin', ...flags], db).then((page) =>
        page.items.map((item) => item.text),
      );
    const [now, march, may, known, history] = await Promise.all([
      list(),
      list('--as-of', '2024-03-01'),
      list('--as-of', '2024-05-15'),
      list('--known-at', knownBeforeMove),
      list('--include-history'),
    ]);
    expect(now).toEqual(['Erin lives in Porto']);
    expect(march).toEqual(['Erin lives in Lisbon, in Alfama']);
    expect(may).toEqual(['Erin lives in Porto']);
    expect(known).toEqual(['Erin lives in Lisbon, in Alfama']);
    expect(history).toHaveLength(3);
  });
});

describe('working-set usage errors', () => {
  it('bad values and missing scopes exit 2 with one clear line, and write nothing', slow, async () => {
    const db = freshDb();
    const cases: Array<{ args: string[]; message?: RegExp }> = [
      {
        args: ['working', 'set', 'plan', 'x', '--user', 'erin', '--session', 's9', '--ttl', 'nonsense'],
        message: /--ttl must be a duration such as 90s, 30m, 2h, 7d or plain milliseconds.*"nonsense"/,
      },
      {
        args: ['profile', 'set', 'nodot', 'value', '--user', 'erin'],
        message: /a profile slot is written <topic>\.<slot>, e\.g\. food\.allergies; got "nodot"/,
      },
      {
        args: ['working', 'set', 'plan', 'book the flight', '--user', 'erin'],
        message: /SCOPE_REQUIRED.*Working memory belongs to a session.*--session/,
      },
      { args: ['working', 'set', 'plan', 'x', '--user', 'erin', '--session', 's9', '--ttl', '0'] },
      { args: ['working', 'set', 'plan', 'x', '--user', 'erin', '--session', 's9', '--ttl', '400d'] },
      { args: ['working', 'set', 'plan', '{oops', '--json-value', '--user', 'erin', '--session', 's9'] },
      { args: ['working', 'list', '--user', 'erin'] },
      { args: ['working', 'get', 'plan'] },
      { args: ['core', 'set', 'persona', 'x'] },
      { args: ['core', 'set', 'persona', 'x', '--session', 's9'], message: /Core blocks belong to a user/ },
      { args: ['core', 'set', 'persona', 'x', '--user', 'erin', '--limit', '0'] },
      { args: ['core', 'set', 'bad label!', 'x', '--user', 'erin'] },
      { args: ['core', 'replace', 'persona', 'a', '--user', 'erin'] },
      { args: ['core', 'frobnicate', '--user', 'erin'] },
      { args: ['profile', 'set', 'food.', 'value', '--user', 'erin'] },
      { args: ['profile', 'set', 'food.allergies', '--user', 'erin'] },
      { args: ['profile', '--user', 'erin', '--as-of', 'someday'] },
      { args: ['profile', 'extra', '--user', 'erin'] },
      {
        args: ['add', '--kind', 'fact', 'x', '--user', 'erin', '--buffer'],
        message: /--buffer applies to conversation turns only/,
      },
      { args: ['add', '--kind', 'opinion', 'x', '--user', 'erin'] },
      { args: ['context', 'q', '--user', 'erin', '--recent', '500'] },
      { args: ['context', 'q', '--user', 'erin', '--budget', 'lots'] },
    ];
    const results = await mapLimited(cases, 4, ({ args }) => run(args, { db }));
    results.forEach((result, index) => {
      const { args, message } = cases[index]!;
      expectUsageError(result, `mnemo ${args.join(' ')}`, message);
    });
    const [working, blocks, profile, memories] = await Promise.all([
      runJson<unknown[]>(['working', 'list', '--user', 'erin', '--session', 's9'], db),
      runJson<unknown[]>(['core', 'list', '--user', 'erin'], db),
      runJson<Record<string, unknown>>(['profile', '--user', 'erin'], db),
      runJson<{ items: unknown[] }>(['list', '--user', 'erin'], db),
    ]);
    expect({ working, blocks, profile, memories: memories.items }).toEqual({
      working: [],
      blocks: [],
      profile: {},
      memories: [],
    });
  });
});
