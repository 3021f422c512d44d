// Queue work of the write path: drain buffered batches, replay failed extractions, list failures. Each step
// reports memories, usage per scope, failures and warnings into one WorkLog.

import type { Clock } from '../../core/clock.js';
import { isMnemoError, type MnemoError } from '../../core/errors.js';
import type { GraphStep } from '../../core/graph.js';
import type { IdGenerator } from '../../core/ids.js';
import type { MemoryRecord, Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { EmbeddingModel } from '../../models/embedding-model.js';
import type { LanguageModel } from '../../models/language-model.js';
import type { MemoryStore } from '../../store/memory-store.js';
import { createUsageLedger, type UsageLedger } from '../usage-ledger.js';
import { reprocessMessages } from './infer-memories.js';
import { type BatchPolicy, drainInferenceQueue, type InferenceQueue } from './inference-queue.js';

/** What inference work needs: the store, its queue, the models and the write conventions. */
export interface InferenceContext {
  store: MemoryStore;
  queue: InferenceQueue;
  llm: LanguageModel;
  embedder: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
  actor: string;
  limits?: { maxExistingMemories?: number | undefined; maxPreviousTurns?: number | undefined } | undefined;
  policy: BatchPolicy;
  /** Links each new memory into the knowledge graph (absent with the graph off). */
  graph?: GraphStep | undefined;
}

/** An extraction that failed: the batch's scope and messages, and the typed error. */
export interface InferenceFailure {
  scope: Scope;
  messageIds: string[];
  error: { code: string; message: string };
}

/** A message whose extraction failed, as `failures()` lists it. */
export interface ExtractionFailure {
  messageId: string;
  scope: Scope;
  /** `LLM_FAILED` (the model call failed after retries) or `LLM_OUTPUT_INVALID` (unusable after one repair). */
  code: string;
  message: string;
  /** Failed attempts so far. */
  attempts: number;
  /** The latest failure, ISO-8601 UTC. */
  failedAt: string;
}

/** What one SDK call did: written memories, usage per scope, failures and warnings. */
export interface WorkLog {
  memories: MemoryRecord[];
  ledger: UsageLedger;
  failures: InferenceFailure[];
  warnings: string[];
  /** Inference batches that succeeded. */
  batches: number;
}

/** An empty WorkLog for one SDK call. */
export function createWorkLog(): WorkLog {
  return { memories: [], ledger: createUsageLedger(), failures: [], warnings: [], batches: 0 };
}

/** True for the errors a model can cause: they mark messages failed; anything else is thrown. */
export function isModelError(error: unknown): error is MnemoError {
  return isMnemoError(error) && (error.code === 'LLM_FAILED' || error.code === 'LLM_OUTPUT_INVALID');
}

function describeFailure(scope: Scope, messageIds: string[], error: MnemoError): InferenceFailure {
  return { scope, messageIds, error: { code: error.code, message: error.message } };
}

/**
 * Infers queued batches inside `scope`: those the batch policy says are due, or with `force` every
 * pending message (a flush), batch after batch until none is left.
 *
 * @example
 * await drainQueue(context, { scope, force: true, maxBatches: 100 }, log);
 */
export async function drainQueue(
  context: InferenceContext,
  input: { scope?: Scope | undefined; force: boolean; maxBatches: number },
  log: WorkLog,
): Promise<void> {
  const policy = input.force ? { ...context.policy, minBatch: 1, maxWaitMs: 0 } : context.policy;
  for (;;) {
    const drained = await drainInferenceQueue({
      queue: context.queue,
      store: context.store,
      llm: context.llm,
      embedder: context.embedder,
      limits: context.limits,
      scope: input.scope,
      clock: context.clock,
      ids: context.ids,
      actor: context.actor,
      graph: context.graph,
      policy,
      maxBatches: input.maxBatches,
    });
    log.memories.push(...drained.memories);
    log.warnings.push(...drained.warnings);
    log.batches += drained.batches;
    for (const batch of drained.inferred) log.ledger.add(batch.scope, batch.usage);
    for (const failure of drained.failures) {
      log.failures.push(describeFailure(failure.scope, failure.messageIds, failure.error));
      log.warnings.push(
        `Extraction of ${failure.messageIds.length} buffered message(s) failed (${failure.error.code}); they are stored and listed by failures().`,
      );
    }
    const handled = drained.batches + drained.failures.length + drained.dropped;
    if (!input.force || handled === 0) return;
  }
}

/**
 * Re-runs extraction with `reprocessMessages` for recorded failures inside `scope` (or among
 * `messageIds`), one session at a time in `maxBatch` slices. Success clears the failure; a new model
 * failure is recorded again (attempts + 1). Ids without a recorded failure are re-extracted too when
 * they are found inside `scope`. Returns how many messages were re-extracted.
 *
 * @example
 * const reprocessed = await reprocessFailures(context, { scope }, log);
 */
export async function reprocessFailures(
  context: InferenceContext,
  input: { scope?: Scope | undefined; messageIds?: string[] | undefined },
  log: WorkLog,
): Promise<number> {
  const failed = await context.queue.listFailed({
    limit: 100_000,
    scope: input.scope,
    messageIds: input.messageIds,
  });
  const groups = new Map<string, { scope: Scope; messageIds: string[] }>();
  const addTo = (scope: Scope, messageId: string) => {
    const key = JSON.stringify([scope.tenantId, scope.userId, scope.agentId, scope.sessionId]);
    const group = groups.get(key) ?? { scope, messageIds: [] };
    group.messageIds.push(messageId);
    groups.set(key, group);
  };
  for (const entry of failed) addTo(entry.scope, entry.messageId);
  const known = new Set(failed.map((entry) => entry.messageId));
  const others = (input.messageIds ?? []).filter((id) => !known.has(id));
  if (others.length > 0) {
    const found =
      input.scope === undefined ? [] : await context.store.getMessages({ scope: input.scope, ids: others });
    for (const message of found) addTo(message.scope, message.id);
    const missing = others.length - found.length;
    if (missing > 0) {
      log.warnings.push(
        `${missing} message id(s) have no recorded failure${input.scope === undefined ? ' (pass a scope to re-extract logged messages anyway)' : ' and were not found in this scope'}.`,
      );
    }
  }
  let reprocessed = 0;
  for (const group of groups.values()) reprocessed += await reprocessGroup(context, group, log);
  return reprocessed;
}

async function reprocessGroup(
  context: InferenceContext,
  group: { scope: Scope; messageIds: string[] },
  log: WorkLog,
): Promise<number> {
  const messages = await context.store.getMessages({ scope: group.scope, ids: group.messageIds });
  messages.sort((left, right) => left.seq - right.seq);
  if (messages.length < group.messageIds.length) {
    const present = new Set(messages.map((message) => message.id));
    await context.queue.complete({ messageIds: group.messageIds.filter((id) => !present.has(id)) });
    log.warnings.push(
      `${group.messageIds.length - messages.length} failed message(s) were forgotten since; their failures were dropped.`,
    );
  }
  let reprocessed = 0;
  for (let offset = 0; offset < messages.length; offset += context.policy.maxBatch) {
    const slice: Message[] = messages.slice(offset, offset + context.policy.maxBatch);
    const messageIds = slice.map((message) => message.id);
    try {
      const result = await reprocessMessages({
        store: context.store,
        llm: context.llm,
        embedder: context.embedder,
        limits: context.limits,
        clock: context.clock,
        ids: context.ids,
        scope: group.scope,
        messages: slice,
        actor: context.actor,
        graph: context.graph,
      });
      await context.queue.complete({ messageIds });
      log.memories.push(...result.memories);
      log.warnings.push(...result.warnings);
      log.ledger.add(group.scope, result.usage);
      log.batches++;
      reprocessed += slice.length;
    } catch (error) {
      if (!isModelError(error)) throw error;
      await context.queue.recordFailure({ messages: slice, error, at: context.clock.now() });
      log.failures.push(describeFailure(group.scope, messageIds, error));
      log.warnings.push(`Reprocessing ${slice.length} message(s) failed again (${error.code}).`);
    }
  }
  return reprocessed;
}

/**
 * Recorded extraction failures inside `scope`, oldest first.
 *
 * @example
 * const failures = await listFailures(queue, { scope, limit: 100 });
 */
export async function listFailures(
  queue: InferenceQueue,
  input: { scope?: Scope | undefined; limit: number },
): Promise<ExtractionFailure[]> {
  const entries = await queue.listFailed({
    limit: input.limit,
    scope: input.scope,
  });
  return entries.map((entry) => ({
    messageId: entry.messageId,
    scope: entry.scope,
    code: entry.code,
    message: entry.message,
    attempts: entry.attempts,
    failedAt: new Date(entry.failedAt).toISOString(),
  }));
}
