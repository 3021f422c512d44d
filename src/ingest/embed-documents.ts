// The one policy for embedding what the store keeps: declare the space when the store has none, refuse
// (with a warning, never an error) to mix spaces, batch by the model's limit, and count calls.
import { type EmbeddingModel, embeddingModelKey } from '../models/embedding-model.js';
import type { MemoryStore } from '../store/memory-store.js';

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
export async function embedDocuments(input: {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
  texts: string[];
}): Promise<EmbeddedDocuments> {
  const { embedder, store, texts } = input;
  if (embedder === undefined || texts.length === 0) return { vectors: [], calls: 0, warnings: [] };
  const model = embeddingModelKey(embedder);
  const space = await store.getEmbeddingSpace();
  if (space !== undefined && space.model !== model) {
    return {
      vectors: [],
      calls: 0,
      warnings: [
        `The store's vectors come from ${space.model} but the embedder is ${model}; memories were stored ` +
          'without vectors. Run `mnemo reembed` to switch the store to the new model.',
      ],
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
