// Buffered ingestion: a durable queue of logged messages awaiting inference, and the drain that batches them.
import type { Clock } from '../../core/clock.js';
import { isMnemoError, type MnemoError, toMnemoError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import type { MemoryRecord, Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { EmbeddingModel } from '../../models/embedding-model.js';
import type { LanguageModel } from '../../models/language-model.js';
import type { MemoryStore } from '../../store/memory-store.js';
import type { AddUsage } from '../add-messages.js';
import { inferMemories } from './infer-memories.js';

/** A batch that is ready: messages of one session scope, in log order. */
export interface ReadyBatch {
  scope: Scope;
  messageIds: string[];
}

/** When a session's pending messages are inferred: enough of them, or the oldest waited long enough. */
export interface BatchPolicy {
  minBatch: number;
  maxWaitMs: number;
  /** At most this many messages per inference call. */
  maxBatch: number;
}

export const batchPolicyDefaults: BatchPolicy = { minBatch: 4, maxWaitMs: 60_000, maxBatch: 16 };

/**
 * A durable queue of logged messages waiting for inference, kept beside the store. Store-agnostic;
 * `createSqliteInferenceQueue` implements it for SQLite.
 */
export interface InferenceQueue extends AsyncDisposable {
  /** Opens and migrates the queue. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Queues logged messages (ids already in the store); queuing one twice keeps one entry. */
  enqueue(input: { messages: Message[]; at: number }): Promise<void>;
  /** Pending batches that satisfy the policy, oldest first, at most `limit` of them. */
  ready(input: { now: number; policy: BatchPolicy; limit: number }): Promise<ReadyBatch[]>;
  /** Removes inferred messages from the queue. */
  complete(input: { messageIds: string[] }): Promise<void>;
  /** Marks messages whose inference failed (kept for `retry`, with the error code and message). */
  fail(input: { messageIds: string[]; error: MnemoError; at: number }): Promise<void>;
  /** Failed entries, oldest first. */
  listFailed(input: {
    limit: number;
  }): Promise<Array<{ messageId: string; scope: Scope; code: string; error: string; attempts: number }>>;
  /** Puts failed messages back in the queue. */
  retry(input: { messageIds: string[] }): Promise<void>;
  /** How many messages are pending and failed. */
  counts(): Promise<{ pending: number; failed: number }>;
}

export interface DrainInferenceQueueInput {
  queue: InferenceQueue;
  store: MemoryStore;
  llm: LanguageModel;
  embedder?: EmbeddingModel;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
  policy?: Partial<BatchPolicy>;
  /** At most this many batches per drain (default 100). */
  maxBatches?: number;
}

export interface DrainInferenceQueueResult {
  batches: number;
  memories: MemoryRecord[];
  usage: AddUsage;
  failures: Array<{ messageIds: string[]; error: MnemoError }>;
  warnings: string[];
}

/**
 * Infers every ready batch of the queue: one `inferMemories` call per batch; completed batches leave
 * the queue, failed ones are marked failed (their messages stay in the log) and reported.
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
  const ready = await input.queue.ready({ now, policy, limit: input.maxBatches ?? 100 });
  const result: DrainInferenceQueueResult = {
    batches: 0,
    memories: [],
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, embeddingCalls: 0, latencyMs: 0 },
    failures: [],
    warnings: [],
  };
  for (const batch of ready) {
    const messages = await input.store.getMessages({ scope: batch.scope, ids: batch.messageIds });
    messages.sort((left, right) => left.seq - right.seq);
    if (messages.length === 0) {
      // The messages were forgotten since they were queued: nothing left to infer.
      await input.queue.complete({ messageIds: batch.messageIds });
      continue;
    }
    try {
      const inferred = await inferMemories({
        store: input.store,
        llm: input.llm,
        ...(input.embedder === undefined ? {} : { embedder: input.embedder }),
        clock: input.clock,
        ids: input.ids,
        scope: batch.scope,
        newMessages: messages,
        actor: input.actor,
      });
      await input.queue.complete({ messageIds: batch.messageIds });
      result.batches++;
      result.memories.push(...inferred.memories);
      result.warnings.push(...inferred.warnings);
      for (const key of ['llmCalls', 'inputTokens', 'outputTokens', 'embeddingCalls'] as const) {
        result.usage[key] += inferred.usage[key];
      }
    } catch (error) {
      if (!isMnemoError(error) || (error.code !== 'LLM_FAILED' && error.code !== 'LLM_OUTPUT_INVALID'))
        throw error;
      const failure = toMnemoError(error);
      await input.queue.fail({ messageIds: batch.messageIds, error: failure, at: now });
      result.failures.push({ messageIds: batch.messageIds, error: failure });
    }
  }
  result.usage.latencyMs = Math.round((performance.now() - started) * 100) / 100;
  return result;
}
