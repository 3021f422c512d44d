// End-to-end behaviour of the SDK on real SQLite files: write, recall, update, forget, scopes, TTL, bad input.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { isMnemoError } from '../core/errors.js';
import type { GroundedDate } from '../core/records.js';
import { createBuiltinEmbedder } from '../models/builtin-embedder.js';
import { createMemory, type Memory } from './create-memory.js';

let directory: string;
let dbPath: string;
let memory: Memory;
const clock = createFixedClock('2024-06-01T12:00:00Z');

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isMnemoError(error), `expected a MnemoError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

function rawFiles(): string {
  return ['', '-wal', '-shm']
    .map((suffix) => {
      try {
        return readFileSync(dbPath + suffix).toString('latin1');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
        throw error;
      }
    })
    .join('');
}

beforeEach(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-sdk-'));
  dbPath = path.join(directory, 'mnemo.db');
  clock.set('2024-06-01T12:00:00Z');
  memory = await createMemory({ store: dbPath, clock });
});

afterEach(async () => {
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createMemory', () => {
  it('recalls a grounded memory for its user and never for another user', async () => {
    const added = await memory.add('I moved to Lisbon last March', {
      userId: 'alice',
      observedAt: '2024-05-10',
    });
    expect(added.memories).toHaveLength(1);
    expect(added.usage.llmCalls).toBe(0);
    const dates = added.memories[0]!.attributes.dates as unknown as GroundedDate[];
    expect(dates[0]).toMatchObject({ start: '2024-03-01', end: '2024-03-31', granularity: 'month' });
    expect(added.memories[0]!.indexText).toContain('March 2024');

    const hit = await memory.search('where does alice live', { userId: 'alice', explain: true });
    expect(hit.results[0]?.memory.id).toBe(added.memories[0]!.id);
    expect(hit.results[0]?.explanation?.final).toBeCloseTo(hit.results[0]!.score, 6);

    const other = await memory.search('where does alice live', { userId: 'bob' });
    expect(other.results).toEqual([]);
  });

  it('finds a turn by the absolute date its relative date grounds to', async () => {
    await memory.add('We adopted a puppy yesterday', { userId: 'carol', observedAt: '2023-05-08T13:56:00Z' });
    await memory.add('I had pasta for lunch', { userId: 'carol', observedAt: '2023-05-08T14:00:00Z' });
    const { results } = await memory.search('what happened on 7 May 2023', { userId: 'carol', limit: 1 });
    expect(results[0]?.memory.text).toBe('We adopted a puppy yesterday');
  });

  it('keeps the speaker, session and sequence of every logged turn', async () => {
    const added = await memory.add(
      [
        { role: 'user', name: 'Dana', content: 'My sister Eve lives in Berlin.' },
        { role: 'assistant', content: 'Noted, Berlin it is.' },
      ],
      { userId: 'dana', sessionId: 's1' },
    );
    expect(added.messages.map((message) => message.seq)).toEqual([1, 2]);
    expect(added.memories[0]!.source.attributedTo).toBe('Dana');
    expect(added.memories[1]!.source.origin).toBe('assistant');
    expect(added.memories[0]!.attributes.sessionId).toBe('s1');
  });

  it('supersedes on update, keeps history, and answers asOf the earlier state', async () => {
    const { memories } = await memory.add('I love sushi', { userId: 'alice' });
    const original = memories[0]!;
    clock.advance(60_000);
    // Said now, about now: the new version holds from now on, the old one until now.
    const { previous, current } = await memory.update(
      original.id,
      { text: "I've gone vegetarian", observedAt: clock.now() },
      { userId: 'alice' },
    );
    expect(previous.supersededBy).toBe(current.id);
    expect(current.supersedes).toBe(original.id);

    const now = await memory.search('food sushi vegetarian', { userId: 'alice' });
    expect(now.results.map((result) => result.memory.id)).toEqual([current.id]);
    const all = await memory.search('food sushi vegetarian', { userId: 'alice', includeHistory: true });
    expect(all.results.map((result) => result.memory.id).sort()).toEqual([original.id, current.id].sort());
    const before = await memory.search('sushi', {
      userId: 'alice',
      asOf: Date.parse('2024-06-01T12:00:30Z'),
    });
    expect(before.results.map((result) => result.memory.id)).toEqual([original.id]);

    const history = await memory.history(current.id, { userId: 'alice' });
    expect(history.map((entry) => entry.event)).toContain('supersede');
  });

  it('treats an edit without a new time as a correction of what was said, and knownAt still sees the old text', async () => {
    const { memories } = await memory.add('I live in Berlim', { userId: 'alice', kind: 'fact' });
    const original = memories[0]!;
    const beforeEdit = clock.now();
    clock.advance(60_000);
    const { current } = await memory.update(original.id, { text: 'I live in Berlin' }, { userId: 'alice' });
    expect(current.observedAt).toBe(original.observedAt);
    const texts = async (options: { asOf?: number; knownAt?: number }) =>
      (await memory.list({ userId: 'alice', ...options })).items.map((record) => record.text);
    expect(await texts({ asOf: beforeEdit })).toEqual(['I live in Berlin']);
    expect(await texts({ knownAt: beforeEdit })).toEqual(['I live in Berlim']);
  });

  it('forgets for real: gone from reads, search and the database files', async () => {
    const { memories } = await memory.add('My locker code is zanzibar7731', { userId: 'alice' });
    const id = memories[0]!.id;
    await memory.update(id, { text: 'My locker code is zanzibar9999' }, { userId: 'alice' });
    expect(rawFiles()).toContain('zanzibar7731');
    const result = await memory.forget(id, { userId: 'alice' });
    expect(result.forgottenIds).toHaveLength(2);
    await expectCode(memory.get(id, { userId: 'alice' }), 'NOT_FOUND');
    expect((await memory.search('locker code', { userId: 'alice', includeHistory: true })).results).toEqual(
      [],
    );
    expect(rawFiles()).not.toContain('zanzibar');
  });

  it('forgets a whole user and nothing of anyone else', async () => {
    await memory.add('alice likes tea', { userId: 'alice' });
    await memory.add('bob likes coffee', { userId: 'bob' });
    const counts = await memory.forgetScope({ userId: 'alice' });
    expect(counts.memories).toBe(1);
    expect((await memory.list({ userId: 'alice' })).items).toEqual([]);
    expect((await memory.list({ userId: 'bob' })).items).toHaveLength(1);
  });

  it('hides expired memories and purges them', async () => {
    await memory.add('temporary door code 4411', { userId: 'alice', expiresAt: '2024-06-01T13:00:00Z' });
    expect((await memory.search('door code', { userId: 'alice' })).results).toHaveLength(1);
    clock.set('2024-06-01T14:00:00Z');
    expect((await memory.search('door code', { userId: 'alice' })).results).toEqual([]);
    expect((await memory.list({ userId: 'alice' })).items).toEqual([]);
    expect((await memory.purgeExpired()).purged).toBe(1);
  });

  it('returns neighbouring turns with expand', async () => {
    await memory.add(
      [
        { role: 'user', content: 'Guess what happened at work' },
        { role: 'user', content: 'I got promoted to team lead' },
        { role: 'user', content: 'We celebrated with cake' },
      ],
      { userId: 'erin', sessionId: 'work' },
    );
    const { results } = await memory.search('promoted team lead', { userId: 'erin', limit: 3, expand: 1 });
    const promoted = results.find((result) => result.memory.text === 'I got promoted to team lead');
    expect(promoted?.context?.map((message) => message.content)).toEqual([
      'Guess what happened at work',
      'I got promoted to team lead',
      'We celebrated with cake',
    ]);
  });

  it('reports its store and embedder in status()', async () => {
    await memory.add('hello there general kenobi', { userId: 'alice' });
    const status = await memory.status();
    expect(status.store.provider).toBe('sqlite');
    expect(status.store.stats.memories).toBe(1);
    expect(status.embedder?.provider).toBe('builtin');
    expect(status.capabilities).toMatchObject({ rawMode: true, inferredMode: false, vectorSearch: true });
  });

  it('never mixes embedding spaces and switches them with reembed', async () => {
    await memory.add('I play the cello every evening', { userId: 'alice' });
    await memory.close();
    memory = await createMemory({
      store: dbPath,
      clock,
      embedder: createBuiltinEmbedder({ dimensions: 64 }),
    });
    const added = await memory.add('My cat is called Miso', { userId: 'alice' });
    expect(added.warnings.join(' ')).toContain('reembed');
    const before = await memory.search('cello', { userId: 'alice' });
    expect(before.warnings.join(' ')).toContain('reembed');
    expect(before.results[0]?.memory.text).toContain('cello');
    const { reembedded } = await memory.reembed();
    expect(reembedded).toBe(2);
    const status = await memory.status();
    expect(status.embedder?.matchesStore).toBe(true);
    expect(status.store.stats.embeddingSpace?.dimensions).toBe(64);
  });
});

describe('createMemory with bad input', () => {
  beforeEach(async () => {
    await memory.add('a memory that must survive bad input', { userId: 'alice' });
  });

  afterEach(async () => {
    const { items } = await memory.list({ userId: 'alice' });
    expect(items.map((item) => item.text)).toContain('a memory that must survive bad input');
  });

  it.each([
    ['add without a scope', () => memory.add('text', {}), 'SCOPE_REQUIRED'],
    ['add empty text', () => memory.add('   ', { userId: 'alice' }), 'INVALID_INPUT'],
    ['add a huge payload', () => memory.add('x'.repeat(100_001), { userId: 'alice' }), 'INVALID_INPUT'],
    [
      'add a wrong role',
      () => memory.add([{ role: 'boss' as 'user', content: 'hi' }], { userId: 'alice' }),
      'INVALID_INPUT',
    ],
    [
      'add a bad date',
      () => memory.add('hi', { userId: 'alice', observedAt: 'not a date' }),
      'INVALID_INPUT',
    ],
    ['add with infer and no LLM', () => memory.add('hi', { userId: 'alice', infer: true }), 'UNSUPPORTED'],
    [
      'add with a non-string user',
      () => memory.add('hi', { userId: 42 as unknown as string }),
      'INVALID_INPUT',
    ],
    ['search without a scope', () => memory.search('x', {}), 'SCOPE_REQUIRED'],
    ['search with a bad limit', () => memory.search('x', { userId: 'alice', limit: 0 }), 'INVALID_INPUT'],
    [
      'search with a non-string query',
      () => memory.search(5 as unknown as string, { userId: 'alice' }),
      'INVALID_INPUT',
    ],
    [
      'get an unknown id',
      () => memory.get('0190f3a0-0000-7000-8000-000000000000', { userId: 'alice' }),
      'NOT_FOUND',
    ],
    ['get with an empty id', () => memory.get('', { userId: 'alice' }), 'INVALID_INPUT'],
    ['list with a bad limit', () => memory.list({ userId: 'alice', limit: -1 }), 'INVALID_INPUT'],
    ['update with nothing', () => memory.update('x', {}, { userId: 'alice' }), 'INVALID_INPUT'],
    ['update an unknown id', () => memory.update('nope', { text: 'y' }, { userId: 'alice' }), 'NOT_FOUND'],
    ['forget an unknown id', () => memory.forget('nope', { userId: 'alice' }), 'NOT_FOUND'],
    ['forget a whole tenant', () => memory.forgetScope({ tenantId: 'default' }), 'SCOPE_REQUIRED'],
    ['history without a scope', () => memory.history('x', {}), 'SCOPE_REQUIRED'],
  ])('%s fails with a typed error', async (_name, call, code) => {
    await expectCode(call(), code);
  });

  it('does not let another user read, update or forget a memory by id', async () => {
    const { items } = await memory.list({ userId: 'alice' });
    const id = items[0]!.id;
    await expectCode(memory.get(id, { userId: 'mallory' }), 'NOT_FOUND');
    await expectCode(memory.update(id, { text: 'owned' }, { userId: 'mallory' }), 'NOT_FOUND');
    await expectCode(memory.forget(id, { userId: 'mallory' }), 'NOT_FOUND');
    await expectCode(memory.get(id, { tenantId: 'other', userId: 'alice' }), 'NOT_FOUND');
  });
});
