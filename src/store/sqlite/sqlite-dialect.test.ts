// The SQLite dialect: statements through the sql tag, transactions of concurrent async callers that never
// interleave on the one connection, and the busy policy on the write lock.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../sql/sql.js';
import { openSqliteDialect, type SqliteDialect } from './sqlite-dialect.js';

let directory: string;
let dialect: SqliteDialect;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mnemo-dialect-'));
  dialect = await openSqliteDialect({ path: join(directory, 'd.db'), busyTimeoutMs: 100 });
  await dialect.exec('CREATE TABLE log (n INTEGER NOT NULL, step TEXT NOT NULL)');
});

afterEach(async () => {
  await dialect.close();
  await rm(directory, { recursive: true, force: true });
});

describe('SqliteDialect', () => {
  it('binds values as ? parameters and reads them back', async () => {
    await dialect.run(sql`INSERT INTO log (n, step) VALUES (${1}, ${'a'}), (${2}, ${'b'})`);
    expect(await dialect.all(sql`SELECT n, step FROM log WHERE ${dialect.anyOf(sql`step`, ['b'])}`)).toEqual([
      { n: 2, step: 'b' },
    ]);
  });

  it('runs concurrent transactions one after another, and a statement issued meanwhile after them', async () => {
    const steps: string[] = [];
    const first = dialect.transaction('write', async (connection) => {
      await connection.run(sql`INSERT INTO log (n, step) VALUES (${1}, ${'first'})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      steps.push('first');
      throw new Error('rolled back');
    });
    const outside = dialect.run(sql`INSERT INTO log (n, step) VALUES (${2}, ${'outside'})`);
    const second = dialect.transaction('write', async (connection) => {
      steps.push('second');
      return connection.all<{ step: string }>(sql`SELECT step FROM log ORDER BY n`);
    });
    await expect(first).rejects.toThrow('rolled back');
    await outside;
    // The statement waited for the first transaction (rolled back, so not inside it), the second for both.
    expect(await second).toEqual([{ step: 'outside' }]);
    expect(steps).toEqual(['first', 'second']);
  });

  it("waits for another process's write lock, then fails with STORE_BUSY; attempt() does not wait", async () => {
    const holder = new Database(join(directory, 'd.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      await expect(dialect.transaction('write', async () => 'never')).rejects.toMatchObject({
        code: 'STORE_BUSY',
      });
      await expect(dialect.attempt('write', async () => 'never')).rejects.toMatchObject({
        code: 'SQLITE_BUSY',
      });
      expect(await dialect.all(sql`SELECT COUNT(*) AS n FROM log`)).toEqual([{ n: 0 }]);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(await dialect.transaction('write', async () => 'done')).toBe('done');
  });
});
