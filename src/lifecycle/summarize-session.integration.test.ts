// summarizeSession on a real SQLite file through a scripted OpenAI-compatible server; shouldSummarize as a table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scope } from '../core/scope.js';
import {
  createInferHarness,
  type InferHarness,
  logTurns,
  userPromptOf,
} from '../ingest/infer/test-support/infer-harness.js';
import { shouldSummarize, summarizeSession } from './summarize-session.js';

const session: Scope = { tenantId: 'default', userId: 'alice', sessionId: 's1' };
let harness: InferHarness;
beforeEach(async () => {
  harness = await createInferHarness();
});
afterEach(async () => {
  await harness.close();
});

function summarize() {
  return summarizeSession({
    store: harness.store,
    llm: harness.llm,
    scope: session,
    clock: harness.clock,
    ids: harness.ids,
  });
}

describe('summarizeSession', () => {
  it('writes a summary, then supersedes it with one that folds in only the new messages', async () => {
    await logTurns(harness, session, [
      { content: 'Can you help me plan a trip to Kyoto?' },
      { content: 'In April.' },
    ]);
    harness.server.addReplies({
      content: JSON.stringify({ summary: 'Alice planned an April trip to Kyoto.', outcome: 'Dates chosen.' }),
      usage: { inputTokens: 50, outputTokens: 10 },
    });
    const first = await summarize();
    expect(first.summary).toMatchObject({
      kind: 'summary',
      text: 'Alice planned an April trip to Kyoto. Outcome: Dates chosen.',
      attributes: { fromSeq: 1, toSeq: 2, messageCount: 2, sessionId: 's1' },
    });
    expect(first.usage).toMatchObject({ llmCalls: 1, inputTokens: 50, outputTokens: 10 });

    harness.clock.advance(3_600_000);
    await logTurns(harness, session, [{ content: 'Book the ryokan please.' }]);
    harness.server.addReplies({
      content: JSON.stringify({ summary: 'Alice planned Kyoto and booked a ryokan.' }),
    });
    const second = await summarize();
    const prompt = userPromptOf(harness.server.requests[1]);
    expect(prompt).toContain('Alice planned an April trip to Kyoto.');
    expect(prompt).toContain('Book the ryokan please.');
    expect(prompt).not.toContain('In April.');
    expect(second.summary).toMatchObject({
      supersedes: first.summary!.id,
      attributes: { fromSeq: 1, toSeq: 3, messageCount: 3 },
    });
    const current = await harness.store.listMemories({
      scope: session,
      filter: { kinds: ['summary'], now: harness.clock.now() },
      limit: 10,
    });
    expect(current.items.map((memory) => memory.id)).toEqual([second.summary!.id]);
    const history = await harness.store.listHistory({ scope: session, memoryId: first.summary!.id });
    expect(history.map((entry) => entry.event)).toEqual(['add', 'supersede']);
  });

  it('makes no call when nothing new was said', async () => {
    const result = await summarize();
    expect(result.summary).toBeUndefined();
    expect(harness.server.requests).toHaveLength(0);
  });

  it('refuses a scope without a session', async () => {
    await expect(
      summarizeSession({
        store: harness.store,
        llm: harness.llm,
        scope: { tenantId: 'default', userId: 'alice' },
        clock: harness.clock,
        ids: harness.ids,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('shouldSummarize', () => {
  it.each([
    [{ idleMs: 0, tokensSinceSummary: 0 }, false, undefined],
    [{ idleMs: 10 * 3_600_000, tokensSinceSummary: 0 }, false, undefined],
    [{ idleMs: 31 * 60_000, tokensSinceSummary: 10 }, true, 'idle'],
    [{ idleMs: 1_000, tokensSinceSummary: 2_500 }, true, 'tokens'],
    [{ idleMs: 1_000, tokensSinceSummary: 500 }, false, undefined],
    [{ idleMs: 1_000, tokensSinceSummary: 500, thresholds: { tokensSinceSummary: 400 } }, true, 'tokens'],
  ])('%j → %s', (input, summarize, reason) => {
    const result = shouldSummarize(input);
    expect(result.summarize).toBe(summarize);
    expect(result.reason).toBe(reason);
  });
});
