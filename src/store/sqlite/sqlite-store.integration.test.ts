// Runs the store conformance suite on SQLite, plus SQLite-only checks: raw-file erasure, WAL, migrations, two writers.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { analyzeQuery } from '../../models/text-analyzer.js';
import { describeStoreConformance } from '../conformance.js';
import { makeMemoryWrite, makeNewMessage, T0 } from '../test-support/fixtures.js';
import { migration0001 } from './migrations/0001-init.js';
import { sqliteMemoryMigrations as migrations } from './sqlite-migrations.js';
import { createSqliteStore, latestSchemaVersion, openSqliteStore, type SqliteStore } from './sqlite-store.js';

async function tempStore(): Promise<{ store: SqliteStore; cleanup: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'mnemo-sqlite-'));
  const store = await openSqliteStore({ path: join(directory, 'mnemo.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

describeStoreConformance('sqlite', tempStore);

describe('SQLite store specifics', () => {
  let directory: string;
  let path: string;
  const scope = { tenantId: 'default', userId: 'alice' };
  const now = T0 + 1_000_000;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mnemo-sqlite-'));
    path = join(directory, 'mnemo.db');
  });
  afterEach(async () => {
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

  it('does no I/O in the factory and refuses use before init', async () => {
    const store = createSqliteStore({ path });
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(store.stats()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await store.init();
    expect(store.path).toBe(path);
    await store.close();
    await store.close();
  });

  it('erases forgotten text, its history snapshots and its tokens from the raw database files', async () => {
    const store = await openSqliteStore({ path });
    const first = makeMemoryWrite({ scope, text: 'Alice keeps a pet called Zorblaxian' });
    await store.insertMemories({
      memories: [first, makeMemoryWrite({ scope, text: 'Alice likes tea' })],
      actor: 'test',
      at: T0,
    });
    const second = makeMemoryWrite({ scope, text: 'Alice keeps a pet called Zorblaxian Junior Quintessor' });
    await store.supersedeMemory({
      scope,
      id: first.record.id,
      replacement: second,
      at: T0 + 1,
      actor: 'test',
    });
    await store.patchMemory({
      scope,
      id: second.record.id,
      patch: { importance: 1 },
      at: T0 + 2,
      actor: 'test',
    });
    await store.putCachedEmbeddings({
      model: 'm',
      entries: [{ hash: 'unrelated', embedding: new Float32Array([1]) }],
    });
    expect(await rawBytes()).toContain('Zorblaxian');
    expect(await rawBytes()).toContain('Quintessor');
    await store.forgetMemory({ scope, id: first.record.id, at: now, actor: 'test' });
    const bytes = await rawBytes();
    for (const word of ['Zorblaxian', 'zorblaxian', 'Quintessor', 'quintessor'])
      expect(bytes).not.toContain(word);
    expect(bytes).toContain('Alice likes tea');
    expect(
      await store.searchLexical({ scope, terms: analyzeQuery('Zorblaxian'), filter: { now }, limit: 5 }),
    ).toEqual([]);
    await store.close();
  });

  it('reports a duplicate id as CONFLICT and writes nothing of the batch', async () => {
    const store = await openSqliteStore({ path });
    const write = makeMemoryWrite({ scope, text: 'twice' });
    await expect(
      store.insertMemories({
        memories: [makeMemoryWrite({ scope, text: 'first' }), write, write],
        actor: 'test',
        at: T0,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await store.stats()).memories).toBe(0);
    await store.close();
  });

  it('runs in WAL mode and migrations are idempotent on reopen', async () => {
    const store = await openSqliteStore({ path });
    await store.insertMemories({
      memories: [makeMemoryWrite({ scope, text: 'persisted' })],
      actor: 'test',
      at: T0,
    });
    await store.close();
    const reopened = await openSqliteStore({ path });
    expect((await reopened.stats()).memories).toBe(1);
    expect((await reopened.stats()).schemaVersion).toBe(latestSchemaVersion);
    await reopened.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare("SELECT version FROM mnemo_migrations WHERE component = 'memories'").all()).toEqual(
      migrations.map((migration) => ({ version: migration.version })),
    );
    raw.close();
  });

  it('upgrades a version-1 file in place, keeping its data and adding usage totals', async () => {
    const raw = new Database(path);
    raw.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    raw.exec(migration0001.sql);
    raw.prepare('INSERT INTO schema_migrations VALUES (1, ?, ?)').run('init', T0);
    raw.close();
    const store = await openSqliteStore({ path });
    await store.appendMessages({ messages: [makeNewMessage({ scope, content: 'kept' })] });
    await store.recordUsage({
      scope,
      usage: { llmCalls: 1, inputTokens: 5, outputTokens: 2, embeddingCalls: 0, latencyMs: 3 },
      at: T0,
    });
    expect((await store.getUsage({ scope })).inputTokens).toBe(5);
    expect((await store.stats()).schemaVersion).toBe(latestSchemaVersion);
    await store.close();
  });

  it('lets two store instances on one file write interleaved without SQLITE_BUSY', async () => {
    const [one, two] = await Promise.all([openSqliteStore({ path }), openSqliteStore({ path })]);
    const session = { ...scope, sessionId: 's1' };
    const writes: Promise<unknown>[] = [];
    for (let index = 0; index < 40; index++) {
      const store = index % 2 === 0 ? one : two;
      writes.push(
        store.appendMessages({ messages: [makeNewMessage({ scope: session, content: `m${index}` })] }),
      );
      writes.push(
        store.insertMemories({
          memories: [makeMemoryWrite({ scope, text: `fact number ${index}` })],
          actor: 'test',
          at: T0,
        }),
      );
    }
    await Promise.all(writes);
    const messages = await one.listMessages({ scope: session, limit: 100 });
    expect(messages.items.map((message) => message.seq)).toEqual(
      Array.from({ length: 40 }, (_, index) => index + 1),
    );
    expect((await two.stats()).memories).toBe(40);
    await Promise.all([one.close(), two.close()]);
  });
  it('retries a write while another connection holds the lock, then succeeds', async () => {
    const store = await openSqliteStore({ path, busyTimeoutMs: 2_000 });
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    const release = setTimeout(() => holder.exec('COMMIT'), 30);
    await store.insertMemories({
      memories: [makeMemoryWrite({ scope, text: 'after the lock' })],
      actor: 'test',
      at: T0,
    });
    clearTimeout(release);
    expect(holder.inTransaction).toBe(false);
    expect((await store.stats()).memories).toBe(1);
    holder.close();
    await store.close();
  });

  it('applies synchronous NORMAL by default and FULL when asked, on the store and the connections beside it', async () => {
    // The pragma belongs to a connection: read it on the store's own (private) one.
    const pragmaOf = (store: SqliteStore) =>
      (store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true });
    const normal = await openSqliteStore({ path });
    expect(pragmaOf(normal)).toBe(1);
    await normal.close();
    const full = await openSqliteStore({ path, synchronous: 'full' });
    expect(pragmaOf(full)).toBe(2);
    expect(full.synchronous).toBe('full');
    await full.close();
  });

  it('waits for a lock asynchronously: timers keep firing while a write waits, and reads go on', async () => {
    await using store = await openSqliteStore({ path, busyTimeoutMs: 400 });
    await store.insertMemories({
      memories: [makeMemoryWrite({ scope, text: 'before' })],
      actor: 'test',
      at: T0,
    });
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const started = performance.now();
    const write = store.insertMemories({
      memories: [makeMemoryWrite({ scope, text: 'blocked' })],
      actor: 'test',
      at: T0,
    });
    expect((await store.stats()).memories).toBe(1);
    const error = await write.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    clearInterval(ticker);
    expect(error).toMatchObject({ code: 'STORE_BUSY', details: { retryAfterSeconds: 1 } });
    expect((error as Error).message).not.toContain(directory);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(ticks).toBeGreaterThanOrEqual(5);
    holder.exec('ROLLBACK');
    holder.close();
  });

  it('keeps access counts of a read made under a foreign lock and writes them with the next write', async () => {
    await using store = await openSqliteStore({ path, busyTimeoutMs: 2_000 });
    const write = makeMemoryWrite({ scope, text: 'counted' });
    await store.insertMemories({ memories: [write], actor: 'test', at: T0 });
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    const started = performance.now();
    await store.recordAccess({ scope, ids: [write.record.id], at: T0 + 1 });
    expect(performance.now() - started).toBeLessThan(200);
    holder.exec('COMMIT');
    holder.close();
    expect((await store.getMemory({ scope, id: write.record.id }))?.accessCount).toBe(0);
    await store.insertMemories({
      memories: [makeMemoryWrite({ scope, text: 'next' })],
      actor: 'test',
      at: T0,
    });
    expect((await store.getMemory({ scope, id: write.record.id }))?.accessCount).toBe(1);
  });

  it('purges under a reader, then empties the log of the purged text at the next write', async () => {
    await using store = await openSqliteStore({ path, busyTimeoutMs: 100 });
    await store.insertMemories({
      memories: [makeMemoryWrite({ scope, text: 'expiring secret kiwi8812', expiresAt: T0 + 10 })],
      actor: 'test',
      at: T0,
    });
    const reader = new Database(path);
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT COUNT(*) FROM memories').get();
    expect(await store.purgeExpired({ now: T0 + 20 })).toEqual({ purged: 1 });
    reader.prepare('COMMIT').run();
    reader.close();
    await store.insertMemories({
      memories: [makeMemoryWrite({ scope, text: 'later' })],
      actor: 'test',
      at: T0,
    });
    const raw = await Promise.all(
      ['', '-wal'].map((suffix) => readFile(path + suffix).catch(() => Buffer.alloc(0))),
    );
    expect(raw.map((bytes) => bytes.toString('latin1').includes('kiwi8812'))).toEqual([false, false]);
  });

  it('reports STORE_BUSY, not SQLITE_BUSY, when the lock is never released', async () => {
    const store = await openSqliteStore({ path, busyTimeoutMs: 50 });
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    await expect(
      store.insertMemories({
        memories: [makeMemoryWrite({ scope, text: 'blocked' })],
        actor: 'test',
        at: T0,
      }),
    ).rejects.toMatchObject({ code: 'STORE_BUSY' });
    holder.exec('ROLLBACK');
    holder.close();
    expect((await store.stats()).memories).toBe(0);
    await store.close();
  });
});
