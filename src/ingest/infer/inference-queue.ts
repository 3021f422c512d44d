// Buffered ingestion: a durable queue of logged messages awaiting inference, and the drain that batches them.
import type { Clock } from '../../core/clock.js';
import { isMnemoError, type MnemoError, toMnemoError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import type { MemoryRecord, Message, Usage } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { EmbeddingModel } from '../../models/embedding-model.js';
import type { LanguageModel } from '../../models/language-model.js';
import type { MemoryStore } from '../../store/memory-store.js';
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

/** How long a claimed batch stays invisible to other drains before it is considered abandoned. */
export const DEFAULT_CLAIM_LEASE_MS = 10 * 60_000;

/** A message whose inference failed, kept until it is reprocessed (or its scope forgotten). */
export interface FailedInference {
  messageId: string;
  scope: Scope;
  /** The MnemoError code, e.g. `LLM_OUTPUT_INVALID`. */
  code: string;
  message: string;
  /** How many inference attempts failed. */
  attempts: number;
  /** Epoch ms of the latest failure. */
  failedAt: number;
}

/** A session with messages not yet folded into its summary (for automatic summaries). */
export interface SessionActivity {
  scope: Scope;
  /** Estimated tokens logged since the session was last summarised. */
  tokens: number;
  /** Epoch ms of the latest message. */
  lastAt: number;
}

/**
 * A durable queue of logged messages waiting for inference, kept beside the store, plus the bookkeeping
 * that rides along with it: failed extractions (for `reprocess`) and session activity (for automatic
 * summaries). It holds ids, scopes and counters only, never message content. Implementations:
 * `createSqliteInferenceQueue`, `createPostgresInferenceQueue`.
 */
export interface InferenceQueue extends AsyncDisposable {
  /** Where the queue lives, e.g. `sqlite` or `postgres`. */
  readonly provider: string;
  /** Opens and migrates the queue. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Queues logged messages (ids already in the store); queuing one twice keeps one entry. */
  enqueue(input: { messages: Message[]; at: number }): Promise<void>;
  /**
   * Claims pending batches that satisfy the policy, oldest first, at most `limit` of them, inside `scope`
   * when given. A session with a claimed batch is skipped, so one session is never inferred twice at once;
   * a claim older than `leaseMs` (default 10 minutes) is taken to be abandoned and becomes pending again.
   */
  claim(input: {
    now: number;
    policy: BatchPolicy;
    limit: number;
    scope?: Scope | undefined;
    leaseMs?: number | undefined;
  }): Promise<ReadyBatch[]>;
  /** Removes inferred messages from the queue (and clears their failure, if any). */
  complete(input: { messageIds: string[] }): Promise<void>;
  /** Marks queued messages whose inference failed (kept for `retry`, with the error code and message). */
  fail(input: { messageIds: string[]; error: MnemoError; at: number }): Promise<void>;
  /** Records a failed inference of messages that were not queued (an unbuffered add), or failed again. */
  recordFailure(input: { messages: Message[]; error: MnemoError; at: number }): Promise<void>;
  /** Returns claimed messages to the queue (after an error that was not the model's). */
  release(input: { messageIds: string[] }): Promise<void>;
  /** Failed entries, oldest failure first, inside `scope` and among `messageIds` when given. */
  listFailed(input: {
    limit: number;
    scope?: Scope | undefined;
    messageIds?: string[] | undefined;
  }): Promise<FailedInference[]>;
  /** Puts failed messages back in the queue. */
  retry(input: { messageIds: string[] }): Promise<void>;
  /** How many messages wait for inference (pending or claimed) and how many failed, inside `scope`. */
  counts(input?: { scope?: Scope | undefined }): Promise<{ pending: number; failed: number }>;
  /** Adds logged tokens to a session's unsummarised total and returns it. */
  noteSessionActivity(input: { scope: Scope; at: number; tokens: number }): Promise<SessionActivity>;
  /** Sessions with unsummarised tokens whose latest message is at or before `idleSince`, oldest first. */
  idleSessions(input: {
    idleSince: number;
    limit: number;
    scope?: Scope | undefined;
  }): Promise<SessionActivity[]>;
  /** Subtracts summarised tokens from a session's total; the session is dropped once it reaches zero. */
  settleSession(input: { scope: Scope; tokens: number }): Promise<void>;
  /** Drops every entry and session inside `scope` (used when the scope is forgotten). */
  discardScope(input: { scope: Scope }): Promise<void>;
}

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
