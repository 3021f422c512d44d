// SQLite-only working-memory checks: erased entries leave no trace in the raw database files.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../core/scope.js';
import { T0 } from '../test-support/fixtures.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

const s1: Scope = { tenantId: 't1', userId: 'wanda', sessionId: 's1' };
const s2: Scope = { tenantId: 't1', userId: 'wanda', sessionId: 's2' };

describe('SQLite working memory erasure', () => {
  let directory: string;
  let path: string;
  let store: SqliteStore;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mnemo-working-'));
    path = join(directory, 'mnemo.db');
    store = await openSqliteStore({ path });
  });
  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function rawBytes(): Promise<string> {
    const parts = await Promise.all(
      ['', '-wal', '-shm'].map((suffix) =>
        readFile(`${path}${suffix}`).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return Buffer.alloc(0);
          throw error;
        }),
      ),
    );
    return Buffer.concat(parts).toString('latin1');
  }

  const set = (scope: Scope, key: string, value: string, expiresAt?: number) =>
    store.setWorkingEntry({
      scope,
      key,
      value,
      at: T0,
      maxEntries: 10,
      expiresAt,
    });

  it('leaves no value or key of a forgotten session in the raw files, and keeps the other session', async () => {
    await set(s1, 'quorvexKey', 'Zorblaxian itinerary');
    await set(s2, 'kept', 'Keepworthy notes');
    expect(await rawBytes()).toContain('Zorblaxian');
    await store.forgetScope({ scope: s1, at: T0, actor: 'test' });
    const bytes = await rawBytes();
    expect(bytes).not.toContain('Zorblaxian');
    expect(bytes).not.toContain('quorvexKey');
    expect(bytes).toContain('Keepworthy');
  });

  it('leaves no value of a purged expired entry in the raw files', async () => {
    await set(s1, 'temp', 'Fleeting Quintessor', T0 + 1000);
    await set(s1, 'kept', 'Keepworthy notes');
    expect(await rawBytes()).toContain('Quintessor');
    await store.purgeExpired({ now: T0 + 1000 });
    const bytes = await rawBytes();
    expect(bytes).not.toContain('Quintessor');
    expect(bytes).toContain('Keepworthy');
  });
});
