// Buffered ingestion on SQLite: the queue conformance suite, a version-1 upgrade, and drains that survive a
// reopen, batch by policy, and keep failures for retry.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../../core/scope.js';
import { drainInferenceQueue, type InferenceQueue } from '../inference-queue.js';
import { describeInferenceQueueConformance } from '../queue-conformance.js';
import {
  createInferHarness,
  type InferHarness,
  logTurns,
  operationsReply,
} from '../test-support/infer-harness.js';
import { createSqliteInferenceQueue } from './sqlite-inference-queue.js';

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
