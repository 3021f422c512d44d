// inferMemories end to end: a real SQLite file and a real scripted OpenAI-compatible server on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MnemoError } from '../../core/errors.js';
import type { Scope } from '../../core/scope.js';
import { summarizeSession } from '../../lifecycle/summarize-session.js';
import { createBuiltinEmbedder } from '../../models/builtin-embedder.js';
import { embeddingModelKey } from '../../models/embedding-model.js';
import { searchMemories } from '../../retrieve/search-memories.js';
import { getProfile } from './get-profile.js';
import { type InferMemoriesInput, inferMemories, reprocessMessages } from './infer-memories.js';
import {
  createInferHarness,
  type InferHarness,
  knownMemoryLines,
  logTurns,
  operationsReply,
  userPromptOf,
} from './test-support/infer-harness.js';

const session: Scope = { tenantId: 'default', userId: 'alice', sessionId: 's1' };
const alice: Scope = { tenantId: 'default', userId: 'alice' };
const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let harness: InferHarness;
beforeEach(async () => {
  harness = await createInferHarness();
});
afterEach(async () => {
  await harness.close();
});

function infer(newMessages: InferMemoriesInput['newMessages'], extra: Partial<InferMemoriesInput> = {}) {
  return inferMemories({
    store: harness.store,
    llm: harness.llm,
    clock: harness.clock,
    ids: harness.ids,
    scope: session,
    newMessages,
    actor: 'test',
    ...extra,
  });
}

async function currentTexts(query: string, options: { includeHistory?: boolean } = {}) {
  const { results } = await searchMemories({
    store: harness.store,
    query,
    scope: alice,
    options: { kinds: ['fact', 'profile', 'procedure'], ...options },
    now: harness.clock.now(),
  });
  return results.map((result) => result.memory.text).sort();
}

