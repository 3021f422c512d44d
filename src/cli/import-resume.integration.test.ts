// `mnemo import` killed with SIGKILL partway and run again: every record is stored exactly once, each
// message has its episode, and the database passes integrity_check.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, repositoryRoot, runBuiltCliJson } from './test-support/built-cli.js';

const SESSIONS = 120;
const TURNS = 3;
const RECORDS = SESSIONS * TURNS;

let directory: string;
beforeAll(async () => {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-import-resume-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Messages committed so far (0 until the file exists), read through a separate read-only connection. */
function committedMessages(db: string): number {
  if (!existsSync(db)) return 0;
  try {
    const reader = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (reader.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n;
    } finally {
      reader.close();
    }
  } catch (error) {
    // The schema is not there yet (the importer is still migrating): nothing is committed.
    if ((error as Error).message.includes('no such table')) return 0;
    throw error;
  }
}

/** Starts `mnemo import` and kills it with SIGKILL once at least `after` messages are committed. */
async function importKilledAfter(db: string, file: string, after: number): Promise<number> {
  const child = spawn(process.execPath, [builtCli, '--db', db, 'import', file, '--json'], {
    cwd: repositoryRoot,
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let finished = false;
  void exited.then(() => {
    finished = true;
  });
  const deadline = Date.now() + 30_000;
  while (!finished && committedMessages(db) < after && Date.now() < deadline) await sleep(5);
  child.kill('SIGKILL');
  await exited;
  return committedMessages(db);
}

describe('mnemo import after a kill', () => {
  it('adds each record once when re-run, however often it was killed', { timeout: 120_000 }, async () => {
    const file = path.join(directory, 'records.jsonl');
    const lines: string[] = [];
    for (let session = 0; session < SESSIONS; session++) {
      for (let turn = 0; turn < TURNS; turn++) {
        const role = turn % 2 === 0 ? 'user' : 'assistant';
        lines.push(
          JSON.stringify({
            userId: 'ivy',
            sessionId: `s${session}`,
            role,
            content: `record ${session}.${turn}`,
          }),
        );
      }
    }
    await writeFile(file, `${lines.join('\n')}\n`);
    const db = path.join(directory, 'store.db');

    const seen: number[] = [];
    for (const after of [RECORDS / 6, RECORDS / 3, RECORDS / 2])
      seen.push(await importKilledAfter(db, file, after));
    // Each kill landed partway: some records were stored, not all.
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBeLessThan(RECORDS);

    const summary = await runBuiltCliJson<{ messages: number; alreadyImported: number }>(
      ['import', file],
      db,
    );
    expect(summary.alreadyImported).toBeGreaterThan(0);
    expect(summary.messages + summary.alreadyImported).toBe(RECORDS);

    const reader = new Database(db, { readonly: true });
    try {
      const duplicates = reader
        .prepare('SELECT content, COUNT(*) AS n FROM messages GROUP BY content HAVING n > 1')
        .all();
      expect(duplicates).toEqual([]);
      expect((reader.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(RECORDS);
      const orphans = reader
        .prepare(
          `SELECT COUNT(*) AS n FROM messages g WHERE NOT EXISTS (SELECT 1 FROM memories m
             WHERE m.kind = 'episode' AND json_extract(m.source, '$.messageIds[0]') = g.id)`,
        )
        .get() as { n: number };
      expect(orphans.n).toBe(0);
      expect(reader.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      reader.close();
    }
  });
});
