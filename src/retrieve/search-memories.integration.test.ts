// searchMemories end to end on a real SQLite file with the built-in embedder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MnemoError } from '../core/errors.js';
import type { MemoryRecord } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { createBuiltinEmbedder } from '../models/builtin-embedder.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore } from '../store/memory-store.js';
import { createSqliteStore } from '../store/sqlite/sqlite-store.js';
import { type SearchMemoriesInput, searchMemories } from './search-memories.js';
import type { SearchOptions } from './search-options.js';
import { buildMemoryWrite, seedMemories, seedMessages } from './search-test-fixtures.js';

const DAY = 86_400_000;
const now = Date.parse('2024-06-01T12:00:00Z');
const alice: Scope = { tenantId: 'default', userId: 'alice' };
const bob: Scope = { tenantId: 'default', userId: 'bob' };

let directory: string;
let store: MemoryStore;
let embedder: EmbeddingModel;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mnemo-retrieve-'));
  store = createSqliteStore({ path: join(directory, 'mnemo.db') });
  await store.init();
  embedder = createBuiltinEmbedder();
});

afterEach(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

function search(
  query: string,
  options: SearchOptions = {},
  extra: Partial<Pick<SearchMemoriesInput, 'scope' | 'embedder'>> = {},
) {
  const input: SearchMemoriesInput = { store, query, scope: extra.scope ?? alice, options, now };
  const model = 'embedder' in extra ? extra.embedder : embedder;
  if (model !== undefined) input.embedder = model;
  return searchMemories(input);
}

const texts = (records: Array<{ memory: MemoryRecord }>) => records.map((result) => result.memory.text);

describe('hybrid retrieval', () => {
  const table = [
    'I moved to Lisbon last spring',
    'We watched a live concert of the band',
    'The invoice from Kessler was paid on Monday',
    'Bob talked about invoices and payments at work again',
    'My sister adopted a puppy',
    'I started learning to play the cello',
    'My favourite food is grilled sardines',
    'Zanzibar trip is booked',
    'My mom and dad and my sister and brother and the kids visited the family home',
    'Ticket QX-88 about the login page is still open',
    'My job at the office and my boss and the meetings with colleagues at work are exhausting',
  ];
  // Two questions only meaning can answer (no shared word), two only an exact rare word can.
  const questions = [
    { query: 'where do you live', answer: 'I moved to Lisbon last spring' },
    { query: 'what do I like to eat', answer: 'My favourite food is grilled sardines' },
    { query: 'QX-88 status at work', answer: 'Ticket QX-88 about the login page is still open' },
    { query: 'Zanzibar with the family', answer: 'Zanzibar trip is booked' },
  ];

  async function meanReciprocalRank(
    options: SearchOptions,
    model: EmbeddingModel | undefined,
  ): Promise<number> {
    let total = 0;
    for (const question of questions) {
      const { results } = await search(question.query, { limit: 5, ...options }, { embedder: model });
      const rank = texts(results).indexOf(question.answer) + 1;
      total += rank === 0 ? 0 : 1 / rank;
    }
    return total / questions.length;
  }

  it('ranks answers better than lexical or vector search alone', async () => {
    await seedMemories({ store, embedder, at: now, memories: table.map((text) => ({ text, scope: alice })) });
    // Ranking, not the evidence floor, is under test: the floor is lowered so every candidate stays.
    const lexicalOnly = await meanReciprocalRank({}, undefined);
    const vectorOnly = await meanReciprocalRank({ weights: { lexical: 0 }, minSimilarity: -1 }, embedder);
    const hybrid = await meanReciprocalRank({ minSimilarity: -1 }, embedder);
    expect(hybrid).toBeGreaterThan(lexicalOnly);
    expect(hybrid).toBeGreaterThan(vectorOnly);
  });

  it('explains every signal, and the parts sum to the final score', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: [
        { text: 'I moved to Lisbon last spring', scope: alice, observedAt: now - 30 * DAY, importance: 0.8 },
        { text: 'Lisbon trams are yellow', scope: alice, observedAt: now - DAY, importance: 0.2 },
      ],
    });
    // RRF explicitly: this test pins RRF's explanation (the default fusion is `score`).
    const response = await search('moved to Lisbon', { explain: true, fusion: 'rrf' });
    expect(response.usage.embeddingCalls).toBe(1);
    expect(response.warnings).toEqual([]);
    const top = response.results[0]!;
    expect(top.memory.text).toBe('I moved to Lisbon last spring');
    const explanation = top.explanation!;
    expect(explanation.lexical).toMatchObject({ rank: 1, normalized: 1, weight: 1 });
    expect(explanation.lexical!.score).toBeGreaterThan(0);
    expect(explanation.vector).toMatchObject({ rank: 1, normalized: 1, weight: 1 });
    expect(explanation.fusion).toEqual({ method: 'rrf', score: expect.closeTo(1, 12), k: 60 });
    expect(explanation.recency.value).toBeCloseTo(0.5, 9);
    expect(explanation.recency.ageDays).toBeCloseTo(30, 9);
    expect(explanation.importance).toEqual({
      value: 0.8,
      weight: 0.1,
      contribution: expect.closeTo(0.08, 12),
    });
    expect(explanation.matchedTerms).toEqual(['move', 'lisbon']);
    expect(explanation.textMatch).toEqual({ value: 1, weight: 0.1, contribution: expect.closeTo(0.1, 12) });
    expect(explanation.lexical!.contribution + explanation.vector!.contribution).toBeCloseTo(
      explanation.fusion.score,
      12,
    );
    for (const result of response.results) {
      const parts = result.explanation!;
      expect(
        parts.fusion.score +
          parts.recency.contribution +
          parts.importance.contribution +
          parts.textMatch.contribution +
          parts.answer.contribution,
      ).toBeCloseTo(parts.final, 12);
      expect(result.score).toBe(parts.final);
    }
  });

  it('omits explanations unless asked', async () => {
    await seedMemories({ store, embedder, at: now, memories: [{ text: 'I moved to Lisbon', scope: alice }] });
    const { results } = await search('Lisbon');
    expect(results).toHaveLength(1);
    expect(results[0]!.explanation).toBeUndefined();
  });

  it('fuses by normalised scores with fusion: score', async () => {
    await seedMemories({ store, embedder, at: now, memories: [{ text: 'I moved to Lisbon', scope: alice }] });
    const { results } = await search('Lisbon', { fusion: 'score', explain: true });
    expect(results[0]!.explanation!.fusion).toEqual({ method: 'score', score: 1 });
  });
});

