// Conformance cases for appendTurns: one add is one transaction (all or nothing, seq checked, the neighbour
// re-indexed with it), idempotency records (replay, reuse, expiry, erasure) and the orphan scan.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMnemoError } from '../../core/errors.js';
import { uuidV7 } from '../../core/ids.js';
import type { Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { analyzeQuery } from '../../models/text-analyzer.js';
import type { IdempotencyWrite, MemoryStore, MemoryWrite, SequencedMessage } from '../memory-store.js';
import { FIXTURE_DIMENSIONS, FIXTURE_MODEL, fixtureEmbedding, makeMemoryWrite, T0 } from './fixtures.js';

const session: Scope = { tenantId: 't1', userId: 'tess', sessionId: 's1' };
const otherUser: Scope = { tenantId: 't1', userId: 'uma', sessionId: 's1' };
const DAY = 86_400_000;

async function expectReason(promise: Promise<unknown>, reason: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isMnemoError(error) ? { code: error.code, reason: error.details?.reason } : error).toEqual({
    code: 'CONFLICT',
    reason,
  });
}

function turn(scope: Scope, seq: number, content: string): SequencedMessage {
  return { id: uuidV7(), scope, seq, role: 'user', content, observedAt: T0, metadata: {}, createdAt: T0 };
}

/** The episode of a logged (or about to be logged) message. */
function episodeOf(message: { id: string; scope: Scope; content: string }, embed = true): MemoryWrite {
  const write = makeMemoryWrite({ scope: message.scope, text: message.content, kind: 'episode', embed });
  write.record.source = { messageIds: [message.id], origin: 'user', trust: 'high' };
  return write;
}

function keyed(key: string, requestHash: string, targetIds: string[], at = T0): IdempotencyWrite {
  return {
    tenantId: 't1',
    key,
    requestHash,
    result: { messageIds: targetIds },
    createdAt: at,
    expiresAt: at + DAY,
    targetIds,
  };
}

/**
 * Registers the appendTurns conformance cases for a store factory.
 *
 * @example
 * itWritesTurnsAtomically(async () => ({ store, cleanup }));
 */
