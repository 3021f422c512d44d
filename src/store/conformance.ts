// The backend-agnostic MemoryStore conformance suite: every store implementation runs these vitest cases.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMnemoError } from '../core/errors.js';
import type { Scope } from '../core/scope.js';
import { analyzeQuery } from '../models/text-analyzer.js';
import type { MemoryStore } from './memory-store.js';
import {
  FIXTURE_DIMENSIONS,
  FIXTURE_MODEL,
  fixtureEmbedding,
  makeMemoryWrite,
  makeNewMessage,
  T0,
} from './test-support/fixtures.js';
import { itKeepsTheGraph } from './test-support/graph-conformance.js';
import { itKeepsUpkeep } from './test-support/maintenance-conformance.js';
import { itKeepsScopesApart } from './test-support/scope-property.js';
import { itAnswersBothTimes } from './test-support/time-conformance.js';
import { itWritesTurnsAtomically } from './test-support/turns-conformance.js';
import { itKeepsWorkingMemory } from './test-support/working-memory-conformance.js';

export type StoreFactory = () => Promise<{ store: MemoryStore; cleanup: () => Promise<void> }>;

const alice: Scope = { tenantId: 't1', userId: 'alice' };
const bob: Scope = { tenantId: 't1', userId: 'bob' };
const otherTenant: Scope = { tenantId: 't2', userId: 'alice' };
const HOUR = 3_600_000;
const now = T0 + 1000 * HOUR;

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isMnemoError(error) ? error.code : error).toBe(code);
}

/**
 * Registers the MemoryStore conformance tests for one backend.
 *
 * @example
 * describeStoreConformance('sqlite', async () => {
 *   const store = await openSqliteStore({ path });
 *   return { store, cleanup: () => store.close() };
 * });
 */
