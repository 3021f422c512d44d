// Places the inference queue beside the store: the SQLite file itself, the PostgreSQL schema, else in memory.
import type { InferenceQueue } from '../ingest/infer/inference-queue.js';
import type { MemoryStore } from '../store/memory-store.js';
import { createSqliteInferenceQueue } from '../store/queue/sql-inference-queue.js';

export interface ResolvedInferenceQueue {
  queue: InferenceQueue;
  /** False when the queue lives in process memory only (a `:memory:` store or an unknown store type). */
  durable: boolean;
  /** Why the queue is not durable, for `status().warnings`. */
  warning?: string;
}

/**
 * Opens the queue for buffered ingestion, extraction failures and session activity where the store lives:
 * whatever the store offers (`openInferenceQueue`: the same SQLite file, or the same PostgreSQL schema and
 * pool). A store without one gets an in-memory queue unless `queue` is given.
 *
 * @example
 * const { queue } = await resolveInferenceQueue({ store });
 */
export async function resolveInferenceQueue(input: {
  store: MemoryStore;
  queue?: InferenceQueue;
}): Promise<ResolvedInferenceQueue> {
  const { store } = input;
  let resolved: ResolvedInferenceQueue;
  if (input.queue !== undefined) resolved = { queue: input.queue, durable: true };
  else if (store.openInferenceQueue !== undefined) {
    resolved = store.openInferenceQueue();
  } else {
    resolved = {
      queue: createSqliteInferenceQueue({ path: ':memory:' }),
      durable: false,
      warning:
        'The inference queue (buffered messages, extraction failures) is kept in memory for this custom store; pass `inferenceQueue` to createMemory to make it durable.',
    };
  }
  await resolved.queue.init();
  return resolved;
}
