// The inference queue's contract: a durable queue of logged messages awaiting inference, kept beside the
// store (its drain lives in ingest/infer/inference-queue.ts).
import type { MnemoError } from '../../core/errors.js';
import type { Message } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';

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
 * `createSqliteInferenceQueue`, `createPostgresInferenceQueue` (one implementation over the Dialect seam:
 * store/queue/sql-inference-queue.ts).
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
