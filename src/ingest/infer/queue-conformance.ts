// The backend-agnostic InferenceQueue conformance suite: every queue implementation runs these vitest cases.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MnemoError } from '../../core/errors.js';
import type { Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { BatchPolicy, InferenceQueue } from './inference-queue.js';

export type QueueFactory = () => Promise<{ queue: InferenceQueue; cleanup: () => Promise<void> }>;

const s1: Scope = { tenantId: 't1', userId: 'alice', sessionId: 's1' };
const s2: Scope = { tenantId: 't1', userId: 'alice', sessionId: 's2' };
const bob: Scope = { tenantId: 't1', userId: 'bob', sessionId: 's1' };
const other: Scope = { tenantId: 't2', userId: 'alice', sessionId: 's1' };
const T0 = Date.parse('2024-05-01T00:00:00Z');
const policy: BatchPolicy = { minBatch: 3, maxWaitMs: 60_000, maxBatch: 2 };
const invalid = new MnemoError({ code: 'LLM_OUTPUT_INVALID', message: 'not json' });

let counter = 0;
/** Messages as the store logged them: only id, scope and seq matter to a queue. */
function logged(scope: Scope, count: number): Message[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `m${String(++counter).padStart(5, '0')}`,
    scope,
    role: 'user' as const,
    content: 'never stored by the queue',
    observedAt: new Date(T0).toISOString(),
    seq: index + 1,
    metadata: {},
    createdAt: new Date(T0).toISOString(),
  }));
}

/**
 * Registers the InferenceQueue conformance tests for one backend.
 *
 * @example
 * describeInferenceQueueConformance('sqlite', async () => {
 *   const queue = createSqliteInferenceQueue({ path });
 *   await queue.init();
 *   return { queue, cleanup: () => queue.close() };
 * });
 */