describe('inferMemories', () => {
  it('supersedes a changed preference: current search finds the new one, history keeps both', async () => {
    harness.server.addReplies(
      operationsReply([
        { op: 'ADD', kind: 'fact', text: 'Alice loves sushi.', importance: 0.6, sourceTurns: [0] },
      ]),
    );
    const first = await infer(await logTurns(harness, session, [{ content: 'I love sushi, honestly.' }]));
    expect(first.operations).toEqual([expect.objectContaining({ op: 'ADD', status: 'applied' })]);
    const old = first.memories[0]!;
    expect(old.source).toMatchObject({ attributedTo: 'alice', origin: 'user', trust: 'high' });
    expect(old.importance).toBe(0.6);

    harness.clock.set('2024-05-02T09:00:00Z');
    harness.server.addReplies(
      operationsReply([{ op: 'SUPERSEDE', id: 1, text: 'Alice is vegetarian and no longer eats sushi.' }]),
    );
    const second = await infer(
      await logTurns(harness, session, [{ content: "I've gone vegetarian, so no more sushi for me." }]),
    );
    const prompt = userPromptOf(harness.server.requests[1]);
    expect(knownMemoryLines(prompt)[0]).toMatch(/^1\. \[fact\] Alice loves sushi\./);
    expect(prompt).not.toMatch(uuid);
    expect(second.operations[0]).toMatchObject({ op: 'SUPERSEDE', status: 'applied', targetId: old.id });

    expect(await currentTexts('sushi')).toEqual(['Alice is vegetarian and no longer eats sushi.']);
    expect(await currentTexts('sushi', { includeHistory: true })).toEqual([
      'Alice is vegetarian and no longer eats sushi.',
      'Alice loves sushi.',
    ]);
    const history = await harness.store.listHistory({ scope: alice, memoryId: old.id });
    expect(history.map((entry) => entry.event)).toEqual(['add', 'supersede']);
  });

  it('keeps only the latest statement when one batch contradicts itself on a profile slot', async () => {
    harness.server.addReplies(
      operationsReply([
        {
          op: 'ADD',
          kind: 'profile',
          topic: 'preferences',
          slot: 'food',
          value: 'sushi',
          text: 'Alice loves sushi.',
          sourceTurns: [0],
        },
        {
          op: 'ADD',
          kind: 'profile',
          topic: 'preferences',
          slot: 'food',
          value: 'vegetarian',
          text: 'Alice is vegetarian.',
          sourceTurns: [1],
        },
      ]),
    );
    const turns = await logTurns(harness, session, [
      { content: 'I love sushi.' },
      { content: 'Actually scratch that, I went vegetarian last week.' },
    ]);
    const result = await infer(turns);
    expect(result.operations.map((operation) => operation.status)).toEqual(['overridden', 'applied']);
    const profile = await getProfile({ store: harness.store, scope: alice, now: harness.clock.now() });
    expect(profile.preferences?.food?.value).toBe('vegetarian');
    expect(result.memories).toHaveLength(1);
    expect(result.memories[0]!.source.messageIds).toEqual([turns[1]!.id]);
  });

  it('applies only the last of several operations on one known memory in a batch', async () => {
    harness.server.addReplies(
      operationsReply([{ op: 'ADD', kind: 'fact', text: 'Alice drives a red car.' }]),
    );
    const first = await infer(await logTurns(harness, session, [{ content: 'My car is red.' }]));
    harness.clock.advance(60_000);
    harness.server.addReplies(
      operationsReply([
        { op: 'SUPERSEDE', id: 1, text: 'Alice drives a blue car.', sourceTurns: [0] },
        { op: 'INVALIDATE', id: 1, reason: 'Alice sold her car.', sourceTurns: [1] },
      ]),
    );
    const second = await infer(
      await logTurns(harness, session, [
        { content: 'I painted my car blue.' },
        { content: 'Actually I sold the car.' },
      ]),
    );
    expect(second.operations.map((operation) => operation.status)).toEqual(['overridden', 'applied']);
    expect(await currentTexts('car')).toEqual([]);
    const history = await harness.store.listHistory({ scope: alice, memoryId: first.memories[0]!.id });
    expect(history.map((entry) => entry.event)).toEqual(['add', 'invalidate']);
  });

  it('supersedes a profile slot when its value changes, even without an explicit id', async () => {
    harness.server.addReplies(
      operationsReply([
        {
          op: 'ADD',
          kind: 'profile',
          topic: 'work',
          slot: 'employer',
          value: 'Acme',
          text: 'Alice works at Acme.',
        },
      ]),
      operationsReply([
        {
          op: 'ADD',
          kind: 'profile',
          topic: 'work',
          slot: 'employer',
          value: 'Globex',
          text: 'Alice works at Globex.',
        },
      ]),
    );
    const first = await infer(await logTurns(harness, session, [{ content: 'I work at Acme.' }]));
    harness.clock.advance(86_400_000);
    const second = await infer(await logTurns(harness, session, [{ content: 'I just joined Globex.' }]));
    expect(second.operations[0]).toMatchObject({
      op: 'ADD',
      status: 'applied',
      targetId: first.memories[0]!.id,
    });
    const profile = await getProfile({ store: harness.store, scope: alice, now: harness.clock.now() });
    expect(profile.work?.employer).toMatchObject({ value: 'Globex', memoryId: second.memories[0]!.id });
    const past = await getProfile({
      store: harness.store,
      scope: alice,
      now: harness.clock.now(),
      asOf: Date.parse('2024-01-10T13:00:00Z'),
    });
    expect(past.work?.employer?.value).toBe('Acme');
  });

  it('skips operations on ids that were not shown, with a warning', async () => {
    harness.server.addReplies(operationsReply([{ op: 'INVALIDATE', id: 7, reason: 'made up' }]));
    const result = await infer(await logTurns(harness, session, [{ content: 'Hello there.' }]));
    expect(result.operations).toEqual([expect.objectContaining({ op: 'INVALIDATE', status: 'unknown-id' })]);
    expect(result.warnings.join(' ')).toMatch(/memory 7, which was not among the 0 shown/);
    expect(result.memories).toEqual([]);
  });

  it('drops exact duplicates in the batch and against the store, and near-duplicates as NOOPs', async () => {
    harness.server.addReplies(
      operationsReply([
        { op: 'ADD', kind: 'fact', text: 'Alice lives in Lisbon.' },
        { op: 'ADD', kind: 'fact', text: 'alice lives in  Lisbon.' },
      ]),
      operationsReply([
        { op: 'ADD', kind: 'fact', text: 'Alice lives in Lisbon.' },
        { op: 'ADD', kind: 'fact', text: 'Alice lives in Lisbon!!' },
        { op: 'ADD', kind: 'fact', text: 'Alice works in Lisbon.' },
      ]),
    );
    const first = await infer(await logTurns(harness, session, [{ content: 'I live in Lisbon.' }]));
    expect(first.operations.map((operation) => operation.status)).toEqual(['applied', 'duplicate']);
    const second = await infer(await logTurns(harness, session, [{ content: 'Lisbon is home.' }]));
    expect(second.operations.map((operation) => operation.status)).toEqual([
      'duplicate',
      'near-duplicate',
      'applied',
    ]);
    expect(second.operations[1]).toMatchObject({ targetId: first.memories[0]!.id });
    expect(await currentTexts('Lisbon')).toEqual(['Alice lives in Lisbon.', 'Alice works in Lisbon.']);
  });

  it('adds "remember that" at once with high importance, and forgets by invalidating (never deleting)', async () => {
    harness.server.addReplies(operationsReply([{ op: 'NOOP', reason: 'model missed it' }]));
    const remembered = await infer(
      await logTurns(harness, session, [
        { content: 'Please remember that my passport expires in March 2026.' },
      ]),
    );
    const fact = remembered.memories[0]!;
    expect(fact.text).toBe('alice asked to remember: my passport expires in March 2026');
    expect(fact.importance).toBe(1);
    expect(fact.attributes.explicit).toBe(true);

    harness.clock.advance(60_000);
    harness.server.addReplies(operationsReply([{ op: 'INVALIDATE', id: 1, reason: 'user asked to forget' }]));
    await infer(await logTurns(harness, session, [{ content: 'Forget that passport thing.' }]));
    expect(await currentTexts('passport')).toEqual([]);
    const kept = await harness.store.getMemory({ scope: alice, id: fact.id });
    expect(kept?.retiredAt).toBeDefined();
    const history = await harness.store.listHistory({ scope: alice, memoryId: fact.id });
    expect(history.map((entry) => entry.event)).toEqual(['add', 'invalidate']);
  });

  it('stores "remember that" even when the model\'s own ADD for that turn was a duplicate', async () => {
    harness.server.addReplies(
      operationsReply([{ op: 'ADD', kind: 'fact', text: 'Alice has a cat.', sourceTurns: [0] }]),
    );
    await infer(await logTurns(harness, session, [{ content: 'I have a cat.' }]));
    harness.clock.advance(60_000);
    harness.server.addReplies(
      operationsReply([{ op: 'ADD', kind: 'fact', text: 'Alice has a cat.', sourceTurns: [0] }]),
    );
    const again = await infer(
      await logTurns(harness, session, [{ content: 'Remember that I have a cat called Miso.' }]),
    );
    expect(again.operations.map((operation) => operation.status)).toEqual(['duplicate', 'applied']);
    const stored = again.memories[0]!;
    expect(stored.text).toBe('alice asked to remember: I have a cat called Miso');
    expect(stored).toMatchObject({ importance: 1, attributes: { explicit: true } });
  });

  it('stores procedures, grounds relative dates and records provenance', async () => {
    harness.server.addReplies(
      operationsReply([
        {
          op: 'ADD',
          kind: 'procedure',
          text: 'Use pnpm, not npm, in answers about Node projects.',
          importance: 0.8,
          sourceTurns: [0],
        },
        {
          op: 'ADD',
          kind: 'fact',
          text: 'Alice moved to Porto last March.',
          validFrom: 'last March',
          sourceTurns: [1],
        },
      ]),
    );
    const turns = await logTurns(harness, session, [
      { content: 'Always use pnpm, not npm.' },
      { content: 'I moved to Porto last March.', at: '2024-06-05T10:00:00Z' },
    ]);
    const result = await infer(turns);
    const [procedure, fact] = result.memories;
    expect(procedure).toMatchObject({ kind: 'procedure', scope: alice, importance: 0.8 });
    expect(fact!.validFrom).toBe('2024-03-01T00:00:00.000Z');
    expect(fact!.observedAt).toBe('2024-06-05T10:00:00.000Z');
    expect(fact!.attributes.dates).toEqual([
      expect.objectContaining({ start: '2024-03-01', end: '2024-03-31' }),
    ]);
    expect(fact!.indexText).toMatch(/2024-03/);
    expect(fact!.source.messageIds).toEqual([turns[1]!.id]);
  });

  it('embeds new memories with the embedder and counts the calls', async () => {
    const embedder = createBuiltinEmbedder();
    harness.server.addReplies(
      operationsReply([
        { op: 'ADD', kind: 'fact', text: 'Alice plays chess.' },
        { op: 'ADD', kind: 'fact', text: 'Alice owns a cat named Miso.' },
      ]),
    );
    const result = await infer(
      await logTurns(harness, session, [{ content: 'I play chess with Miso watching.' }]),
      {
        embedder,
      },
    );
    expect(result.memories.map((memory) => memory.embeddingModel)).toEqual([
      embeddingModelKey(embedder),
      embeddingModelKey(embedder),
    ]);
    expect(result.usage.embeddingCalls).toBeGreaterThanOrEqual(1);
    const hits = await harness.store.searchVector({
      scope: alice,
      embedding: (await embedder.embed({ values: ['Alice plays chess.'] })).embeddings[0]!,
      filter: { now: harness.clock.now() },
      limit: 1,
    });
    expect(hits[0]?.id).toBe(result.memories[0]!.id);
  });

  it('shows previous turns and the session summary, bounded by maxPreviousTurns', async () => {
    await logTurns(
      harness,
      session,
      Array.from({ length: 10 }, (_, index) => ({ content: `older turn ${index}` })),
    );
    harness.server.addReplies({ content: JSON.stringify({ summary: 'Alice counted ten older turns.' }) });
    await summarizeSession({
      store: harness.store,
      llm: harness.llm,
      scope: session,
      clock: harness.clock,
      ids: harness.ids,
    });
    harness.server.addReplies(operationsReply([{ op: 'NOOP' }]));
    await infer(await logTurns(harness, session, [{ content: 'new turn' }]), {
      limits: { maxPreviousTurns: 3 },
    });
    const prompt = userPromptOf(harness.server.requests[1]);
    expect(prompt).toContain('SESSION SUMMARY:\nAlice counted ten older turns.');
    expect(prompt.match(/older turn \d/g)).toEqual(['older turn 7', 'older turn 8', 'older turn 9']);
  });
});