describe('filters and scope', () => {
  it('never returns memories of another scope', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: [
        { text: 'Alice lives in Lisbon', scope: alice },
        { text: 'Bob lives in Lisbon', scope: bob },
      ],
    });
    expect(texts((await search('Lisbon')).results)).toEqual(['Alice lives in Lisbon']);
    expect(texts((await search('Lisbon', {}, { scope: bob })).results)).toEqual(['Bob lives in Lisbon']);
    const other = await search('Lisbon', {}, { scope: { tenantId: 'other', userId: 'alice' } });
    expect(other.results).toEqual([]);
  });

  it('keeps only the requested kinds', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: [
        { text: 'Lisbon is where I live', scope: alice, kind: 'fact' },
        { text: 'Answer questions about Lisbon in Portuguese', scope: alice, kind: 'procedure' },
      ],
    });
    const { results } = await search('Lisbon', { kinds: ['procedure'] });
    expect(results.map((result) => result.memory.kind)).toEqual(['procedure']);
  });

  it('filters by metadata and observed time', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: [
        {
          text: 'Lisbon trip in January',
          scope: alice,
          metadata: { topic: 'travel' },
          observedAt: now - 100 * DAY,
        },
        { text: 'Lisbon office opened', scope: alice, metadata: { topic: 'work' }, observedAt: now - DAY },
      ],
    });
    expect(texts((await search('Lisbon', { filters: { metadata: { topic: 'travel' } } })).results)).toEqual([
      'Lisbon trip in January',
    ]);
    expect(texts((await search('Lisbon', { filters: { observedFrom: now - 10 * DAY } })).results)).toEqual([
      'Lisbon office opened',
    ]);
  });

  it('returns current memories by default, the old version asOf before the supersede, both with history', async () => {
    const t1 = now - 10 * DAY;
    const t2 = now - 5 * DAY;
    const [old] = await seedMemories({
      store,
      embedder,
      at: t1,
      memories: [{ text: 'I live in Porto', scope: alice, observedAt: t1 }],
    });
    const replacement = await buildMemoryWrite({
      memory: { text: 'I live in Lisbon now', scope: alice, observedAt: t2 },
      embedder,
      at: t2,
    });
    await store.supersedeMemory({ scope: alice, id: old!.id, replacement, at: t2, actor: 'test' });

    expect(texts((await search('where do I live')).results)).toEqual(['I live in Lisbon now']);
    expect(texts((await search('where do I live', { asOf: t1 + DAY })).results)).toEqual(['I live in Porto']);
    const history = texts((await search('where do I live', { includeHistory: true })).results);
    expect(history.sort()).toEqual(['I live in Lisbon now', 'I live in Porto']);
  });

  it('records access on the returned memories', async () => {
    const [record] = await seedMemories({
      store,
      embedder,
      at: now,
      memories: [{ text: 'Lisbon', scope: alice }],
    });
    await search('Lisbon');
    const after = await store.getMemory({ scope: alice, id: record!.id });
    expect(after!.accessCount).toBe(1);
  });
});

