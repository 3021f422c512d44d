// Copies every row of one store into another (SQLite ⇄ PostgreSQL), embeddings included, then verifies counts.
import { MnemoError } from '../core/errors.js';
import type { MemoryStore, RestoreCounts, StoreDumpRow } from './memory-store.js';

export interface CopyStoreProgress {
  messages: number;
  memories: number;
  history: number;
  /** Rows read from the source so far. */
  rows: number;
  /** Total rows expected (messages + memories in the source); history is counted as it comes. */
  expected: number;
}

export interface CopyStoreResult {
  copied: RestoreCounts;
  source: { messages: number; memories: number };
  target: { messages: number; memories: number };
  embeddingSpace?: { model: string; dimensions: number };
}

/**
 * Streams `from.dump({ includeEmbeddings: true })` into `to.restore()` in batches, keeping ids, times and
 * vectors, then checks that the target holds at least every message and memory of the source.
 *
 * @example
 * const result = await copyStore({ from: sqliteStore, to: postgresStore, onProgress: (p) => bar.update(p.rows) });
 */
export async function copyStore(input: {
  from: MemoryStore;
  to: MemoryStore;
  batchSize?: number;
  onProgress?: (progress: CopyStoreProgress) => void;
}): Promise<CopyStoreResult> {
  const { from, to } = input;
  const batchSize = input.batchSize ?? 500;
  const sourceStats = await from.stats();
  const targetSpace = await to.getEmbeddingSpace();
  if (
    sourceStats.embeddingSpace !== undefined &&
    targetSpace !== undefined &&
    targetSpace.model !== sourceStats.embeddingSpace.model
  ) {
    throw new MnemoError({
      code: 'EMBEDDING_MISMATCH',
      message: `The target holds vectors of ${targetSpace.model}, the source of ${sourceStats.embeddingSpace.model}; migrate into an empty store or re-embed one of them first.`,
    });
  }
  if (sourceStats.embeddingSpace !== undefined && targetSpace === undefined) {
    await to.setEmbeddingSpace({ space: sourceStats.embeddingSpace });
  }
  const copied: RestoreCounts = { messages: 0, memories: 0, history: 0, spaces: 0, grants: 0 };
  const progress: CopyStoreProgress = {
    ...copied,
    rows: 0,
    expected: sourceStats.messages + sourceStats.memories,
  };
  let batch: StoreDumpRow[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const counts = await to.restore({ rows: batch });
    copied.messages += counts.messages;
    copied.memories += counts.memories;
    copied.history += counts.history;
    copied.spaces += counts.spaces;
    copied.grants += counts.grants;
    batch = [];
    input.onProgress?.({ ...progress, ...copied });
  };
  for await (const row of from.dump({ includeEmbeddings: true })) {
    batch.push(row);
    progress.rows += 1;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  const targetStats = await to.stats();
  if (targetStats.messages < sourceStats.messages || targetStats.memories < sourceStats.memories) {
    throw new MnemoError({
      code: 'STORE_FAILED',
      message: `Migration incomplete: source has ${sourceStats.messages} messages and ${sourceStats.memories} memories, target ${targetStats.messages} and ${targetStats.memories}.`,
    });
  }
  return {
    copied,
    source: { messages: sourceStats.messages, memories: sourceStats.memories },
    target: { messages: targetStats.messages, memories: targetStats.memories },
    ...(sourceStats.embeddingSpace === undefined ? {} : { embeddingSpace: sourceStats.embeddingSpace }),
  };
}