describe('inferMemories cost and bounds', () => {
  it('makes exactly one model call per batch and reports the server usage', async () => {
    for (let batch = 0; batch < 3; batch++) {
      harness.server.addReplies(
        operationsReply([{ op: 'NOOP' }], { inputTokens: 300 + batch, outputTokens: 7 }),
      );
      const result = await infer(
        await logTurns(harness, session, [{ content: `turn ${batch}` }, { content: 'more' }]),
      );
      expect(result.usage).toMatchObject({ llmCalls: 1, inputTokens: 300 + batch, outputTokens: 7 });
      expect(harness.server.requests).toHaveLength(batch + 1);
    }
  });

  it('never shows more than maxExistingMemories known memories, even with 500 in the store', async () => {
    const facts = Array.from({ length: 500 }, (_, index) => ({
      op: 'ADD',
      kind: 'fact',
      text: `Alice collected coffee mug number ${index} from the coffee shop.`,
    }));
    harness.server.addReplies(operationsReply(facts));
    await infer(await logTurns(harness, session, [{ content: 'I collect coffee mugs.' }]));
    expect((await harness.store.stats({ scope: alice })).currentMemories).toBe(500);
    for (const limit of [20, 5]) {
      harness.server.addReplies(operationsReply([{ op: 'NOOP' }]));
      await infer(
        await logTurns(harness, session, [{ content: 'Another coffee mug from the coffee shop!' }]),
        {
          limits: { maxExistingMemories: limit },
        },
      );
      const lines = knownMemoryLines(userPromptOf(harness.server.requests.at(-1)));
      expect(lines).toHaveLength(limit);
    }
  });
});

