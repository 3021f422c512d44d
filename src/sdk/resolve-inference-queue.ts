// Places the inference queue beside the store: the SQLite file itself, the PostgreSQL schema, else in memory.
import type { InferenceQueue } from '../ingest/infer/inference-queue.js';
import { createPostgresInferenceQueue } from '../ingest/infer/postgres/postgres-inference-queue.js';
import { createSqliteInferenceQueue } from '../ingest/infer/sqlite/sqlite-inference-queue.js';
import type { MemoryStore } from '../store/memory-store.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

export interface ResolvedInferenceQueue {
  queue: InferenceQueue;
  /** False when the queue lives in process memory only (a `:memory:` store or an unknown store type). */
  durable: boolean;
  /** Why the queue is not durable, for `status().warnings`. */
  warning?: string;
}

/**
 * Opens the queue for buffered ingestion, extraction failures and session activity where the store lives:
 * the same SQLite file (its own tables and version table), or the same PostgreSQL schema and pool. A store
 * Mnemo does not know gets an in-memory queue unless `queue` is given.
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
  else if (store instanceof SqliteStore) {
    resolved = {
      queue: createSqliteInferenceQueue({
        path: store.path,
        busyTimeoutMs: store.busyTimeoutMs,
        synchronous: store.synchronous,
      }),
      durable: store.path !== ':memory:',
    };
  } else if (store instanceof PostgresStore) {
    resolved = {
      queue: createPostgresInferenceQueue({ pool: store.connectionPool(), schema: store.schemaName }),
      durable: true,
    };
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
