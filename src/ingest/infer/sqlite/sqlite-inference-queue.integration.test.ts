// Buffered ingestion on SQLite: the queue conformance suite, a version-1 upgrade, and drains that survive a
// reopen, batch by policy, and keep failures for retry.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../../core/scope.js';
import { createSqliteInferenceQueue } from '../../../store/queue/sql-inference-queue.js';
import { drainInferenceQueue, type InferenceQueue } from '../inference-queue.js';
import { describeInferenceQueueConformance } from '../queue-conformance.js';
import {
  createInferHarness,
  type InferHarness,
  logTurns,
  operationsReply,
} from '../test-support/infer-harness.js';

describeInferenceQueueConformance('sqlite', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'mnemo-queue-'));
  const queue = createSqliteInferenceQueue({ path: join(directory, 'queue.db') });
  await queue.init();
  return {
    queue,
    cleanup: async () => {
      await queue.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

describe('the SQLite inference queue', () => {
  it('discards a scope for real, and says so when a reader keeps copies in the log', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mnemo-queue-'));
    const file = join(directory, 'queue.db');
    const queue = createSqliteInferenceQueue({ path: file, busyTimeoutMs: 100 });
    await queue.init();
    const raw = () =>
      ['', '-wal']
        .map((suffix) => {
          try {
            return readFileSync(file + suffix).toString('latin1');
          } catch {
            return '';
          }
        })
        .join('');
    const scope = { tenantId: 't1', userId: 'uqx7victim' };
    try {
      await queue.noteSessionActivity({ scope, at: 1, tokens: 5 });
      const reader = new Database(file);
      reader.prepare('BEGIN').run();
      reader.prepare('SELECT COUNT(*) FROM infer_sessions').get();
      await expect(queue.discardScope({ scope })).rejects.toMatchObject({
        code: 'STORE_BUSY',
        details: { erased: true, blocker: 'reader' },
      });
      expect(await queue.idleSessions({ idleSince: 10, limit: 10 })).toEqual([]);
      reader.prepare('COMMIT').run();
      reader.close();
      await queue.discardScope({ scope });
      expect(raw()).not.toContain('uqx7victim');
    } finally {
      await queue.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("waits for another process's write lock without blocking, reads meanwhile, then reports STORE_BUSY", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mnemo-queue-'));
    const file = join(directory, 'queue.db');
    const queue = createSqliteInferenceQueue({ path: file, busyTimeoutMs: 200 });
    await queue.init();
    const holder = new Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      const message = {
        id: 'm1',
        scope: { tenantId: 't1', userId: 'alice' },
        role: 'user' as const,
        content: 'hi',
        observedAt: '2024-01-01T00:00:00.000Z',
        seq: 1,
        metadata: {},
        createdAt: '2024-01-01T00:00:00.000Z',
      };
      const enqueued = queue.enqueue({ messages: [message], at: 1 });
      expect(await queue.counts()).toEqual({ pending: 0, failed: 0 });
      await expect(enqueued).rejects.toMatchObject({ code: 'STORE_BUSY' });
      clearInterval(ticker);
      expect(ticks).toBeGreaterThanOrEqual(3);
      holder.exec('COMMIT');
      await queue.enqueue({ messages: [message], at: 1 });
      expect(await queue.counts()).toEqual({ pending: 1, failed: 0 });
    } finally {
      holder.close();
      await queue.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('upgrades a version-1 table in place, keeping pending and failed entries with their scopes', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mnemo-queue-'));
    const file = join(directory, 'queue.db');
    const raw = new Database(file);
    raw.exec(`CREATE TABLE infer_queue_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
      INSERT INTO infer_queue_migrations VALUES (1, 0);
      CREATE TABLE infer_queue (message_id TEXT PRIMARY KEY, scope_key TEXT NOT NULL, scope_json TEXT NOT NULL,
        seq INTEGER NOT NULL, enqueued_at INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('pending', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0, error_code TEXT, error_message TEXT, failed_at INTEGER);`);
    const scope = JSON.stringify({ tenantId: 'default', userId: 'alice', sessionId: 's1' });
    raw
      .prepare('INSERT INTO infer_queue VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('m1', scope, scope, 1, 5, 'pending', 0, null, null, null);
    raw
      .prepare('INSERT INTO infer_queue VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run('m2', scope, scope, 2, 5, 'failed', 1, 'LLM_FAILED', 'timeout', 9);
    raw.close();
    const upgraded = createSqliteInferenceQueue({ path: file });
    await upgraded.init();
    try {
      expect(await upgraded.counts({ scope: { tenantId: 'default', userId: 'alice' } })).toEqual({
        pending: 1,
        failed: 1,
      });
      expect(await upgraded.listFailed({ limit: 5 })).toEqual([
        {
          messageId: 'm2',
          scope: { tenantId: 'default', userId: 'alice', sessionId: 's1' },
          code: 'LLM_FAILED',
          message: 'timeout',
          attempts: 1,
          failedAt: 9,
        },
      ]);
    } finally {
      await upgraded.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

const s1: Scope = { tenantId: 'default', userId: 'alice', sessionId: 's1' };
const s2: Scope = { tenantId: 'default', userId: 'alice', sessionId: 's2' };
let harness: InferHarness;
let queue: InferenceQueue;
let path: string;

beforeEach(async () => {
  harness = await createInferHarness();
  path = harness.path;
  queue = createSqliteInferenceQueue({ path });
  await queue.init();
});
afterEach(async () => {
  await queue.close();
  await harness.close();
});

function drain() {
  return drainInferenceQueue({
    queue,
    store: harness.store,
    llm: harness.llm,
    clock: harness.clock,
    ids: harness.ids,
    actor: 'worker',
    policy: { minBatch: 3, maxWaitMs: 60_000, maxBatch: 10 },
  });
}

describe('drainInferenceQueue with the SQLite queue', () => {
  it('waits for a full batch or the wait limit, then makes one call per session batch', async () => {
    await queue.enqueue({
      messages: await logTurns(harness, s1, [{ content: 'I play chess.' }, { content: 'Daily.' }]),
      at: harness.clock.now(),
    });
    await queue.enqueue({
      messages: await logTurns(harness, s2, [{ content: 'a' }, { content: 'b' }, { content: 'c' }]),
      at: harness.clock.now(),
    });
    harness.server.addReplies(operationsReply([{ op: 'NOOP' }]));
    const first = await drain();
    expect(first.batches).toBe(1);
    expect(harness.server.requests).toHaveLength(1);
    expect(await queue.counts()).toEqual({ pending: 2, failed: 0 });

    await queue.close();
    queue = createSqliteInferenceQueue({ path });
    await queue.init();
    harness.clock.advance(61_000);
    harness.server.addReplies(
      operationsReply([{ op: 'ADD', kind: 'fact', text: 'Alice plays chess daily.', sourceTurns: [0, 1] }]),
    );
    const second = await drain();
    expect(second.memories.map((memory) => memory.text)).toEqual(['Alice plays chess daily.']);
    expect(second.memories[0]!.source.messageIds).toHaveLength(2);
    expect(await queue.counts()).toEqual({ pending: 0, failed: 0 });
  });

  it('keeps a failed batch as failed with its error, and retries it', async () => {
    const turns = await logTurns(harness, s1, [{ content: 'x1' }, { content: 'x2' }, { content: 'x3' }]);
    await queue.enqueue({ messages: turns, at: harness.clock.now() });
    harness.server.addReplies({ content: 'not json' }, { content: 'still not json' });
    const failed = await drain();
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0]!.error.code).toBe('LLM_OUTPUT_INVALID');
    expect(await queue.counts()).toEqual({ pending: 0, failed: 3 });
    const listed = await queue.listFailed({ limit: 10 });
    expect(listed.map((entry) => [entry.messageId, entry.code, entry.attempts])).toEqual(
      turns.map((turn) => [turn.id, 'LLM_OUTPUT_INVALID', 1]),
    );
    expect((await harness.store.listMessages({ scope: s1, limit: 10 })).items).toHaveLength(3);

    await queue.retry({ messageIds: listed.map((entry) => entry.messageId) });
    harness.server.addReplies(operationsReply([{ op: 'NOOP' }]));
    expect((await drain()).batches).toBe(1);
    expect(await queue.counts()).toEqual({ pending: 0, failed: 0 });
  });
});