export function describeInferenceQueueConformance(name: string, createQueue: QueueFactory): void {
  describe(`InferenceQueue conformance: ${name}`, () => {
    let queue: InferenceQueue;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ queue, cleanup } = await createQueue());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('claims a session once it has minBatch messages or waited maxWaitMs, in seq order, maxBatch at a time', async () => {
      const first = logged(s1, 3);
      const second = logged(s2, 1);
      await queue.enqueue({ messages: [...first, ...second], at: T0 });
      await queue.enqueue({ messages: first.slice(0, 1), at: T0 + 5 });
      const now = await queue.claim({ now: T0 + 1_000, policy, limit: 10 });
      expect(now).toEqual([{ scope: s1, messageIds: first.slice(0, 2).map((message) => message.id) }]);
      // s1 has a claimed batch: its third message waits, so the session is never inferred twice at once.
      expect(await queue.claim({ now: T0 + 61_000, policy, limit: 10 })).toEqual([
        { scope: s2, messageIds: [second[0]!.id] },
      ]);
      expect(await queue.counts()).toEqual({ pending: 4, failed: 0 });
      await queue.complete({ messageIds: first.slice(0, 2).map((message) => message.id) });
      expect(await queue.claim({ now: T0 + 61_000, policy, limit: 10 })).toEqual([
        { scope: s1, messageIds: [first[2]!.id] },
      ]);
    });

    it('claims only inside a scope and counts by scope prefix', async () => {
      await queue.enqueue({ messages: [...logged(s1, 1), ...logged(bob, 2), ...logged(other, 1)], at: T0 });
      expect(await queue.counts({ scope: { tenantId: 't1', userId: 'alice' } })).toEqual({
        pending: 1,
        failed: 0,
      });
      expect(await queue.counts({ scope: { tenantId: 't1' } })).toEqual({ pending: 3, failed: 0 });
      const claimed = await queue.claim({
        now: T0,
        policy: { ...policy, minBatch: 1 },
        limit: 10,
        scope: { tenantId: 't1', userId: 'bob' },
      });
      expect(claimed.map((batch) => batch.scope)).toEqual([bob]);
    });

    it('returns released and abandoned claims to the queue', async () => {
      const messages = logged(s1, 2);
      await queue.enqueue({ messages, at: T0 });
      const ids = messages.map((message) => message.id);
      const loose = { ...policy, minBatch: 1 };
      expect(await queue.claim({ now: T0, policy: loose, limit: 5 })).toHaveLength(1);
      await queue.release({ messageIds: ids });
      expect((await queue.claim({ now: T0 + 1, policy: loose, limit: 5 }))[0]?.messageIds).toEqual(ids);
      expect(await queue.claim({ now: T0 + 2, policy: loose, limit: 5, leaseMs: 1_000 })).toEqual([]);
      expect(
        (await queue.claim({ now: T0 + 5_000, policy: loose, limit: 5, leaseMs: 1_000 }))[0]?.messageIds,
      ).toEqual(ids);
    });

    it('keeps failures with code, message, attempts and time; retry and complete clear them', async () => {
      const queued = logged(s1, 2);
      await queue.enqueue({ messages: queued, at: T0 });
      const queuedIds = queued.map((message) => message.id);
      await queue.claim({ now: T0, policy: { ...policy, minBatch: 1 }, limit: 5 });
      await queue.fail({ messageIds: queuedIds, error: invalid, at: T0 + 10 });
      const direct = logged(bob, 1);
      await queue.recordFailure({ messages: direct, error: invalid, at: T0 + 20 });
      await queue.recordFailure({ messages: direct, error: invalid, at: T0 + 30 });
      expect(await queue.counts()).toEqual({ pending: 0, failed: 3 });
      const failed = await queue.listFailed({ limit: 10 });
      expect(failed).toEqual([
        {
          messageId: queuedIds[0],
          scope: s1,
          code: 'LLM_OUTPUT_INVALID',
          message: 'not json',
          attempts: 1,
          failedAt: T0 + 10,
        },
        {
          messageId: queuedIds[1],
          scope: s1,
          code: 'LLM_OUTPUT_INVALID',
          message: 'not json',
          attempts: 1,
          failedAt: T0 + 10,
        },
        {
          messageId: direct[0]!.id,
          scope: bob,
          code: 'LLM_OUTPUT_INVALID',
          message: 'not json',
          attempts: 2,
          failedAt: T0 + 30,
        },
      ]);
      expect(
        (await queue.listFailed({ limit: 10, scope: { tenantId: 't1', userId: 'bob' } })).map(
          (entry) => entry.messageId,
        ),
      ).toEqual([direct[0]!.id]);
      expect(
        (await queue.listFailed({ limit: 10, messageIds: [queuedIds[1]!, 'unknown'] })).map(
          (entry) => entry.messageId,
        ),
      ).toEqual([queuedIds[1]]);
      await queue.retry({ messageIds: queuedIds });
      expect(await queue.counts()).toEqual({ pending: 2, failed: 1 });
      await queue.complete({ messageIds: [direct[0]!.id] });
      expect(await queue.counts()).toEqual({ pending: 2, failed: 0 });
    });

    it('tracks session tokens, lists idle sessions and settles summarised tokens', async () => {
      expect(await queue.noteSessionActivity({ scope: s1, at: T0, tokens: 40 })).toEqual({
        scope: s1,
        tokens: 40,
        lastAt: T0,
      });
      expect((await queue.noteSessionActivity({ scope: s1, at: T0 + 100, tokens: 60 })).tokens).toBe(100);
      await queue.noteSessionActivity({ scope: s2, at: T0 + 50, tokens: 5 });
      await queue.noteSessionActivity({ scope: other, at: T0, tokens: 5 });
      expect(await queue.idleSessions({ idleSince: T0 + 60, limit: 10, scope: { tenantId: 't1' } })).toEqual([
        { scope: s2, tokens: 5, lastAt: T0 + 50 },
      ]);
      expect(
        (await queue.idleSessions({ idleSince: T0 + 100, limit: 10 })).map((entry) => entry.scope),
      ).toEqual([other, s2, s1]);
      await queue.settleSession({ scope: s1, tokens: 70 });
      expect((await queue.idleSessions({ idleSince: T0 + 100, limit: 10, scope: s1 }))[0]?.tokens).toBe(30);
      await queue.settleSession({ scope: s1, tokens: 30 });
      expect(await queue.idleSessions({ idleSince: T0 + 100, limit: 10, scope: s1 })).toEqual([]);
    });

    it('discards everything inside a forgotten scope and nothing outside it', async () => {
      await queue.enqueue({ messages: [...logged(s1, 1), ...logged(bob, 1)], at: T0 });
      await queue.recordFailure({ messages: logged(s2, 1), error: invalid, at: T0 });
      await queue.noteSessionActivity({ scope: s1, at: T0, tokens: 5 });
      await queue.noteSessionActivity({ scope: bob, at: T0, tokens: 5 });
      await queue.discardScope({ scope: { tenantId: 't1', userId: 'alice' } });
      expect(await queue.counts({ scope: { tenantId: 't1' } })).toEqual({ pending: 1, failed: 0 });
      expect((await queue.idleSessions({ idleSince: T0, limit: 10 })).map((entry) => entry.scope)).toEqual([
        bob,
      ]);
    });
  });
}
