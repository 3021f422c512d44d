// The built CLI's `mnemo graph` commands on temporary SQLite files, offline: the acceptance check
// (two adds, then entities and relations with validity), the readable output, merges and errors.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entity, EntityMerge, Relation } from '../../core/graph.js';
import type { Page } from '../../core/records.js';
import { builtCli, runBuiltCli as run, runBuiltCliJson as runJson } from '../test-support/built-cli.js';

let directory: string;
/** The store of the acceptance check: Emma lived in Berlin, then moved to Paris. */
let emmaDb: string;

// Each command is a fresh Node process; on a loaded machine a few dozen of them take a while.
const slow = { timeout: 120_000 };

beforeAll(async () => {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-cli-graph-'));
  emmaDb = path.join(directory, 'emma.db');
  for (const args of [
    ['add', 'My sister Emma lives in Berlin.', '--user', 'u', '--at', '2024-01-10'],
    ['add', 'Emma moved to Paris last month.', '--user', 'u', '--at', '2024-06-05'],
  ]) {
    const result = await run(args, { db: emmaDb });
    expect(result.code, result.stderr).toBe(0);
  }
}, slow.timeout);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const objectName = (relation: Relation) =>
  'literal' in relation.object ? relation.object.literal : relation.object.name;

describe('the issue’s acceptance check', () => {
  it('lists Emma as a person and Berlin and Paris as places', slow, async () => {
    const page = await runJson<Page<Entity>>(['graph', 'entities', '--user', 'u'], emmaDb);
    const typeOf = (name: string) => page.items.find((entity) => entity.name === name)?.type;
    expect(typeOf('Emma')).toBe('person');
    expect(typeOf('Berlin')).toBe('place');
    expect(typeOf('Paris')).toBe('place');
    expect(page.nextCursor).toBeUndefined();
  });

  it('shows Emma in Paris now, and in Berlin until about May 2024', slow, async () => {
    const relations = await runJson<Relation[]>(
      ['graph', 'relations', '--user', 'u', '--entity', 'Emma'],
      emmaDb,
    );
    const paris = relations.find((relation) => objectName(relation) === 'Paris');
    const berlin = relations.find((relation) => objectName(relation) === 'Berlin');
    expect(paris?.subject.name).toBe('Emma');
    expect(paris?.validTo).toBeUndefined();
    expect(berlin?.subject.name).toBe('Emma');
    expect(berlin?.validTo).toBeDefined();
    const closed = Date.parse(berlin?.validTo ?? '');
    expect(closed).toBeGreaterThanOrEqual(Date.parse('2024-04-15'));
    expect(closed).toBeLessThanOrEqual(Date.parse('2024-06-05'));
    expect(berlin?.invalidatedBy).toBe(paris?.id);
  });
});