describe('expand', () => {
  it('returns the neighbouring turns of the source message in its session', async () => {
    const session: Scope = { ...alice, sessionId: 's1' };
    const messages = await seedMessages({
      store,
      scope: session,
      at: now - DAY,
      contents: ['turn 1', 'turn 2', 'turn 3', 'I adopted a greyhound', 'turn 5', 'turn 6', 'turn 7'],
    });
    await seedMessages({
      store,
      scope: { ...alice, sessionId: 's2' },
      at: now,
      contents: ['other 1', 'other 2'],
    });
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: [
        { text: 'I adopted a greyhound', scope: session, source: [messages[3]!] },
        { text: 'greyhound racing is cruel', scope: alice },
      ],
    });
    const { results } = await search('greyhound', { expand: 2 });
    expect(results[0]!.context?.map((message) => message.content)).toEqual([
      'turn 2',
      'turn 3',
      'I adopted a greyhound',
      'turn 5',
      'turn 6',
    ]);
    expect(results[1]!.memory.text).toBe('greyhound racing is cruel');
    expect(results[1]!.context).toBeUndefined();
    const plain = await search('greyhound');
    expect(plain.results[0]!.context).toBeUndefined();
  });
});

describe('MMR', () => {
  it('moves a near-duplicate below a different memory and reports the earlier rank', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: [
        { text: 'I moved to Lisbon in March', scope: alice, importance: 0.9 },
        { text: 'I moved to Lisbon in March!', scope: alice, importance: 0.8 },
        { text: 'Lisbon has yellow trams', scope: alice, importance: 0 },
      ],
    });
    // Under RRF the three scores sit close together, so λ = 0.5 is enough to reorder them.
    const plain = await search('moved to Lisbon', { limit: 2, fusion: 'rrf' });
    expect(texts(plain.results)).toEqual(['I moved to Lisbon in March', 'I moved to Lisbon in March!']);
    const diverse = await search('moved to Lisbon', {
      limit: 2,
      fusion: 'rrf',
      mmr: { lambda: 0.5 },
      explain: true,
    });
    expect(texts(diverse.results)).toEqual(['I moved to Lisbon in March', 'Lisbon has yellow trams']);
    expect(diverse.results[1]!.explanation!.rankBeforeMmr).toBe(3);
    expect(diverse.usage.embeddingCalls).toBe(2);
  });

  it('warns and keeps score order without an embedder', async () => {
    await seedMemories({
      store,
      at: now,
      memories: [
        { text: 'Lisbon', scope: alice },
        { text: 'Lisbon Lisbon', scope: alice },
      ],
    });
    const response = await search('Lisbon', { mmr: true }, { embedder: undefined });
    expect(response.results).toHaveLength(2);
    expect(response.warnings.join(' ')).toMatch(/MMR skipped/);
  });
});

describe('degradation and errors', () => {
  it('searches lexically and names mnemo reembed when the embedding space differs', async () => {
    await seedMemories({ store, embedder, at: now, memories: [{ text: 'I moved to Lisbon', scope: alice }] });
    const other = createBuiltinEmbedder({ dimensions: 128 });
    const response = await search('Lisbon', { explain: true }, { embedder: other });
    expect(texts(response.results)).toEqual(['I moved to Lisbon']);
    expect(response.results[0]!.explanation!.vector).toBeUndefined();
    expect(response.usage.embeddingCalls).toBe(0);
    expect(response.warnings).toHaveLength(1);
    expect(response.warnings[0]).toContain('mnemo reembed');
  });

  it('returns nothing and a warning for a query with no terms and no embedder', async () => {
    await seedMemories({ store, at: now, memories: [{ text: 'I moved to Lisbon', scope: alice }] });
    const response = await search('the and of', {}, { embedder: undefined });
    expect(response.results).toEqual([]);
    expect(response.warnings).toHaveLength(1);
  });

  it('still searches by meaning when the query has only stopwords but an embedder is set', async () => {
    await seedMemories({ store, embedder, at: now, memories: [{ text: 'I moved to Lisbon', scope: alice }] });
    // The similarity floor is lowered so this measures the mechanism, not the built-in model's evidence.
    const response = await search('where', { minSimilarity: -1 });
    expect(response.results).toHaveLength(1);
    expect(response.usage.embeddingCalls).toBe(1);
  });

  it.each([
    { name: 'limit 0', options: { limit: 0 } },
    { name: 'an unknown kind', options: { kinds: ['dream'] } },
    { name: 'expand above 20', options: { expand: 50 } },
  ])('rejects $name with INVALID_INPUT', async ({ options }) => {
    const error = await search('Lisbon', options as SearchOptions).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MnemoError);
    expect((error as MnemoError).code).toBe('INVALID_INPUT');
  });
});

