// The vector side of a search: whether vectors can be searched, the query embedding, the KNN, and
// pseudo-relevance feedback (the query vector moved toward its best candidates, then searched again).
import { MnemoError } from '../core/errors.js';
import type { Scope } from '../core/scope.js';
import { type EmbeddingModel, embeddingModelKey, embeddingSpaceMismatch } from '../models/embedding-model.js';
import type { MemoryFilter, MemoryStore, VectorHit } from '../store/memory-store.js';

/** What the vector side needs from a search. */
export interface VectorSearchInput {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  query: string;
  scope: Scope;
}

/** Mutable counters shared by the steps of one search. */
export interface SearchState {
  warnings: string[];
  embeddingCalls: number;
}

/** The embedder, when vector search can run with it; otherwise undefined, with a warning when it matters. */
export async function usableEmbedder(
  input: VectorSearchInput,
  state: SearchState,
): Promise<EmbeddingModel | undefined> {
  const { embedder, store } = input;
  if (embedder === undefined || input.query.trim() === '') return undefined;
  if (!store.capabilities.vectorSearch) {
    state.warnings.push(
      `Vector search is not available in this ${store.provider} store; results are lexical only.`,
    );
    return undefined;
  }
  const space = await store.getEmbeddingSpace();
  // No vectors stored yet: nothing to search, and nothing is wrong.
  if (space === undefined) return undefined;
  const key = embeddingModelKey(embedder);
  if (space.model !== key) {
    // A reader, not a writer: the same wording as the writers' (ingest/embed-documents.ts), another consequence.
    const consequence = 'vector search was skipped and results are lexical only';
    state.warnings.push(embeddingSpaceMismatch({ stored: space.model, embedder: key, consequence }));
    return undefined;
  }
  return embedder;
}

export async function searchVector(
  input: VectorSearchInput,
  query: { embedder: EmbeddingModel; filter: MemoryFilter; limit: number },
  state: SearchState,
): Promise<{ hits: VectorHit[]; embedding?: Float32Array }> {
  let embedding: Float32Array | undefined;
  try {
    const result = await query.embedder.embed({ values: [input.query], purpose: 'query' });
    state.embeddingCalls += result.usage.calls;
    embedding = result.embeddings[0];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    state.warnings.push(`Embedding the query failed (${message}); results are lexical only.`);
    return { hits: [] };
  }
  if (embedding === undefined) {
    throw new MnemoError({
      code: 'EMBEDDING_FAILED',
      message: 'The embedder returned no vector for the query.',
    });
  }
  const hits = await input.store.searchVector({
    scope: input.scope,
    embedding,
    filter: query.filter,
    limit: query.limit,
  });
  return { hits, embedding };
}

/**
 * Rocchio pseudo-relevance feedback: `q + weight · mean(v₁…vₙ)` over the stored vectors of the `docs` best
 * fused candidates, unit length — or undefined when none of them has a vector. Turns that share no word
 * with the question often share words with its best answers, and their vectors carry them.
 *
 * @example
 * const refined = await feedbackQuery({ store, scope, embedding, bestIds: fused.slice(0, 5).map((c) => c.id), weight: 0.5 });
 */
export async function feedbackQuery(input: {
  store: MemoryStore;
  scope: Scope;
  embedding: Float32Array;
  bestIds: string[];
  weight: number;
}): Promise<Float32Array | undefined> {
  const vectors = [...(await input.store.getVectors({ scope: input.scope, ids: input.bestIds })).values()];
  if (vectors.length === 0) return undefined;
  const refined = Float32Array.from(input.embedding);
  const step = input.weight / vectors.length;
  for (const vector of vectors) {
    for (let index = 0; index < refined.length; index++) refined[index]! += step * (vector[index] ?? 0);
  }
  let norm = 0;
  for (const value of refined) norm += value * value;
  if (norm === 0) return undefined;
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < refined.length; index++) refined[index]! *= scale;
  return refined;
}
