// `mnemo vacuum` end to end (the built CLI on a SQLite file): after a forgotten scope, and refusing a live one.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runBuiltCli, runBuiltCliJson } from '../test-support/built-cli.js';

let directory: string;

beforeAll(async () => {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-vacuum-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const slow = { timeout: 120_000 };

describe('mnemo vacuum', () => {
  it('vacuums after a scope was forgotten, and refuses a scope that still holds data', slow, async () => {
    const db = path.join(directory, 'vacuum.db');
    await runBuiltCliJson(['add', 'alice keeps bees', '--user', 'alice'], db);
    await runBuiltCliJson(['add', 'bob keeps goats', '--user', 'bob'], db);
    await runBuiltCliJson(['forget', '--all-in-scope', '--user', 'alice'], db);

    const report = await runBuiltCliJson<{ provider: string; tables: string[]; rewritten: boolean }>(
      ['vacuum', '--user', 'alice'],
      db,
    );
    expect(report).toMatchObject({ provider: 'sqlite', rewritten: true });
    expect(report.tables).toEqual(expect.arrayContaining(['memories', 'messages', 'partitions']));

    const refused = await runBuiltCli(['vacuum', '--user', 'bob'], { db });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('still holds 1 memories');
    expect(refused.stderr).toContain('mnemo forget --all-in-scope');
  });
});