export function itWritesTurnsAtomically(
  createStore: () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>,
): void {
  describe('appendTurns', () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await createStore());
      await store.setEmbeddingSpace({ space: { model: FIXTURE_MODEL, dimensions: FIXTURE_DIMENSIONS } });
    });
    afterEach(async () => {
      await cleanup();
    });

    const append = (
      messages: SequencedMessage[],
      extra: Partial<Parameters<MemoryStore['appendTurns']>[0]> = {},
    ) =>
      store.appendTurns({
        messages,
        memories: messages.map((message) => episodeOf(message)),
        actor: 'test',
        at: T0,
        ...extra,
      });
    const counts = async () => {
      const stats = await store.stats();
      return { messages: stats.messages, memories: stats.memories };
    };

    it('writes messages, their episodes and the previous turn re-index in one call', async () => {
      expect(await store.nextMessageSeq({ scope: session })).toBe(1);
      const first = turn(session, 1, 'Did you paint that?');
      await append([first]);
      const [episode] = (await store.episodesOfMessages({ scope: session, messageIds: [first.id] })).values();
      const second = turn(session, 2, 'Yes, last year!');
      const outcome = await append([second], {
        reindex: [
          {
            scope: session,
            id: episode!.id,
            indexText: 'tess: Did you paint that? Yes, last year!',
            tokens: ['paint', 'watercolour'],
            embedding: fixtureEmbedding('paint watercolour'),
          },
        ],
      });
      expect(outcome.status).toBe('written');
      const messages = outcome.status === 'written' ? outcome.messages : [];
      expect(messages.map((message: Message) => [message.id, message.seq])).toEqual([[second.id, 2]]);
      expect(await store.nextMessageSeq({ scope: session })).toBe(3);
      const episodes = await store.episodesOfMessages({ scope: session, messageIds: [first.id, second.id] });
      expect(episodes.size).toBe(2);
      expect(episodes.get(first.id)?.indexText).toBe('tess: Did you paint that? Yes, last year!');
      const hits = await store.searchLexical({
        scope: session,
        terms: analyzeQuery('watercolour'),
        filter: { now: T0 },
        limit: 5,
      });
      expect(hits.map((hit) => hit.id)).toEqual([episode!.id]);
      const history = await store.listHistory({ scope: session, memoryId: episodes.get(second.id)!.id });
      expect(history.map((entry) => entry.event)).toEqual(['add']);
    });

    it('writes no message and no memory when one vector does not fit the embedding space', async () => {
      const messages = [turn(session, 1, 'first turn'), turn(session, 2, 'second turn')];
      const memories = messages.map((message) => episodeOf(message));
      memories[1]!.embedding = new Float32Array(FIXTURE_DIMENSIONS / 2).fill(0.25);
      const failed = await store.appendTurns({ messages, memories, actor: 'test', at: T0 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isMnemoError(failed) ? failed.code : failed).toBe('EMBEDDING_MISMATCH');
      expect(await counts()).toEqual({ messages: 0, memories: 0 });
      expect(await store.nextMessageSeq({ scope: session })).toBe(1);
      expect((await store.listOrphanMessages({ limit: 10 })).items).toEqual([]);
    });

    it('refuses a taken seq as stale turns and writes nothing, re-index included', async () => {
      const first = turn(session, 1, 'one');
      await append([first]);
      const [episode] = (await store.episodesOfMessages({ scope: session, messageIds: [first.id] })).values();
      const late = turn(session, 1, 'also one');
      await expectReason(
        append([late], {
          reindex: [{ scope: session, id: episode!.id, indexText: 'changed', tokens: ['changed'] }],
        }),
        'stale-turns',
      );
      await expectReason(append([turn(session, 3, 'a gap')]), 'stale-turns');
      expect(await counts()).toEqual({ messages: 1, memories: 1 });
      expect((await store.getMemory({ scope: session, id: episode!.id }))?.indexText).toBe('one');
    });

    it('refuses to re-index a memory that is gone, as stale turns', async () => {
      await expectReason(
        append([turn(session, 1, 'hello')], {
          reindex: [{ scope: session, id: uuidV7(), indexText: 'x', tokens: ['x'] }],
        }),
        'stale-turns',
      );
      expect(await counts()).toEqual({ messages: 0, memories: 0 });
    });

    it('keeps an idempotency record: a retry replays it, another request with the key is refused', async () => {
      const first = turn(session, 1, 'remember the milk');
      const written = await append([first], { idempotency: keyed('k1', 'hash-a', [first.id]) });
      expect(written.status).toBe('written');
      const retry = await append([turn(session, 2, 'remember the milk')], {
        idempotency: keyed('k1', 'hash-a', []),
      });
      expect(retry).toMatchObject({
        status: 'replayed',
        record: { tenantId: 't1', key: 'k1', requestHash: 'hash-a', result: { messageIds: [first.id] } },
      });
      await expectReason(
        append([turn(session, 2, 'something else')], { idempotency: keyed('k1', 'hash-b', []) }),
        'idempotency-key-reused',
      );
      expect(await counts()).toEqual({ messages: 1, memories: 1 });
      const otherTenant: Scope = { tenantId: 't2', userId: 'tess' };
      const elsewhere = turn(otherTenant, 1, 'remember the milk');
      const separate = await store.appendTurns({
        messages: [elsewhere],
        memories: [episodeOf(elsewhere)],
        idempotency: { ...keyed('k1', 'hash-c', [elsewhere.id]), tenantId: 't2' },
        actor: 'test',
        at: T0,
      });
      expect(separate.status).toBe('written');

      await store.updateIdempotencyResult({ tenantId: 't1', key: 'k1', result: { done: true } });
      expect(await store.getIdempotencyRecord({ tenantId: 't1', key: 'k1', now: T0 })).toMatchObject({
        result: { done: true },
        createdAt: T0,
        expiresAt: T0 + DAY,
      });
    });

    it('forgets an idempotency record once it expires', async () => {
      const first = turn(session, 1, 'one');
      await append([first], { idempotency: keyed('k2', 'hash-a', [first.id]) });
      expect(await store.getIdempotencyRecord({ tenantId: 't1', key: 'k2', now: T0 + DAY })).toBeUndefined();
      const later = turn(session, 2, 'two');
      const again = await append([later], {
        idempotency: keyed('k2', 'hash-b', [later.id], T0 + DAY),
        at: T0 + DAY,
      });
      expect(again.status).toBe('written');
    });

    it('erases idempotency records with what they wrote: forgetScope and forget leave no key', async () => {
      const mine = turn(session, 1, 'mine');
      const theirs = turn(otherUser, 1, 'theirs');
      await append([mine], { idempotency: keyed('k-tess', 'h', [mine.id]) });
      await append([theirs], { idempotency: keyed('k-uma', 'h', [theirs.id]) });
      const second = turn(session, 2, 'second');
      await append([second], { idempotency: keyed('k-tess-2', 'h', [second.id]) });
      const [episode] = (
        await store.episodesOfMessages({ scope: session, messageIds: [second.id] })
      ).values();
      await store.forgetMemory({ scope: session, id: episode!.id, at: T0, actor: 'test' });
      expect(await store.getIdempotencyRecord({ tenantId: 't1', key: 'k-tess-2', now: T0 })).toBeUndefined();
      expect(await store.getIdempotencyRecord({ tenantId: 't1', key: 'k-tess', now: T0 })).toBeDefined();

      await store.forgetScope({ scope: { tenantId: 't1', userId: 'tess' }, at: T0, actor: 'test' });
      expect(await store.getIdempotencyRecord({ tenantId: 't1', key: 'k-tess', now: T0 })).toBeUndefined();
      expect(await store.getIdempotencyRecord({ tenantId: 't1', key: 'k-uma', now: T0 })).toBeDefined();
    });

    it('finds messages without an episode and repairs each exactly once', async () => {
      expect(await store.needsOrphanScan()).toBe(false);
      // The old two-step path: a message logged, its episode never written (a crash in between).
      const [orphan] = await store.appendMessages({
        messages: [{ ...turn(session, 1, 'lost turn') }],
      });
      await append([turn(session, 2, 'kept turn')]);
      expect((await store.listOrphanMessages({ limit: 10 })).items.map((message) => message.id)).toEqual([
        orphan!.id,
      ]);
      const repair = { messages: [], memories: [episodeOf(orphan!)], actor: 'test', at: T0 };
      expect((await store.appendTurns(repair)).status).toBe('written');
      expect((await store.listOrphanMessages({ limit: 10 })).items).toEqual([]);
      await expectReason(store.appendTurns({ ...repair, memories: [episodeOf(orphan!)] }), 'stale-turns');
      await expectReason(
        store.appendTurns({ ...repair, memories: [episodeOf({ ...orphan!, id: uuidV7() })] }),
        'stale-turns',
      );
      expect((await counts()).memories).toBe(2);
      await store.markOrphanScanDone();
      expect(await store.needsOrphanScan()).toBe(false);
    });

    it('pages through orphans by id', async () => {
      const logged = await store.appendMessages({
        messages: ['a', 'b', 'c'].map((content, index) => turn(session, index + 1, content)),
      });
      const first = await store.listOrphanMessages({ limit: 2 });
      expect(first.items).toHaveLength(2);
      const rest = await store.listOrphanMessages({ limit: 2, cursor: first.nextCursor! });
      expect([...first.items, ...rest.items].map((message) => message.id).sort()).toEqual(
        logged.map((message) => message.id).sort(),
      );
      expect(rest.nextCursor).toBeUndefined();
    });
  });
}
