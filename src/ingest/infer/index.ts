// The inferred-memory write path: one LLM call per batch extracts and reconciles facts, profile and procedures.

export {
  createPostgresInferenceQueue,
  createSqliteInferenceQueue,
  type PostgresInferenceQueueOptions,
} from '../../store/queue/sql-inference-queue.js';
export { type ApplyResult, EXPLICIT_IMPORTANCE } from './apply-operations.js';
export { buildInferredMemory, parseModelDate } from './build-inferred-memory.js';
export { getProfile, type Profile, type ProfileSlot } from './get-profile.js';
export {
  buildInferSystemPrompt,
  buildInferUserPrompt,
  inferLimitDefaults,
  memoryScopeOf,
} from './infer-context.js';
export {
  type InferMemoriesInput,
  type InferMemoriesResult,
  inferMemories,
  type ReprocessMessagesInput,
  reprocessMessages,
} from './infer-memories.js';
export {
  type AppliedOperation,
  defaultProfileTopics,
  type InferOperation,
  type InferResponse,
  inferResponseSchema,
} from './infer-schema.js';
export {
  type BatchPolicy,
  batchPolicyDefaults,
  DEFAULT_CLAIM_LEASE_MS,
  type DrainedBatch,
  type DrainInferenceQueueInput,
  type DrainInferenceQueueResult,
  drainInferenceQueue,
  type FailedInference,
  type InferenceQueue,
  type ReadyBatch,
  type SessionActivity,
} from './inference-queue.js';