describe('bounded record loading', () => {
  it('loads fewer records than candidates and returns exactly the top of the full ranking', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: Array.from({ length: 120 }, (_, index) => ({
        text: `note ${index} about the garden and the tomatoes`,
        scope: alice,
        observedAt: now - index * DAY,
        importance: (index % 10) / 10,
      })),
    });
    const full = await search('garden tomatoes', { limit: 100, candidates: 100 });
    let loaded = 0;
    const getMemories = store.getMemories.bind(store);
    store.getMemories = async (input) => {
      loaded += input.ids.length;
      return getMemories(input);
    };
    const top = await search('garden tomatoes', { limit: 5, candidates: 100 });
    expect(top.results.map((result) => result.memory.id)).toEqual(
      full.results.slice(0, 5).map((result) => result.memory.id),
    );
    expect(loaded).toBeLessThan(100);
  });
});

describe('query feedback', () => {
  it('searches vectors again with the query moved toward its best candidates, with no extra embedding call', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: [
        { text: 'I adopted a border collie named Pixel', scope: alice, observedAt: now - DAY },
        { text: 'Pixel chases the frisbee in the park every morning', scope: alice, observedAt: now - DAY },
        { text: 'The invoice from Kessler was paid on Monday', scope: alice, observedAt: now - DAY },
      ],
    });
    const similarityOf = (response: Awaited<ReturnType<typeof search>>, text: string) =>
      response.results.find((result) => result.memory.text === text)?.explanation?.vector?.similarity;
    // No similarity floor: the test compares every candidate's similarity with and without feedback.
    const plain = await search('which dog did I adopt', {
      explain: true,
      feedback: false,
      limit: 3,
      minSimilarity: -1,
    });
    const refined = await search('which dog did I adopt', { explain: true, limit: 3, minSimilarity: -1 });
    expect(refined.usage.embeddingCalls).toBe(1);
    const [query] = (await embedder.embed({ values: ['which dog did I adopt'], purpose: 'query' }))
      .embeddings;
    const [frisbee] = (
      await embedder.embed({
        values: ['Pixel chases the frisbee in the park every morning'],
        purpose: 'document',
      })
    ).embeddings;
    const cosine = query!.reduce((sum, value, index) => sum + value * frisbee![index]!, 0);
    const frisbeeText = 'Pixel chases the frisbee in the park every morning';
    // Stored vectors are int8 (store/sqlite/int8-vectors.ts): similarities are exact to about 1e-3.
    expect(similarityOf(plain, frisbeeText)).toBeCloseTo(cosine, 3);
    // Feedback pulls the query toward the collie turn, which shares "Pixel" with the frisbee turn.
    expect(similarityOf(refined, frisbeeText)).toBeGreaterThan(cosine + 0.01);
    expect(texts(refined.results)[0]).toBe('I adopted a border collie named Pixel');
  });
});

describe('evidence floor and minScore', () => {
  const store3 = [
    'Erin is allergic to peanuts',
    'My sister Clara visits next week',
    'Nice! How do you like it?',
  ];

  it('returns only what is related: a query about food allergies finds the allergy and nothing else', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: store3.map((text) => ({ text, scope: alice })),
    });
    const response = await search('food allergy', { explain: true });
    expect(texts(response.results)).toEqual(['Erin is allergic to peanuts']);
    const vector = response.results[0]!.explanation!.vector!;
    expect(vector.similarity).toBeGreaterThanOrEqual(embedder.capabilities.similarityFloor!);
    expect((await search('quantum chromodynamics lecture')).results).toEqual([]);
  });

  it('keeps a lexical match whatever its vector says, and drops results under minScore', async () => {
    await seedMemories({
      store,
      embedder,
      at: now,
      memories: store3.map((text) => ({ text, scope: alice })),
    });
    const clara = await search('Clara', { explain: true });
    expect(texts(clara.results)).toEqual(['My sister Clara visits next week']);
    expect(clara.results[0]!.explanation!.lexical!.score).toBeGreaterThan(0);
    const best = clara.results[0]!.score;
    expect((await search('Clara', { minScore: best + 0.01 })).results).toEqual([]);
    expect(texts((await search('Clara', { minScore: best - 0.01 })).results)).toEqual([
      'My sister Clara visits next week',
    ]);
  });
});
