// The one policy for embedding what the store keeps, used by every writer: declare the space when the store
// has none, refuse (with a warning, never an error) to mix spaces, batch by the model's limit, count calls.
import { type EmbeddingModel, embeddingModelKey, embeddingSpaceMismatch } from '../models/embedding-model.js';
import type { MemoryStore, MemoryWrite, ReindexWrite } from '../store/memory-store.js';

// Who uses it: add (add-messages.ts), hand-written memories (direct-memory.ts), inference
// (infer/apply-operations.ts), summaries (lifecycle/summarize-session.ts), update (revise-memory.ts), core
// blocks and profile slots (context/keyed-memories.ts), neighbour re-indexing (episode-neighbours.ts,
// repair-orphans.ts) and reembed (lifecycle/reembed.ts). Search only reads vectors (retrieve/vector-candidates.ts)
// and reports a mismatch in the same words (`embeddingSpaceMismatch`).
//
// Caching is deliberately not done here: a remote embedder reaches every writer already wrapped in the cached
// embedder (models/cached-embedder.ts, wired by sdk/resolve-embedder.ts), which embeds each distinct text
// once, in memory and in the store's embedding cache. So a text any writer embedded before (or before a
// restart) costs no call here, and `calls` counts only what was really spent. The built-in embedder is
// local and cheap, and is not cached.

/** The store, the embedder (none: nothing is embedded) and nothing else: what every writer passes. */
export interface EmbeddingTarget {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
}

export interface EmbeddedDocuments {
  /** One vector per text, in order; empty when nothing was embedded. */
  vectors: Float32Array[];
  /** `provider:model:dimensions` of the vectors, when there are any. */
  model?: string;
  /** Embedding calls made. */
  calls: number;
  warnings: string[];
}

/**
 * Embeds documents for the store. Without an embedder, or when the store's vectors come from another
 * model, nothing is embedded and a warning says how to switch (`mnemo reembed`).
 *
 * @example
 * const { vectors, model, calls, warnings } = await embedDocuments({ store, embedder, texts: ['I moved to Lisbon'] });
 */
export async function embedDocuments(
  input: EmbeddingTarget & { texts: readonly string[] },
): Promise<EmbeddedDocuments> {
  const { embedder, store, texts } = input;
  if (embedder === undefined || texts.length === 0) return { vectors: [], calls: 0, warnings: [] };
  const model = embeddingModelKey(embedder);
  const space = await store.getEmbeddingSpace();
  if (space !== undefined && space.model !== model) {
    const consequence = 'memories were stored without vectors';
    return {
      vectors: [],
      calls: 0,
      warnings: [embeddingSpaceMismatch({ stored: space.model, embedder: model, consequence })],
    };
  }
  if (space === undefined)
    await store.setEmbeddingSpace({ space: { model, dimensions: embedder.dimensions } });
  const vectors: Float32Array[] = [];
  let calls = 0;
  const size = Math.max(1, embedder.maxEmbeddingsPerCall);
  for (let offset = 0; offset < texts.length; offset += size) {
    const result = await embedder.embed({ values: texts.slice(offset, offset + size), purpose: 'document' });
    calls += result.usage.calls;
    vectors.push(...result.embeddings);
  }
  return { vectors, model, calls, warnings: [] };
}

/**
 * Embeds the index texts of memory writes and re-indexed episodes in one batched pass and attaches the
 * vectors in place: `embedding` on each, and `record.embeddingModel` on each memory that got one. What
 * gets no vector (no embedder, another space) is written without one, and `warnings` says so.
 *
 * @example
 * const write = { record, tokens };
 * const { calls, warnings } = await embedWrites({ store, embedder, memories: [write], reindex: [] });
 * await store.insertMemories({ memories: [write], actor: 'sdk', at: Date.now() });
 */
export async function embedWrites(
  input: EmbeddingTarget & { memories?: readonly MemoryWrite[]; reindex?: readonly ReindexWrite[] },
): Promise<{ calls: number; warnings: string[] }> {
  const memories = input.memories ?? [];
  const reindex = input.reindex ?? [];
  const embedded = await embedDocuments({
    store: input.store,
    embedder: input.embedder,
    texts: [...memories.map((write) => write.record.indexText), ...reindex.map((write) => write.indexText)],
  });
  for (const [index, write] of memories.entries()) {
    const vector = embedded.vectors[index];
    if (vector === undefined || embedded.model === undefined) continue;
    write.embedding = vector;
    write.record.embeddingModel = embedded.model;
  }
  for (const [index, write] of reindex.entries()) {
    const vector = embedded.vectors[memories.length + index];
    if (vector !== undefined) write.embedding = vector;
  }
  return { calls: embedded.calls, warnings: embedded.warnings };
}

/**
 * Makes the embedder's model the store's embedding space, replacing another one (the first step of
 * `reembed`: after it, `embedDocuments` embeds for the new space, and vectors of the old one are stale).
 * Returns the space's key.
 *
 * @example
 * const model = await switchEmbeddingSpace({ store, embedder });
 */
export async function switchEmbeddingSpace(input: {
  store: MemoryStore;
  embedder: EmbeddingModel;
}): Promise<string> {
  const model = embeddingModelKey(input.embedder);
  const space = await input.store.getEmbeddingSpace();
  await input.store.setEmbeddingSpace({
    space: { model, dimensions: input.embedder.dimensions },
    replace: space?.model !== model,
  });
  return model;
}