describe('mnemo graph, readable and time-travelling', () => {
  it('prints relations as `subject predicate object  [from → to|now]`', slow, async () => {
    const { code, stdout } = await run(['graph', 'relations', '--user', 'u', '--entity', 'Emma'], {
      db: emmaDb,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Emma lives_in Berlin {2}\[2024-01-10 → 2024-0[45]-\d\d\]$/m);
    expect(stdout).toMatch(/^Emma lives_in Paris {2}\[2024-0[45]-\d\d → now\]$/m);
  });

  it(
    'shows an entity with its current relations before its past ones, with source memories',
    slow,
    async () => {
      const { code, stdout } = await run(['graph', 'show', 'Emma', '--user', 'u'], { db: emmaDb });
      expect(code).toBe(0);
      const current = stdout.indexOf('current:');
      const past = stdout.indexOf('past:');
      expect(current).toBeGreaterThan(0);
      expect(past).toBeGreaterThan(current);
      expect(stdout.slice(current, past)).toContain('Emma lives_in Paris');
      expect(stdout.slice(past)).toMatch(/Emma lives_in Berlin .*memories: [0-9a-f-]{36}/);
    },
  );

  it('reads the graph as of March 2024: Berlin, not Paris', slow, async () => {
    const detail = await runJson<{ entity: Entity; relations: Relation[]; merges: EntityMerge[] }>(
      ['graph', 'show', 'Emma', '--user', 'u', '--as-of', '2024-03-01'],
      emmaDb,
    );
    expect(detail.entity.name).toBe('Emma');
    const places = detail.relations.filter((relation) => relation.predicate === 'lives_in');
    expect(places.map(objectName)).toEqual(['Berlin']);
  });

  it('lists the neighbours of Emma one hop away', slow, async () => {
    const result = await runJson<{ entity: Entity; neighbours: Array<{ entity: Entity; hops: number }> }>(
      ['graph', 'neighbours', 'Emma', '--user', 'u', '--hops', '1'],
      emmaDb,
    );
    expect(result.neighbours.map((neighbour) => neighbour.entity.name)).toEqual(
      expect.arrayContaining(['Berlin', 'Paris']),
    );
    expect(new Set(result.neighbours.map((neighbour) => neighbour.hops))).toEqual(new Set([1]));
  });

  it('finds nothing for another user', slow, async () => {
    const page = await runJson<Page<Entity>>(['graph', 'entities', '--user', 'someone-else'], emmaDb);
    expect(page.items).toEqual([]);
  });
});

describe('mnemo graph merge, merges and unmerge', () => {
  it('merges two entities, lists the merge, and undoes it', slow, async () => {
    const db = path.join(directory, 'merge.db');
    for (const text of ['Emma lives in Berlin.', 'Emma Schmidt works at Acme Corp.']) {
      await runJson(['add', text, '--user', 'u', '--at', '2024-01-10'], db);
    }
    const merge = await runJson<EntityMerge>(['graph', 'merge', 'Emma', 'Emma Schmidt', '--user', 'u'], db);
    expect(merge).toMatchObject({ mergedName: 'Emma Schmidt', actor: 'cli' });
    const merged = await runJson<{ entity: Entity; relations: Relation[] }>(
      ['graph', 'show', 'Emma', '--user', 'u'],
      db,
    );
    expect(merged.relations.map((relation) => relation.predicate)).toEqual(
      expect.arrayContaining(['lives_in', 'works_at']),
    );
    const listed = await runJson<EntityMerge[]>(['graph', 'merges', '--user', 'u', '--entity', 'Emma'], db);
    expect(listed.map((entry) => entry.id)).toEqual([merge.id]);
    const undone = await runJson<EntityMerge>(['graph', 'unmerge', merge.id, '--user', 'u'], db);
    expect(undone.id).toBe(merge.id);
    expect(undone.undoneAt).toBeDefined();
    const names = (await runJson<Page<Entity>>(['graph', 'entities', '--user', 'u'], db)).items.map(
      (entity) => entity.name,
    );
    expect(names).toEqual(expect.arrayContaining(['Emma', 'Emma Schmidt']));
  });
});

describe('mnemo graph errors', () => {
  it.each([
    ['show of an unknown entity', ['show', 'Nobody', '--user', 'u'], 1, 'NOT_FOUND'],
    ['entities without a scope', ['entities'], 2, 'SCOPE_REQUIRED'],
    ['entities of an unknown type', ['entities', '--user', 'u', '--type', 'alien'], 2, 'INVALID_INPUT'],
    ['neighbours three hops away', ['neighbours', 'Emma', '--user', 'u', '--hops', '3'], 2, 'INVALID_INPUT'],
    ['relations as of month 13', ['relations', '--user', 'u', '--as-of', '2024-13-01'], 2, 'INVALID_INPUT'],
  ])('mnemo graph %s exits %i with %s', slow, async (_name, args, exitCode, code) => {
    const result = await run(['graph', ...args], { db: emmaDb });
    expect(result.code, result.stderr).toBe(exitCode);
    expect(result.stderr).toMatch(new RegExp(`^error \\[${code}\\]: `));
  });
});
