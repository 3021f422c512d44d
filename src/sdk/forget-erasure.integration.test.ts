// Forget means gone on SQLite: with another connection's reader open, and for every trace of a forgotten user.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { MnemoError } from '../core/errors.js';
import type { Message } from '../core/records.js';
import { createSqliteInferenceQueue } from '../store/queue/sql-inference-queue.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { createMemory, type Memory } from './create-memory.js';

let directory: string;
let dbPath: string;
let memory: Memory;
let reader: Database.Database | undefined;
const clock = createFixedClock('2024-06-01T12:00:00Z');

/** The database file, its log and its index, as one latin1 string (what a disk image would show). */
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

/** Another connection (as another process would have) holding a read snapshot open. */
function openReader(): Database.Database {
  const connection = new Database(dbPath);
  connection.prepare('BEGIN').run();
  connection.prepare('SELECT COUNT(*) FROM memories').get();
  return connection;
}

async function caught(promise: Promise<unknown>): Promise<MnemoError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(MnemoError);
  return error as MnemoError;
}

beforeEach(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-erase-'));
  dbPath = path.join(directory, 'mnemo.db');
  memory = await createMemory({
    store: { provider: 'sqlite', path: dbPath, busyTimeoutMs: 400 },
    clock,
  });
});

afterEach(async () => {
  reader?.close();
  reader = undefined;
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('forget with another connection reading the file', () => {
  it('refuses with STORE_BUSY while a reader holds a snapshot, erases nothing, then erases for real', async () => {
    reader = openReader();
    const { memories } = await memory.add('My safe combination is quokka4417', { userId: 'alice' });
    const id = memories[0]!.id;
    expect(rawFiles()).toContain('quokka4417');

    const error = await caught(memory.forget(id, { userId: 'alice' }));
    expect(error.code).toBe('STORE_BUSY');
    expect(error.details).toMatchObject({ erased: false, blocker: 'reader', retryAfterSeconds: 1 });
    expect(error.message).not.toContain(directory);
    expect((await memory.get(id, { userId: 'alice' })).text).toBe('My safe combination is quokka4417');

    reader.prepare('COMMIT').run();
    expect((await memory.forget(id, { userId: 'alice' })).forgottenIds).toEqual([id]);
    expect(rawFiles()).not.toContain('quokka4417');
  });

  it('refuses forgetScope the same way and keeps every row of the scope', async () => {
    await memory.add('Tell nobody: wombat9032', { userId: 'alice', sessionId: 's1' });
    reader = openReader();
    const error = await caught(memory.forgetScope({ userId: 'alice' }));
    expect(error.details).toMatchObject({ erased: false, blocker: 'reader' });
    expect((await memory.list({ userId: 'alice' })).items).toHaveLength(1);
    reader.prepare('COMMIT').run();
    expect(await memory.forgetScope({ userId: 'alice' })).toMatchObject({ memories: 1, messages: 1 });
    expect(rawFiles()).not.toContain('wombat9032');
  });

  it('waits without blocking the event loop for a reader that finishes, then leaves no copy', async () => {
    const { memories } = await memory.add('The alarm code is numbat5521', { userId: 'alice' });
    reader = openReader();
    const held = reader;
    // The release runs on this process's event loop: it can only fire if forget waits asynchronously.
    const release = setTimeout(() => held.prepare('COMMIT').run(), 100);
    await memory.forget(memories[0]!.id, { userId: 'alice' });
    clearTimeout(release);
    expect(held.inTransaction).toBe(false);
    expect(rawFiles()).not.toContain('numbat5521');
  });
});

describe('a forgotten user leaves no trace of its id', () => {
  const victim = 'uqx7victim';

  /** Every table and row that mentions `needle`, read through SQL (sqlite_master lists them all). */
  function tablesMentioning(needle: string): string[] {
    const db = new Database(dbPath, { readonly: true });
    sqliteVec.load(db);
    try {
      const tables = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
        .all() as Array<{ name: string }>;
      return tables.flatMap(({ name }) => {
        const rows = db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all() as object[];
        const text = rows
          .map((row) =>
            Object.values(row)
              .map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)))
              .join('\u0000'),
          )
          .join('\n');
        return text.includes(needle) ? [name] : [];
      });
    } finally {
      db.close();
    }
  }

  it('after forgetScope, no table row and no byte of the files holds the user id', async () => {
    const scope = { userId: victim, sessionId: 's1' };
    const kept = await memory.add('I like green tea', scope);
    await memory.add('I prefer the window seat', { userId: victim, agentId: 'travel', sessionId: 's2' });
    await memory.add('Bob keeps bees', { userId: 'bob', sessionId: 's1' });
    await memory.working.set('plan', 'book the flight', scope);
    await memory.core.set('persona', 'Answer briefly.', { userId: victim });
    await memory.profile.set('food.drink', 'tea', { userId: victim });
    // A forget leaves a content-free tombstone in the user's scope; forgetScope must take it too.
    await memory.forget(kept.memories[0]!.id, scope);
    // Rows written by the other parts that share the file: usage totals and the inference queue.
    const store = await openSqliteStore({ path: dbPath });
    await store.recordUsage({
      scope: { tenantId: 'default', userId: victim, sessionId: 's1' },
      usage: { llmCalls: 1, inputTokens: 10, outputTokens: 2, embeddingCalls: 1, latencyMs: 5 },
      at: clock.now(),
    });
    await store.close();
    const queue = createSqliteInferenceQueue({ path: dbPath });
    await queue.init();
    const queued = (id: string, seq: number): Message => ({
      id,
      scope: { tenantId: 'default', userId: victim, sessionId: 's1' },
      role: 'user',
      content: 'queued',
      observedAt: '2024-06-01T12:00:00.000Z',
      seq,
      metadata: {},
      createdAt: '2024-06-01T12:00:00.000Z',
    });
    await queue.enqueue({ messages: [queued('message-q1', 1)], at: clock.now() });
    await queue.recordFailure({
      messages: [queued('message-q2', 2)],
      error: new MnemoError({ code: 'LLM_FAILED', message: 'timeout' }),
      at: clock.now(),
    });
    await queue.noteSessionActivity({ scope: queued('x', 3).scope, at: clock.now(), tokens: 40 });
    await queue.close();
    // History events of adds reference their memory instead of copying it, so `history` holds no name here.
    expect(tablesMentioning(victim)).toEqual(
      expect.arrayContaining(['memories', 'infer_queue', 'infer_sessions', 'partitions']),
    );

    await memory.forgetScope({ userId: victim });

    expect(tablesMentioning(victim)).toEqual([]);
    expect(rawFiles()).not.toContain(victim);
    expect(tablesMentioning('bob')).toContain('partitions');
    expect((await memory.list({ userId: 'bob' })).items).toHaveLength(1);
  });

  it('keeps the partition of a user that still has data when only one session is forgotten', async () => {
    await memory.add('first session note', { userId: victim, sessionId: 's1' });
    await memory.add('second session note', { userId: victim, sessionId: 's2' });
    await memory.forgetScope({ userId: victim, sessionId: 's1' });
    expect((await memory.list({ userId: victim })).items.map((item) => item.text)).toEqual([
      'second session note',
    ]);
    expect(tablesMentioning(victim)).toContain('partitions');
  });
});
