// `mnemo maintain`, `unmerge`, `unarchive` and `purge` end to end: the built CLI on a SQLite file in a temp dir.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry, MemoryRecord } from '../../core/records.js';
import type { MaintainReport } from '../../lifecycle/maintain/maintain-report.js';
import { builtCli, runBuiltCli, runBuiltCliJson } from '../test-support/built-cli.js';

let directory: string;
let count = 0;

beforeAll(async () => {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-maintain-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const slow = { timeout: 120_000 };
const freshDb = () => path.join(directory, `maintain-${++count}.db`);

async function addFact(db: string, text: string, ...flags: string[]): Promise<MemoryRecord> {
  const added = await runBuiltCliJson<{ memories: MemoryRecord[] }>(
    ['add', '--kind', 'fact', text, '--user', 'h', ...flags],
    db,
  );
  return added.memories[0]!;
}

/** Whether any of the store's files (the database, its write-ahead log) holds `text`. */
async function filesContain(db: string, text: string): Promise<boolean> {
  const files = [db, `${db}-wal`, `${db}-shm`].filter((file) => existsSync(file));
  const bytes = await Promise.all(files.map((file) => readFile(file)));
  return bytes.some((content) => content.includes(Buffer.from(text)));
}

async function waitUntil(instant: number): Promise<void> {
  const wait = instant - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

describe('mnemo maintain', () => {
  it('merges two restatements, erases an expired fact, and keeps the merge in history', slow, async () => {
    const db = freshDb();
    await addFact(db, 'I enjoy hiking in the Alps');
    await addFact(db, 'I really enjoy hiking in the Alps');
    const expiresAt = Date.now() + 1_000;
    await addFact(db, 'My gate code is wombat 4417', '--expires', new Date(expiresAt).toISOString());
    await waitUntil(expiresAt + 50);

    const report = await runBuiltCliJson<MaintainReport>(['maintain', '--user', 'h'], db);
    expect(report.merged).toHaveLength(1);
    expect(report.merged[0]?.sources).toHaveLength(2);
    expect(report.purged).toBeGreaterThanOrEqual(1);
    expect(report.complete).toBe(true);

    const page = await runBuiltCliJson<{ items: MemoryRecord[] }>(['list', '--user', 'h'], db);
    const hiking = page.items.filter((item) => item.text.includes('hiking'));
    expect(hiking).toHaveLength(1);
    expect(page.items.some((item) => item.text.includes('wombat'))).toBe(false);

    const history = await runBuiltCli(['history', hiking[0]!.id, '--user', 'h'], { db });
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/\bmerge\b/);
    const entries = await runBuiltCliJson<HistoryEntry[]>(['history', hiking[0]!.id, '--user', 'h'], db);
    expect(entries.map((entry) => entry.event)).toContain('merge');

    expect(await filesContain(db, 'wombat')).toBe(false);
    expect(await filesContain(db, 'hiking in the Alps')).toBe(true);
  });

  it('prints a short summary, and a second run finds nothing new', slow, async () => {
    const db = freshDb();
    await addFact(db, 'I enjoy hiking in the Alps');
    await addFact(db, 'I really enjoy hiking in the Alps');
    const first = await runBuiltCli(['maintain', '--user', 'h'], { db });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('merged 1,');
    expect(first.stdout).toMatch(/purged 0 expired/);
    expect(first.stdout).toContain('usage: 0 LLM calls');
    expect(first.stdout).toContain('left for the next run: nothing');
    expect(first.stdout).toMatch(/merge \S+ ← \S+, \S+ \(offline\)/);
    // Not a terminal: no progress bar on stderr.
    expect(first.stderr).toBe('');
    const second = await runBuiltCliJson<MaintainReport>(['maintain', '--user', 'h'], db);
    expect(second.merged).toEqual([]);
  });

  it('refuses bad flags as usage errors (exit 2) and changes nothing', slow, async () => {
    const db = freshDb();
    await addFact(db, 'I enjoy hiking in the Alps');
    await addFact(db, 'I really enjoy hiking in the Alps');
    for (const flags of [
      ['--steps', 'expire,tidy'],
      ['--max-llm-calls', '-1'],
      ['--max-memories', '0'],
      ['--max-memories', 'many'],
      ['--frobnicate'],
    ]) {
      const result = await runBuiltCli(['maintain', '--user', 'h', ...flags], { db });
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^error \[INVALID_INPUT\]: /);
    }
    const json = await runBuiltCli(['maintain', '--user', 'h', '--steps', 'tidy', '--json'], { db });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.code).toBe('INVALID_INPUT');
    const page = await runBuiltCliJson<{ items: MemoryRecord[] }>(['list', '--user', 'h'], db);
    expect(page.items).toHaveLength(2);
  });

  it('runs only the steps asked for', slow, async () => {
    const db = freshDb();
    await addFact(db, 'I enjoy hiking in the Alps');
    await addFact(db, 'I really enjoy hiking in the Alps');
    const report = await runBuiltCliJson<MaintainReport>(
      ['maintain', '--user', 'h', '--steps', 'expire'],
      db,
    );
    expect(report.merged).toEqual([]);
    expect(
      (await runBuiltCliJson<{ items: MemoryRecord[] }>(['list', '--user', 'h'], db)).items,
    ).toHaveLength(2);
  });
});

