// The inferred-memory cost benchmark: replays LoCoMo conversations through inferMemories against a scripted server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFixedClock } from '../../core/clock.js';
import { createUuidV7Generator } from '../../core/ids.js';
import type { Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { buildInferredMemory } from '../../ingest/infer/build-inferred-memory.js';
import { inferMemories } from '../../ingest/infer/infer-memories.js';
import { createBuiltinEmbedder } from '../../models/builtin-embedder.js';
import { type EmbeddingModel, embeddingModelKey } from '../../models/embedding-model.js';
import type { LanguageModel } from '../../models/language-model.js';
import { createOpenAICompatibleLanguageModel } from '../../models/openai-compatible-language-model.js';
import type { MemoryStore, MemoryWrite } from '../../store/memory-store.js';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.js';
import {
  createOpenAICompatibleTestServer,
  type OpenAICompatibleTestServer,
  type TestServerRequest,
} from '../../testing/index.js';
import { type LocomoMessage, type LocomoSample, locomoConversationMessages } from '../datasets/locomo.js';

export interface InferCostBenchOptions {
  samples: LocomoSample[];
  /** New turns per inferMemories call. */
  batchSize: number;
  maxExistingMemories: number;
  maxPreviousTurns: number;
  /** Synthetic memories written into each conversation's scope before the replay. */
  prefill: number;
}

export interface BatchMeasurement {
  conversation: string;
  storeSize: number;
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  knownShown: number;
  turns: number;
}

export interface InferCostBenchResult {
  conversations: number;
  turns: number;
  batches: BatchMeasurement[];
  memoriesWritten: number;
  serverRequests: number;
  serverInputTokens: number;
  serverOutputTokens: number;
}

/** A scripted answer that follows the response schema: ADD a fact for each substantive new turn, else NOOP. */
export function scriptedOperations(request: TestServerRequest): { content: string } {
  const messages: Array<{ role: string; content: unknown }> = request.body?.messages ?? [];
  const prompt = String(messages.find((message) => message.role === 'user')?.content ?? '');
  const turns = (prompt.split('NEW TURNS:\n')[1] ?? '').split('\n');
  const operations = turns.flatMap((line): Array<Record<string, unknown>> => {
    const match = /^\[(\d+)\] \S+ \S+ (.+?) \((?:user|assistant|system|tool)\): (.*)$/.exec(line);
    if (match === null) return [];
    const [, index, speaker, content] = match;
    if ((content ?? '').length < 40) return [{ op: 'NOOP', reason: 'small talk' }];
    return [
      {
        op: 'ADD',
        kind: 'fact',
        text: `${speaker} said: ${(content ?? '').slice(0, 200)}`,
        importance: 0.5,
        sourceTurns: [Number(index)],
      },
    ];
  });
  return { content: JSON.stringify({ operations }) };
}

function knownShown(request: TestServerRequest | undefined): number {
  const messages: Array<{ role: string; content: unknown }> = request?.body?.messages ?? [];
  const prompt = String(messages.find((message) => message.role === 'user')?.content ?? '');
  const section = /KNOWN MEMORIES:\n([\s\S]*?)\n\nNEW TURNS:/.exec(prompt)?.[1] ?? '';
  return section.split('\n').filter((line) => /^\d+\. /.test(line)).length;
}

async function prefillScope(
  store: MemoryStore,
  scope: Scope,
  sample: LocomoSample,
  count: number,
  ids: () => string,
) {
  const turns = locomoConversationMessages(sample).flatMap((session) => session.messages);
  const writes: MemoryWrite[] = [];
  for (let index = 0; index < count; index++) {
    const turn = turns[index % Math.max(1, turns.length)];
    const source: Message = {
      id: ids(),
      scope,
      role: 'user',
      content: turn?.content ?? `note ${index}`,
      observedAt: new Date(Date.UTC(2020, 0, 1) + index * 60_000).toISOString(),
      seq: index + 1,
      metadata: {},
      createdAt: new Date(Date.UTC(2020, 0, 1)).toISOString(),
    };
    const text = `Earlier note ${index}: ${(turn?.content ?? '').slice(0, 160)}`;
    writes.push({
      ...buildInferredMemory({
        id: ids(),
        scope,
        kind: 'fact',
        text,
        sources: [source],
        importance: 0.5,
        now: Date.UTC(2020, 0, 2),
      }),
    });
  }
  for (let offset = 0; offset < writes.length; offset += 500) {
    await store.insertMemories({
      memories: writes.slice(offset, offset + 500),
      actor: 'bench',
      at: Date.UTC(2020, 0, 2),
    });
  }
}

interface ReplayBatchInput {
  store: MemoryStore;
  server: OpenAICompatibleTestServer;
  llm: LanguageModel;
  embedder: EmbeddingModel;
  clock: ReturnType<typeof createFixedClock>;
  ids: () => string;
  options: InferCostBenchOptions;
  scope: Scope;
  userScope: Scope;
  conversation: string;
  batch: LocomoMessage[];
  result: InferCostBenchResult;
}

/** Logs one batch (as the SDK does), runs inferMemories on it and records what it cost. */
async function replayBatch(input: ReplayBatchInput): Promise<void> {
  const { store, server, clock, ids, batch, result } = input;
  const storeSize = (await store.stats({ scope: input.userScope })).currentMemories;
  const logged = await store.appendMessages({
    messages: batch.map((message) => ({
      id: ids(),
      scope: input.scope,
      role: 'user' as const,
      name: message.name,
      content: message.content,
      observedAt: message.observedAt,
      metadata: message.metadata,
      createdAt: clock.now(),
    })),
  });
  server.addReplies(scriptedOperations);
  const before = server.requests.length;
  const inferred = await inferMemories({
    store,
    llm: input.llm,
    embedder: input.embedder,
    clock,
    ids,
    scope: input.scope,
    newMessages: logged,
    limits: {
      maxExistingMemories: input.options.maxExistingMemories,
      maxPreviousTurns: input.options.maxPreviousTurns,
    },
    actor: 'bench',
  });
  result.turns += batch.length;
  result.memoriesWritten += inferred.memories.length;
  result.batches.push({
    conversation: input.conversation,
    storeSize,
    llmCalls: server.requests.length - before,
    inputTokens: inferred.usage.inputTokens,
    outputTokens: inferred.usage.outputTokens,
    knownShown: knownShown(server.requests.at(-1)),
    turns: batch.length,
  });
  clock.advance(1_000);
}

/**
 * Replays every session of the given LoCoMo samples in batches of `batchSize` turns: each batch is logged
 * (as the SDK does) and then run through inferMemories against a real local OpenAI-compatible server
 * that answers per the JSON schema (ADD/NOOP). Records calls, tokens and prompt size per batch.
 *
 * @example
 * const result = await runInferCostBench({ samples, batchSize: 4, maxExistingMemories: 20, maxPreviousTurns: 6, prefill: 0 });
 */
export async function runInferCostBench(
  options: InferCostBenchOptions,
  onProgress: (line: string) => void = () => {},
): Promise<InferCostBenchResult> {
  const directory = await mkdtemp(join(tmpdir(), 'mnemo-infer-bench-'));
  const store = createSqliteStore({ path: join(directory, 'bench.db') });
  await store.init();
  const server = await createOpenAICompatibleTestServer();
  try {
    const llm = createOpenAICompatibleLanguageModel({
      baseURL: server.baseURL,
      model: 'scripted',
      retryBaseDelayMs: 1,
    });
    const embedder = createBuiltinEmbedder();
    await store.setEmbeddingSpace({
      space: { model: embeddingModelKey(embedder), dimensions: embedder.dimensions },
    });
    const clock = createFixedClock(Date.UTC(2026, 10, 21));
    const ids = createUuidV7Generator(() => clock.now());
    const replay = { store, server, llm, embedder, clock, ids, options };
    const result: InferCostBenchResult = {
      conversations: options.samples.length,
      turns: 0,
      batches: [],
      memoriesWritten: 0,
      serverRequests: 0,
      serverInputTokens: 0,
      serverOutputTokens: 0,
    };
    for (const sample of options.samples) {
      const userScope: Scope = { tenantId: 'default', userId: sample.sample_id };
      if (options.prefill > 0) await prefillScope(store, userScope, sample, options.prefill, ids);
      for (const session of locomoConversationMessages(sample)) {
        const scope: Scope = { ...userScope, sessionId: session.sessionId };
        for (let offset = 0; offset < session.messages.length; offset += options.batchSize) {
          const batch = session.messages.slice(offset, offset + options.batchSize);
          await replayBatch({ ...replay, scope, userScope, conversation: sample.sample_id, batch, result });
        }
      }
      onProgress(`${sample.sample_id}: ${result.batches.length} batches so far`);
    }
    result.serverRequests = server.requests.length;
    const totals = result.batches.reduce(
      (sum, batch) => ({ input: sum.input + batch.inputTokens, output: sum.output + batch.outputTokens }),
      { input: 0, output: 0 },
    );
    result.serverInputTokens = totals.input;
    result.serverOutputTokens = totals.output;
    return result;
  } finally {
    await server.close();
    await store.close();
    await rm(directory, { recursive: true, force: true });
  }
}

const BUCKETS = [0, 50, 100, 200, 400, 800, 1_600, 3_200, 6_400];

/** Markdown report: calls per batch, tokens per message, and max prompt tokens by store size. */
export function formatInferCostReport(result: InferCostBenchResult, options: InferCostBenchOptions): string {
  const batches = result.batches;
  const maxCalls = Math.max(0, ...batches.map((batch) => batch.llmCalls));
  const totalCalls = batches.reduce((sum, batch) => sum + batch.llmCalls, 0);
  const tokens = result.serverInputTokens + result.serverOutputTokens;
  const lines = [
    `| measure | value |`,
    `| --- | --- |`,
    `| conversations / turns / batches | ${result.conversations} / ${result.turns} / ${batches.length} (batch ${options.batchSize} turns) |`,
    `| LLM calls per batch (max / mean) | ${maxCalls} / ${(totalCalls / Math.max(1, batches.length)).toFixed(2)} |`,
    `| input + output tokens | ${result.serverInputTokens} + ${result.serverOutputTokens} |`,
    `| tokens per ingested message | ${(tokens / Math.max(1, result.turns)).toFixed(0)} |`,
    `| memories written | ${result.memoriesWritten} |`,
    `| max known memories shown in one prompt | ${Math.max(0, ...batches.map((batch) => batch.knownShown))} (limit ${options.maxExistingMemories}) |`,
    '',
    '| memories in scope | batches | max prompt tokens | mean prompt tokens |',
    '| --- | --- | --- | --- |',
  ];
  BUCKETS.forEach((low, index) => {
    const high = BUCKETS[index + 1] ?? Number.POSITIVE_INFINITY;
    const inBucket = batches.filter((batch) => batch.storeSize >= low && batch.storeSize < high);
    if (inBucket.length === 0) return;
    const prompts = inBucket.map((batch) => batch.inputTokens);
    const mean = prompts.reduce((sum, value) => sum + value, 0) / prompts.length;
    const label = Number.isFinite(high) ? `${low}–${high - 1}` : `${low}+`;
    lines.push(`| ${label} | ${inBucket.length} | ${Math.max(...prompts)} | ${mean.toFixed(0)} |`);
  });
  return lines.join('\n');
}