export function describeStoreConformance(name: string, createStore: StoreFactory): void {
  describe(`MemoryStore conformance: ${name}`, () => {
    let store: MemoryStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await createStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    const insert = async (...writes: ReturnType<typeof makeMemoryWrite>[]) => {
      await store.insertMemories({ memories: writes, actor: 'test', at: T0 });
      return writes.map((write) => write.record);
    };

    it('appends messages with a seq per session and pages them with a cursor', async () => {
      const s1 = { ...alice, sessionId: 's1' };
      const s2 = { ...alice, sessionId: 's2' };
      const written = await store.appendMessages({
        messages: [
          makeNewMessage({ scope: s1, content: 'a' }),
          makeNewMessage({ scope: s1, content: 'b' }),
          makeNewMessage({ scope: s2, content: 'c' }),
        ],
      });
      expect(written.map((message) => message.seq)).toEqual([1, 2, 1]);
      const more = await store.appendMessages({ messages: [makeNewMessage({ scope: s1, content: 'd' })] });
      expect(more[0]?.seq).toBe(3);
      const first = await store.listMessages({ scope: s1, limit: 2 });
      expect(first.items.map((message) => message.content)).toEqual(['a', 'b']);
      expect(first.nextCursor).toBeDefined();
      const second = await store.listMessages({ scope: s1, limit: 2, cursor: first.nextCursor });
      expect(second.items.map((message) => message.content)).toEqual(['d']);
      expect(second.nextCursor).toBeUndefined();
      expect(
        (await store.listMessages({ scope: s1, limit: 10, fromSeq: 2, toSeq: 2 })).items.map(
          (m) => m.content,
        ),
      ).toEqual(['b']);
      expect(await store.getMessages({ scope: bob, ids: written.map((message) => message.id) })).toEqual([]);
      expect((await store.getMessages({ scope: alice, ids: [written[2]!.id] }))[0]?.content).toBe('c');
    });

    it('inserts, gets and lists memories newest first with cursor, kind, time and metadata filters', async () => {
      const records = await insert(
        makeMemoryWrite({
          scope: alice,
          text: 'likes green tea',
          observedAt: T0 + HOUR,
          metadata: { topic: 'food' },
        }),
        makeMemoryWrite({
          scope: alice,
          text: 'works as a nurse',
          observedAt: T0 + 2 * HOUR,
          kind: 'profile',
          metadata: { topic: 'work', n: 2 },
        }),
        makeMemoryWrite({
          scope: alice,
          text: 'went hiking',
          observedAt: T0 + 3 * HOUR,
          kind: 'episode',
          metadata: { flag: true },
        }),
      );
      expect(await store.getMemory({ scope: alice, id: records[0]!.id })).toEqual(records[0]);
      expect(
        (await store.getMemories({ scope: alice, ids: [records[1]!.id, 'missing'] })).map((r) => r.id),
      ).toEqual([records[1]!.id]);
      const page1 = await store.listMemories({ scope: alice, filter: { now }, limit: 2 });
      expect(page1.items.map((r) => r.text)).toEqual(['went hiking', 'works as a nurse']);
      const page2 = await store.listMemories({
        scope: alice,
        filter: { now },
        limit: 2,
        cursor: page1.nextCursor,
      });
      expect(page2.items.map((r) => r.text)).toEqual(['likes green tea']);
      expect(page2.nextCursor).toBeUndefined();
      const asc = await store.listMemories({ scope: alice, filter: { now }, limit: 5, order: 'asc' });
      expect(asc.items.map((r) => r.text)[0]).toBe('likes green tea');
      const kinds = await store.listMemories({
        scope: alice,
        filter: { now, kinds: ['profile', 'episode'] },
        limit: 5,
      });
      expect(kinds.items.map((r) => r.kind).sort()).toEqual(['episode', 'profile']);
      const range = await store.listMemories({
        scope: alice,
        filter: { now, observedFrom: T0 + 2 * HOUR, observedTo: T0 + 2 * HOUR },
        limit: 5,
      });
      expect(range.items.map((r) => r.text)).toEqual(['works as a nurse']);
      for (const [metadata, expected] of [
        [{ topic: 'food' }, ['likes green tea']],
        [{ n: 2 }, ['works as a nurse']],
        [{ flag: true }, ['went hiking']],
        [{ topic: 'food', n: 2 }, []],
      ] as const) {
        const result = await store.listMemories({ scope: alice, filter: { now, metadata }, limit: 5 });
        expect(result.items.map((r) => r.text)).toEqual(expected);
      }
    });

    it('never shows a memory outside its scope', async () => {
      const [record] = await insert(
        makeMemoryWrite({ scope: { ...alice, agentId: 'a1', sessionId: 's1' }, text: 'secret plan zebra' }),
      );
      for (const scope of [
        bob,
        otherTenant,
        { ...alice, agentId: 'a2' },
        { ...alice, sessionId: 's2' },
        { tenantId: 't1', agentId: 'a2' },
      ]) {
        expect(await store.getMemory({ scope, id: record!.id })).toBeUndefined();
        expect((await store.listMemories({ scope, filter: { now }, limit: 10 })).items).toEqual([]);
        expect(
          await store.searchLexical({ scope, terms: analyzeQuery('zebra plan'), filter: { now }, limit: 10 }),
        ).toEqual([]);
        expect(
          await store.searchVector({
            scope,
            embedding: fixtureEmbedding('secret plan zebra'),
            filter: { now },
            limit: 10,
          }),
        ).toEqual([]);
      }
      for (const scope of [
        alice,
        { ...alice, agentId: 'a1' },
        { tenantId: 't1', sessionId: 's1' },
        { tenantId: 't1', agentId: 'a1' },
      ]) {
        expect((await store.getMemory({ scope, id: record!.id }))?.id).toBe(record!.id);
        expect(
          (await store.searchLexical({ scope, terms: ['zebra'], filter: { now }, limit: 10 })).map(
            (hit) => hit.id,
          ),
        ).toEqual([record!.id]);
      }
    });

    it('supersedes: current-only, includeHistory and asOf views, with history', async () => {
      const [old] = await insert(makeMemoryWrite({ scope: alice, text: 'lives in Porto', observedAt: T0 }));
      const replacement = makeMemoryWrite({
        scope: alice,
        text: 'lives in Lisbon',
        observedAt: T0 + 10 * HOUR,
      });
      const { previous, current } = await store.supersedeMemory({
        scope: alice,
        id: old!.id,
        replacement,
        at: T0 + 10 * HOUR,
        actor: 'test',
        reason: 'moved',
      });
      expect(previous.supersededBy).toBe(current.id);
      expect(previous.retiredAt).toBe(new Date(T0 + 10 * HOUR).toISOString());
      expect(previous.validTo).toBe(previous.retiredAt);
      expect(current.supersedes).toBe(old!.id);
      const texts = async (filter: Parameters<MemoryStore['listMemories']>[0]['filter']) =>
        (await store.listMemories({ scope: alice, filter, limit: 10 })).items.map((r) => r.text);
      expect(await texts({ now })).toEqual(['lives in Lisbon']);
      expect(await texts({ now, includeHistory: true })).toEqual(['lives in Lisbon', 'lives in Porto']);
      expect(await texts({ now, asOf: T0 + 5 * HOUR })).toEqual(['lives in Porto']);
      await expectCode(
        store.supersedeMemory({
          scope: alice,
          id: old!.id,
          replacement: makeMemoryWrite({ scope: alice, text: 'x' }),
          at: now,
          actor: 'test',
        }),
        'CONFLICT',
      );
      await expectCode(
        store.supersedeMemory({
          scope: bob,
          id: current.id,
          replacement: makeMemoryWrite({ scope: bob, text: 'x' }),
          at: now,
          actor: 'test',
        }),
        'NOT_FOUND',
      );
      const history = await store.listHistory({ scope: alice, memoryId: old!.id });
      expect(history.map((entry) => entry.event)).toEqual(['add', 'supersede']);
      expect(history[1]?.reason).toBe('moved');
      expect(await store.listHistory({ scope: bob, memoryId: old!.id })).toEqual([]);
    });

    it('invalidates and patches with history', async () => {
      const [record] = await insert(makeMemoryWrite({ scope: alice, text: 'has a cat', metadata: { a: 1 } }));
      const patched = await store.patchMemory({
        scope: alice,
        id: record!.id,
        patch: { importance: 0.9, metadata: { a: 2 } },
        at: T0 + HOUR,
        actor: 'test',
      });
      expect(patched.importance).toBe(0.9);
      expect(patched.metadata).toEqual({ a: 2 });
      expect(patched.text).toBe('has a cat');
      const invalid = await store.invalidateMemory({
        scope: alice,
        id: record!.id,
        validTo: T0 + 2 * HOUR,
        at: T0 + 3 * HOUR,
        actor: 'test',
      });
      expect(invalid.validTo).toBe(new Date(T0 + 2 * HOUR).toISOString());
      expect((await store.listMemories({ scope: alice, filter: { now }, limit: 5 })).items).toEqual([]);
      expect(
        (await store.listMemories({ scope: alice, filter: { now, asOf: T0 + HOUR }, limit: 5 })).items,
      ).toHaveLength(1);
      const history = await store.listHistory({ scope: alice, memoryId: record!.id });
      expect(history.map((entry) => entry.event)).toEqual(['add', 'update', 'invalidate']);
      expect(history[1]?.before?.importance).toBe(0.5);
      expect(history[1]?.after?.importance).toBe(0.9);
      await expectCode(
        store.patchMemory({ scope: bob, id: record!.id, patch: { importance: 0 }, at: now, actor: 'test' }),
        'NOT_FOUND',
      );
    });

    it('forgets a whole supersession chain, leaving content-free tombstones', async () => {
      await store.setEmbeddingSpace({ space: { model: FIXTURE_MODEL, dimensions: FIXTURE_DIMENSIONS } });
      const [v1] = await insert(makeMemoryWrite({ scope: alice, text: 'favourite colour is teal' }));
      const v2 = makeMemoryWrite({ scope: alice, text: 'favourite colour is mauve' });
      await store.supersedeMemory({
        scope: alice,
        id: v1!.id,
        replacement: v2,
        at: T0 + HOUR,
        actor: 'test',
      });
      const [keep] = await insert(
        makeMemoryWrite({ scope: alice, text: 'favourite colour of the car is teal' }),
      );
      await expectCode(store.forgetMemory({ scope: bob, id: v1!.id, at: now, actor: 'test' }), 'NOT_FOUND');
      const { forgottenIds } = await store.forgetMemory({
        scope: alice,
        id: v2.record.id,
        at: now,
        actor: 'test',
      });
      expect(forgottenIds.sort()).toEqual([v1!.id, v2.record.id].sort());
      expect(await store.getMemory({ scope: alice, id: v1!.id })).toBeUndefined();
      const lexical = await store.searchLexical({
        scope: alice,
        terms: analyzeQuery('favourite colour teal mauve'),
        filter: { now, includeHistory: true },
        limit: 10,
      });
      expect(lexical.map((hit) => hit.id)).toEqual([keep!.id]);
      const vector = await store.searchVector({
        scope: alice,
        embedding: fixtureEmbedding('favourite colour is mauve'),
        filter: { now, includeHistory: true },
        limit: 10,
      });
      expect(vector.map((hit) => hit.id)).toEqual([keep!.id]);
      for (const id of forgottenIds) {
        const history = await store.listHistory({ scope: alice, memoryId: id });
        expect(history.map((entry) => entry.event)).toEqual(['forget']);
        expect(history[0]?.before).toBeUndefined();
        expect(history[0]?.after).toBeUndefined();
      }
    });

    it('forgetting an episode erases its logged message; forgetting a fact keeps its sources', async () => {
      const [said, other] = await store.appendMessages({
        messages: [
          makeNewMessage({ scope: alice, content: 'my pin is 4417' }),
          makeNewMessage({ scope: alice, content: 'I like tea' }),
        ],
      });
      const episode = makeMemoryWrite({ scope: alice, text: 'my pin is 4417', kind: 'episode' });
      episode.record.source.messageIds = [said!.id];
      const fact = makeMemoryWrite({ scope: alice, text: 'likes tea', kind: 'fact' });
      fact.record.source.messageIds = [other!.id];
      await insert(episode, fact);
      await store.forgetMemory({ scope: alice, id: episode.record.id, at: now, actor: 'test' });
      await store.forgetMemory({ scope: alice, id: fact.record.id, at: now, actor: 'test' });
      const left = await store.getMessages({ scope: alice, ids: [said!.id, other!.id] });
      expect(left.map((message) => message.content)).toEqual(['I like tea']);
    });

    it('finds episodes by message and re-indexes a memory in place without history', async () => {
      const [reply, other] = await store.appendMessages({
        messages: [
          makeNewMessage({ scope: alice, content: 'yes, last year' }),
          makeNewMessage({ scope: alice, content: 'lovely' }),
        ],
      });
      const episode = makeMemoryWrite({ scope: alice, text: 'yes, last year', kind: 'episode' });
      episode.record.source.messageIds = [reply!.id];
      const fact = makeMemoryWrite({ scope: alice, text: 'yes, last year', kind: 'fact' });
      fact.record.source.messageIds = [reply!.id];
      const [record] = await insert(episode, fact);
      const found = await store.episodesOfMessages({ scope: alice, messageIds: [reply!.id, other!.id] });
      expect([...found.keys()]).toEqual([reply!.id]);
      expect(found.get(reply!.id)?.id).toBe(record!.id);
      expect((await store.episodesOfMessages({ scope: bob, messageIds: [reply!.id] })).size).toBe(0);

      const search = (term: string) =>
        store.searchLexical({ scope: alice, terms: analyzeQuery(term), filter: { now }, limit: 5 });
      expect(await search('sunrise')).toEqual([]);
      const indexText = 'alice: yes, last year … did you paint the lake sunrise?';
      await store.reindexMemory({
        scope: alice,
        id: record!.id,
        indexText,
        tokens: analyzeQuery(indexText),
        embedding: fixtureEmbedding('lake sunrise'),
      });
      expect((await search('sunrise')).map((hit) => hit.id)).toEqual([record!.id]);
      expect((await search('last year')).map((hit) => hit.id).sort()).toEqual(
        [record!.id, fact.record.id].sort(),
      );
      const nearest = await store.searchVector({
        scope: alice,
        embedding: fixtureEmbedding('lake sunrise'),
        filter: { now },
        limit: 1,
      });
      expect(nearest[0]?.id).toBe(record!.id);
      const after = await store.getMemory({ scope: alice, id: record!.id });
      expect(after?.indexText).toBe(indexText);
      expect(after?.text).toBe('yes, last year');
      const history = await store.listHistory({ scope: alice, memoryId: record!.id });
      expect(history.map((entry) => entry.event)).toEqual(['add']);
      expect(history[0]?.after?.indexText).toBe(indexText);

      // Without a vector the old one is dropped (it was made from the old text) and re-embedding lists it.
      await store.reindexMemory({ scope: alice, id: record!.id, indexText: 'x', tokens: ['x'] });
      const vectorHits = await store.searchVector({
        scope: alice,
        embedding: fixtureEmbedding('lake sunrise'),
        filter: { now },
        limit: 5,
      });
      expect(vectorHits.map((hit) => hit.id)).not.toContain(record!.id);
      const listed = await store.listForReembed({ limit: 10 });
      expect(listed.items.map((item) => item.id)).toContain(record!.id);
      await expectCode(
        store.reindexMemory({ scope: bob, id: record!.id, indexText: 'x', tokens: ['x'] }),
        'NOT_FOUND',
      );
    });

    it('forgetScope erases only its scope and refuses a tenant-wide scope', async () => {
      await insert(
        makeMemoryWrite({ scope: alice, text: 'alice fact' }),
        makeMemoryWrite({ scope: bob, text: 'bob fact' }),
        makeMemoryWrite({ scope: otherTenant, text: 'other alice fact' }),
      );
      await store.appendMessages({
        messages: [
          makeNewMessage({ scope: alice, content: 'hi' }),
          makeNewMessage({ scope: bob, content: 'yo' }),
        ],
      });
      await expectCode(
        store.forgetScope({ scope: { tenantId: 't1' }, at: now, actor: 'test' }),
        'SCOPE_REQUIRED',
      );
      expect(await store.forgetScope({ scope: alice, at: now, actor: 'test' })).toEqual({
        memories: 1,
        messages: 1,
      });
      expect((await store.listMemories({ scope: alice, filter: { now }, limit: 5 })).items).toEqual([]);
      expect(
        (await store.listMemories({ scope: bob, filter: { now }, limit: 5 })).items.map((r) => r.text),
      ).toEqual(['bob fact']);
      expect(
        (await store.listMemories({ scope: otherTenant, filter: { now }, limit: 5 })).items.map(
          (r) => r.text,
        ),
      ).toEqual(['other alice fact']);
      expect((await store.listMessages({ scope: bob, limit: 5 })).items.map((m) => m.content)).toEqual([
        'yo',
      ]);
    });

    it('hides expired memories and purgeExpired erases them', async () => {
      const [expired, alive] = await insert(
        makeMemoryWrite({ scope: alice, text: 'temporary code 1234', expiresAt: T0 + HOUR }),
        makeMemoryWrite({ scope: alice, text: 'permanent code 5678' }),
      );
      const visible = await store.listMemories({
        scope: alice,
        filter: { now, includeHistory: true },
        limit: 5,
      });
      expect(visible.items.map((r) => r.id)).toEqual([alive!.id]);
      expect((await store.listMemories({ scope: alice, filter: { now: T0 }, limit: 5 })).items).toHaveLength(
        2,
      );
      expect(await store.purgeExpired({ now })).toEqual({ purged: 1 });
      expect(await store.getMemory({ scope: alice, id: expired!.id })).toBeUndefined();
      expect(
        (await store.listHistory({ scope: alice, memoryId: expired!.id })).map((entry) => entry.event),
      ).toEqual(['expire']);
      expect(await store.purgeExpired({ now })).toEqual({ purged: 0 });
    });

    it('lexical search ranks the matching memory first and respects the filter', async () => {
      const records = await insert(
        makeMemoryWrite({ scope: alice, text: 'my sister Anna plays the violin', kind: 'fact' }),
        makeMemoryWrite({ scope: alice, text: 'I bought a new bicycle', kind: 'episode' }),
        makeMemoryWrite({ scope: alice, text: 'the violin lessons are on Tuesday', kind: 'episode' }),
      );
      const hits = await store.searchLexical({
        scope: alice,
        terms: analyzeQuery('Anna violin'),
        filter: { now },
        limit: 10,
      });
      expect(hits[0]?.id).toBe(records[0]!.id);
      expect(hits.map((hit) => hit.id)).not.toContain(records[1]!.id);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      const filtered = await store.searchLexical({
        scope: alice,
        terms: analyzeQuery('Anna violin'),
        filter: { now, kinds: ['episode'] },
        limit: 10,
      });
      expect(filtered.map((hit) => hit.id)).toEqual([records[2]!.id]);
    });

    it('vector search returns nearest first with cosine similarity, inside the scope', async () => {
      const records = await insert(
        makeMemoryWrite({ scope: alice, text: 'walks the dog every morning' }),
        makeMemoryWrite({ scope: alice, text: 'quantum physics lecture notes' }),
        makeMemoryWrite({ scope: bob, text: 'walks the dog every morning' }),
      );
      const hits = await store.searchVector({
        scope: alice,
        embedding: fixtureEmbedding('walks the dog every morning'),
        filter: { now },
        limit: 5,
      });
      expect(hits.map((hit) => hit.id)).toEqual([records[0]!.id, records[1]!.id]);
      expect(hits[0]!.similarity).toBeCloseTo(1, 5);
      const vectors = await store.getVectors({
        scope: alice,
        ids: [records[0]!.id, records[2]!.id, 'no-such-id'],
      });
      expect([...vectors.keys()]).toEqual([records[0]!.id]);
      const expected = fixtureEmbedding('walks the dog every morning');
      const stored = vectors.get(records[0]!.id)!;
      expect(stored).toHaveLength(expected.length);
      for (const [index, value] of stored.entries()) expect(value).toBeCloseTo(expected[index]!, 5);
      expect(hits[1]!.similarity).toBeLessThan(hits[0]!.similarity);
      expect(await store.getEmbeddingSpace()).toEqual({
        model: FIXTURE_MODEL,
        dimensions: FIXTURE_DIMENSIONS,
      });
    });

    it('refuses embeddings from another space unless replaced', async () => {
      await store.setEmbeddingSpace({ space: { model: FIXTURE_MODEL, dimensions: FIXTURE_DIMENSIONS } });
      await store.setEmbeddingSpace({ space: { model: FIXTURE_MODEL, dimensions: FIXTURE_DIMENSIONS } });
      await expectCode(
        store.setEmbeddingSpace({ space: { model: 'other:model:8', dimensions: 8 } }),
        'EMBEDDING_MISMATCH',
      );
      const wrong = makeMemoryWrite({ scope: alice, text: 'odd vector' });
      wrong.embedding = new Float32Array(8).fill(0.1);
      await expectCode(
        store.insertMemories({ memories: [wrong], actor: 'test', at: T0 }),
        'EMBEDDING_MISMATCH',
      );
      await expectCode(
        store.searchVector({ scope: alice, embedding: new Float32Array(8), filter: { now }, limit: 3 }),
        'EMBEDDING_MISMATCH',
      );
      await store.setEmbeddingSpace({ space: { model: 'other:model:8', dimensions: 8 }, replace: true });
      expect(await store.getEmbeddingSpace()).toEqual({ model: 'other:model:8', dimensions: 8 });
    });

    it('lists memories to re-embed and writes their embeddings', async () => {
      await store.setEmbeddingSpace({ space: { model: FIXTURE_MODEL, dimensions: FIXTURE_DIMENSIONS } });
      const [plain, embedded] = await insert(
        makeMemoryWrite({ scope: alice, text: 'no vector yet', embed: false }),
        makeMemoryWrite({ scope: alice, text: 'has a vector' }),
      );
      const first = await store.listForReembed({ limit: 10 });
      expect(first.items).toEqual([{ id: plain!.id, indexText: 'no vector yet' }]);
      await store.writeEmbeddings({
        items: [{ id: plain!.id, embedding: fixtureEmbedding('no vector yet') }],
        model: FIXTURE_MODEL,
      });
      expect((await store.listForReembed({ limit: 10 })).items).toEqual([]);
      expect((await store.getMemory({ scope: alice, id: plain!.id }))?.embeddingModel).toBe(FIXTURE_MODEL);
      const hits = await store.searchVector({
        scope: alice,
        embedding: fixtureEmbedding('no vector yet'),
        filter: { now },
        limit: 1,
      });
      expect(hits[0]?.id).toBe(plain!.id);
      await store.setEmbeddingSpace({ space: { model: 'next:model:4', dimensions: 4 }, replace: true });
      expect((await store.listForReembed({ limit: 10 })).items.map((item) => item.id).sort()).toEqual(
        [plain!.id, embedded!.id].sort(),
      );
      const paged = await store.listForReembed({ limit: 1 });
      expect(paged.items).toHaveLength(1);
      expect((await store.listForReembed({ limit: 1, cursor: paged.nextCursor })).items).toHaveLength(1);
    });

    it('caches embeddings by model and hash', async () => {
      const vector = new Float32Array([0.5, -1, 2]);
      await store.putCachedEmbeddings({ model: 'm', entries: [{ hash: 'h1', embedding: vector }] });
      const cached = await store.getCachedEmbeddings({ model: 'm', hashes: ['h1', 'h2'] });
      expect([...cached.keys()]).toEqual(['h1']);
      expect([...(cached.get('h1') ?? [])]).toEqual([0.5, -1, 2]);
      expect((await store.getCachedEmbeddings({ model: 'other', hashes: ['h1'] })).size).toBe(0);
    });

    it('dumps and restores into another store', async () => {
      const [record] = await insert(
        makeMemoryWrite({ scope: alice, text: 'dump me please' }),
        makeMemoryWrite({ scope: bob, text: 'and me' }),
      );
      await store.appendMessages({ messages: [makeNewMessage({ scope: alice, content: 'hello' })] });
      const rows = [];
      for await (const row of store.dump({ includeEmbeddings: true })) rows.push(row);
      expect(rows.map((row) => row.type)).toEqual(['message', 'memory', 'memory', 'history', 'history']);
      const target = await createStore();
      try {
        expect(await target.store.restore({ rows })).toEqual({
          messages: 1,
          memories: 2,
          history: 2,
          spaces: 0,
          grants: 0,
        });
        expect(await target.store.restore({ rows })).toEqual({
          messages: 0,
          memories: 0,
          history: 0,
          spaces: 0,
          grants: 0,
        });
        const stats = await target.store.stats();
        expect([stats.memories, stats.messages]).toEqual([2, 1]);
        expect(await target.store.getMemory({ scope: alice, id: record!.id })).toEqual(record);
        const hits = await target.store.searchLexical({
          scope: alice,
          terms: ['dump'],
          filter: { now },
          limit: 3,
        });
        expect(hits.map((hit) => hit.id)).toEqual([record!.id]);
        const scoped = [];
        for await (const row of store.dump({ scope: bob })) scoped.push(row.type);
        expect(scoped).toEqual(['memory', 'history']);
      } finally {
        await target.cleanup();
      }
    });

    it('writes nothing when a batch fails', async () => {
      const write = makeMemoryWrite({ scope: alice, text: 'only once' });
      await expect(
        store.insertMemories({
          memories: [makeMemoryWrite({ scope: alice, text: 'first' }), write, write],
          actor: 'test',
          at: T0,
        }),
      ).rejects.toThrow();
      expect(
        (await store.listMemories({ scope: alice, filter: { now, includeHistory: true }, limit: 10 })).items,
      ).toEqual([]);
      expect((await store.stats()).memories).toBe(0);
    });

    it('records access and reports stats', async () => {
      const [record] = await insert(makeMemoryWrite({ scope: alice, text: 'counted' }));
      await store.recordAccess({ scope: bob, ids: [record!.id], at: now });
      await store.recordAccess({ scope: alice, ids: [record!.id], at: now });
      const after = await store.getMemory({ scope: alice, id: record!.id });
      expect(after?.accessCount).toBe(1);
      expect(after?.lastAccessedAt).toBe(new Date(now).toISOString());
      const stats = await store.stats({ scope: alice });
      expect(stats).toMatchObject({ memories: 1, currentMemories: 1, messages: 0 });
      expect(stats.schemaVersion).toBeGreaterThan(0);
    });

    it('accumulates usage per scope and sums every narrower scope inside a read scope', async () => {
      const usage = (llmCalls: number, latencyMs: number) => ({
        llmCalls,
        inputTokens: 100 * llmCalls,
        outputTokens: 10 * llmCalls,
        embeddingCalls: 1,
        latencyMs,
      });
      const s1 = { ...alice, sessionId: 's1' };
      const s2 = { ...alice, agentId: 'helper', sessionId: 's2' };
      expect(await store.getUsage({ scope: alice })).toEqual({
        llmCalls: 0,
        inputTokens: 0,
        outputTokens: 0,
        embeddingCalls: 0,
        latencyMs: 0,
      });
      await store.recordUsage({ scope: s1, usage: usage(1, 12.5), at: T0 });
      await store.recordUsage({ scope: s1, usage: usage(2, 0.25), at: T0 + HOUR });
      await store.recordUsage({ scope: s2, usage: usage(1, 1), at: T0 + 2 * HOUR });
      await store.recordUsage({ scope: alice, usage: usage(0, 2), at: T0 + 3 * HOUR });
      await store.recordUsage({ scope: bob, usage: usage(5, 5), at: T0 });
      await store.recordUsage({ scope: otherTenant, usage: usage(7, 7), at: T0 });

      const total = await store.getUsage({ scope: alice });
      expect(total).toMatchObject({
        llmCalls: 4,
        inputTokens: 400,
        outputTokens: 40,
        embeddingCalls: 4,
        firstAt: new Date(T0).toISOString(),
        lastAt: new Date(T0 + 3 * HOUR).toISOString(),
      });
      expect(total.latencyMs).toBeCloseTo(15.75, 6);
      expect(await store.getUsage({ scope: s1 })).toMatchObject({ llmCalls: 3, embeddingCalls: 2 });
      expect(await store.getUsage({ scope: { ...alice, agentId: 'helper' } })).toMatchObject({ llmCalls: 1 });
      expect(await store.getUsage({ scope: { tenantId: 't1', sessionId: 's2' } })).toMatchObject({
        llmCalls: 1,
      });
      expect(await store.getUsage({ scope: bob })).toMatchObject({ llmCalls: 5 });
      expect(await store.getUsage({ scope: { tenantId: 't2', userId: 'alice' } })).toMatchObject({
        llmCalls: 7,
      });

      await store.forgetScope({ scope: alice, at: now, actor: 'test' });
      expect((await store.getUsage({ scope: alice })).llmCalls).toBe(0);
      expect((await store.getUsage({ scope: bob })).llmCalls).toBe(5);
    });

    itKeepsScopesApart(createStore);
    itAnswersBothTimes(createStore);
    itKeepsWorkingMemory(createStore);
    itKeepsTheGraph(createStore);
    itKeepsUpkeep(createStore);
    itWritesTurnsAtomically(createStore);
  });
}