describe('mnemo unmerge and mnemo unarchive', () => {
  it('undoes a merge, and refuses what is not a merge or not archived', slow, async () => {
    const db = freshDb();
    const first = await addFact(db, 'I enjoy hiking in the Alps');
    const second = await addFact(db, 'I really enjoy hiking in the Alps');
    const report = await runBuiltCliJson<MaintainReport>(['maintain', '--user', 'h'], db);
    const mergedId = report.merged[0]!.id;

    const notMerge = await runBuiltCli(['unmerge', first.id, '--user', 'h'], { db });
    expect(notMerge.code).toBe(1);
    expect(notMerge.stderr).toMatch(/^error \[CONFLICT\]: /);
    const unknown = await runBuiltCli(['unmerge', 'no-such-id', '--user', 'h'], { db });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error \[NOT_FOUND\]: /);
    const noScope = await runBuiltCli(['unmerge', mergedId], { db });
    expect(noScope.code).toBe(2);

    const undone = await runBuiltCliJson<{ restored: MemoryRecord[]; erasedId: string }>(
      ['unmerge', mergedId, '--user', 'h'],
      db,
    );
    expect(undone.erasedId).toBe(mergedId);
    expect(undone.restored.map((record) => record.id).sort()).toEqual([first.id, second.id].sort());
    const page = await runBuiltCliJson<{ items: MemoryRecord[] }>(['list', '--user', 'h'], db);
    expect(page.items.map((item) => item.id).sort()).toEqual([first.id, second.id].sort());

    const current = await runBuiltCli(['unarchive', first.id, '--user', 'h'], { db });
    expect(current.code).toBe(1);
    expect(current.stderr).toMatch(/^error \[CONFLICT\]: /);
  });
});

describe('mnemo purge', () => {
  it('erases expired memories of the scope only', slow, async () => {
    const db = freshDb();
    const past = new Date(Date.now() - 60_000).toISOString();
    await addFact(db, 'My gate code is wombat 4417', '--expires', past);
    await runBuiltCliJson(
      ['add', '--kind', 'fact', 'Bob parks on level numbat', '--user', 'b', '--expires', past],
      db,
    );
    await addFact(db, 'I enjoy hiking in the Alps');

    const purged = await runBuiltCli(['purge', '--user', 'h'], { db });
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain('purged 1 expired memory');
    expect(await filesContain(db, 'wombat')).toBe(false);
    expect(await filesContain(db, 'numbat')).toBe(true);

    expect(await runBuiltCliJson<{ purged: number }>(['purge'], db)).toEqual({ purged: 1 });
    expect(await filesContain(db, 'numbat')).toBe(false);
    expect(await filesContain(db, 'hiking in the Alps')).toBe(true);
  });
});
