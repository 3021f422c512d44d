// Buffered ingestion on SQLite: the queue survives a reopen, batches by policy, and keeps failures for retry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../../../core/scope.js';
import { drainInferenceQueue, type InferenceQueue } from '../inference-queue.js';
import {
  createInferHarness,
  type InferHarness,
  logTurns,
  operationsReply,
} from '../test-support/infer-harness.js';
import { createSqliteInferenceQueue } from './sqlite-inference-queue.js';

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
