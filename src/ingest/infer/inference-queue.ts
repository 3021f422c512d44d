// Buffered ingestion: a durable queue of logged messages awaiting inference, and the drain that batches them.

import type { Clock } from '../../core/clock.js';
import { isMnemoError, type MnemoError, toMnemoError } from '../../core/errors.js';
import type { GraphStep } from '../../core/graph.js';
import type { IdGenerator } from '../../core/ids.js';
import type { MemoryRecord, Usage } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { EmbeddingModel } from '../../models/embedding-model.js';
import type { LanguageModel } from '../../models/language-model.js';
import type { MemoryStore } from '../../store/memory-store.js';
import {
  type BatchPolicy,
  batchPolicyDefaults,
  type InferenceQueue,
  type ReadyBatch,
} from '../../store/queue/inference-queue.js';
import { inferMemories } from './infer-memories.js';

export {
  type BatchPolicy,
  batchPolicyDefaults,
  DEFAULT_CLAIM_LEASE_MS,
  type FailedInference,
  type InferenceQueue,
  type ReadyBatch,
  type SessionActivity,
} from '../../store/queue/inference-queue.js';

export interface DrainInferenceQueueInput {
  queue: InferenceQueue;
  store: MemoryStore;
  llm: LanguageModel;
  embedder?: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
  policy?: Partial<BatchPolicy> | undefined;
  /** Only batches inside this scope. */
  scope?: Scope | undefined;
  /** At most this many batches per drain (default 100). */
  maxBatches?: number | undefined;
  limits?: { maxExistingMemories?: number | undefined; maxPreviousTurns?: number | undefined } | undefined;
  leaseMs?: number | undefined;
  /** Links each new memory into the knowledge graph (absent with the graph off). */
  graph?: GraphStep | undefined;
}

/** One inferred batch: its scope, its messages and what its inference cost. */
export interface DrainedBatch {
  scope: Scope;
  messageIds: string[];
  usage: Usage;
}

export interface DrainInferenceQueueResult {
  batches: number;
  memories: MemoryRecord[];
  /** LLM and embedding work summed over the batches; `latencyMs` is the whole drain's wall time. */
  usage: Usage;
  /** Each inferred batch with its own usage (for accounting per scope). */
  inferred: DrainedBatch[];
  failures: Array<{ scope: Scope; messageIds: string[]; error: MnemoError }>;
  /** Queued messages that were forgotten before their turn, dropped from the queue. */
  dropped: number;
  warnings: string[];
}

/**
 * Infers every ready batch of the queue: one `inferMemories` call per batch; completed batches leave
 * the queue, failed ones are marked failed (their messages stay in the log) and reported. Batches are
 * claimed first, so concurrent drains never infer the same message twice.
 *
 * @example
 * await queue.enqueue({ messages: logged, at: Date.now() });
 * const { batches, failures } = await drainInferenceQueue({ queue, store, llm, clock: systemClock, ids: uuidV7, actor: 'worker' });
 */
export async function drainInferenceQueue(
  input: DrainInferenceQueueInput,
): Promise<DrainInferenceQueueResult> {
  const started = performance.now();
  const policy: BatchPolicy = { ...batchPolicyDefaults, ...input.policy };
  const now = input.clock.now();
  const claimed = await input.queue.claim({
    now,
    policy,
    limit: input.maxBatches ?? 100,
    scope: input.scope,
    leaseMs: input.leaseMs,
  });
  const result: DrainInferenceQueueResult = {
    batches: 0,
    memories: [],
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, embeddingCalls: 0, latencyMs: 0 },
    inferred: [],
    failures: [],
    dropped: 0,
    warnings: [],
  };
  for (const [index, batch] of claimed.entries()) {
    try {
      await drainBatch(input, batch, now, result);
    } catch (error) {
      // Not the model's fault (store, embedder…): hand this and the unstarted batches back, then report.
      const unstarted = claimed.slice(index).flatMap((item) => item.messageIds);
      await input.queue.release({ messageIds: unstarted });
      throw error;
    }
  }
  result.usage.latencyMs = Math.round((performance.now() - started) * 100) / 100;
  return result;
}

async function drainBatch(
  input: DrainInferenceQueueInput,
  batch: ReadyBatch,
  now: number,
  result: DrainInferenceQueueResult,
): Promise<void> {
  const messages = await input.store.getMessages({ scope: batch.scope, ids: batch.messageIds });
  messages.sort((left, right) => left.seq - right.seq);
  if (messages.length < batch.messageIds.length) {
    // Some messages were forgotten since they were queued: nothing left to infer for them.
    const present = new Set(messages.map((message) => message.id));
    const gone = batch.messageIds.filter((id) => !present.has(id));
    await input.queue.complete({ messageIds: gone });
    result.dropped += gone.length;
    if (messages.length === 0) return;
  }
  const messageIds = messages.map((message) => message.id);
  try {
    const inferred = await inferMemories({
      store: input.store,
      llm: input.llm,
      embedder: input.embedder,
      limits: input.limits,
      clock: input.clock,
      ids: input.ids,
      scope: batch.scope,
      newMessages: messages,
      actor: input.actor,
      graph: input.graph,
    });
    await input.queue.complete({ messageIds });
    result.batches++;
    result.memories.push(...inferred.memories);
    result.warnings.push(...inferred.warnings);
    result.inferred.push({ scope: batch.scope, messageIds, usage: inferred.usage });
    for (const key of ['llmCalls', 'inputTokens', 'outputTokens', 'embeddingCalls'] as const) {
      result.usage[key] += inferred.usage[key];
    }
  } catch (error) {
    if (!isMnemoError(error) || (error.code !== 'LLM_FAILED' && error.code !== 'LLM_OUTPUT_INVALID'))
      throw error;
    const failure = toMnemoError(error);
    await input.queue.fail({ messageIds, error: failure, at: now });
    result.failures.push({ scope: batch.scope, messageIds, error: failure });
  }
}