describe('inferMemories with malformed or failing models', () => {
  async function expectMessagesIntact(count: number) {
    const page = await harness.store.listMessages({ scope: session, limit: 100 });
    expect(page.items).toHaveLength(count);
  }

  it.each([
    [
      'prose-wrapped JSON',
      'Sure! Here you go:\n{"operations":[{"op":"ADD","kind":"fact","text":"Alice plays chess."}]}\nHope that helps.',
    ],
    [
      'think tags',
      '<think>the user plays chess</think>{"operations":[{"op":"ADD","kind":"fact","text":"Alice plays chess."}]}',
    ],
    [
      'a fenced block',
      '```json\n{"operations":[{"op":"ADD","kind":"fact","text":"Alice plays chess."}]}\n```',
    ],
  ])('accepts %s in one call', async (_name, content) => {
    harness.server.addReplies({ content });
    const result = await infer(await logTurns(harness, session, [{ content: 'I play chess.' }]));
    expect(result.memories.map((memory) => memory.text)).toEqual(['Alice plays chess.']);
    expect(result.usage.llmCalls).toBe(1);
  });

  it('repairs invalid JSON with one more call and sums both calls usage', async () => {
    harness.server.addReplies(
      {
        content: '{"operations": [{"op": "ADD", "kind": "fact", "text": "Alice plays chess."',
        usage: { inputTokens: 90, outputTokens: 11 },
      },
      operationsReply([{ op: 'ADD', kind: 'fact', text: 'Alice plays chess.' }], {
        inputTokens: 140,
        outputTokens: 13,
      }),
    );
    const result = await infer(await logTurns(harness, session, [{ content: 'I play chess.' }]));
    expect(result.usage).toMatchObject({ llmCalls: 2, inputTokens: 230, outputTokens: 24 });
    expect(result.memories).toHaveLength(1);
  });

  it('throws LLM_OUTPUT_INVALID with the message ids after a wrong schema twice; messages stay', async () => {
    harness.server.addReplies(
      { content: '{"facts": ["x"]}' },
      { content: '{"operations": [{"op": "DELETE", "id": 1}]}' },
    );
    const turns = await logTurns(harness, session, [{ content: 'I play chess.' }]);
    const error = await infer(turns).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MnemoError);
    expect(error).toMatchObject({
      code: 'LLM_OUTPUT_INVALID',
      details: { messageIds: [turns[0]!.id], stage: 'infer' },
    });
    expect(harness.server.requests).toHaveLength(2);
    await expectMessagesIntact(1);
    expect((await harness.store.stats({ scope: alice })).memories).toBe(0);
  });

  it('retries an HTTP 500 and succeeds', async () => {
    harness.server.addReplies(
      { status: 500 },
      operationsReply([{ op: 'ADD', kind: 'fact', text: 'Alice plays chess.' }]),
    );
    const result = await infer(await logTurns(harness, session, [{ content: 'I play chess.' }]));
    expect(result.memories).toHaveLength(1);
    expect(harness.server.requests).toHaveLength(2);
  });

  it('throws LLM_FAILED on a timeout; messages stay and reprocessMessages recovers them', async () => {
    await harness.close();
    harness = await createInferHarness({ timeoutMs: 200, maxRetries: 0 });
    harness.server.addReplies({ content: '{"operations":[]}', delayMs: 5_000 });
    const turns = await logTurns(harness, session, [{ content: 'I play chess.' }]);
    await expect(infer(turns)).rejects.toMatchObject({
      code: 'LLM_FAILED',
      details: { messageIds: [turns[0]!.id] },
    });
    await expectMessagesIntact(1);

    harness.server.addReplies(operationsReply([{ op: 'ADD', kind: 'fact', text: 'Alice plays chess.' }]));
    const result = await reprocessMessages({
      store: harness.store,
      llm: harness.llm,
      clock: harness.clock,
      ids: harness.ids,
      scope: session,
      messageIds: turns.map((turn) => turn.id),
      actor: 'test',
    });
    expect(result.memories.map((memory) => memory.source.messageIds)).toEqual([[turns[0]!.id]]);
    expect(result.usage.llmCalls).toBe(1);
  });
});
