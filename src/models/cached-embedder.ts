// An EmbeddingModel wrapper that embeds each distinct text once: in-memory LRU plus an optional persistent cache.
import { MnemoError } from '../core/errors.js';
import { hashText } from '../core/hashing.js';
import {
  type EmbeddingModel,
  type EmbedOptions,
  type EmbedResult,
  embeddingModelKey,
} from './embedding-model.js';

/** A persistent embedding cache. A MemoryStore has exactly these two methods, so a store can be passed. */
export interface EmbeddingCacheBackend {
  getCachedEmbeddings(input: { model: string; hashes: string[] }): Promise<Map<string, Float32Array>>;
  putCachedEmbeddings(input: {
    model: string;
    entries: Array<{ hash: string; embedding: Float32Array }>;
  }): Promise<void>;
}

export interface CachedEmbedderOptions {
  /** The model whose embeddings are cached. */
  model: EmbeddingModel;
  /** Where embeddings survive restarts (e.g. the MemoryStore), keyed by `embeddingModelKey(model)` and `hashText`. */
  cache?: EmbeddingCacheBackend | undefined;
  /** In-memory entries kept, least recently used dropped first (default 10,000; 0 disables the memory tier). */
  maxEntries?: number | undefined;
}

// The cache key lives in core so the store erases a forgotten text's cached embedding with the same hash.
export { hashText };

/**
 * Wraps a model so each distinct text is embedded once. Lookups go to an in-memory LRU, then to the
 * persistent `cache`; only the misses reach the wrapped model, in batches of its `maxEmbeddingsPerCall`,
 * and `usage` reports only the calls and tokens actually spent. The cache key ignores `purpose`: both
 * built-in models embed queries and documents alike. Returned vectors are copies, safe to mutate.
 *
 * A model whose dimensions are not known yet (0, e.g. an OpenAI-compatible model before its first call)
 * is called directly for that first batch, so nothing is cached under a key with the wrong dimensions.
 *
 * @example
 * const model = createCachedEmbedder({ model: createOpenAICompatibleEmbedder({ baseURL, model: 'nomic-embed-text' }), cache: store });
 * await model.embed({ values: ['I moved to Lisbon'] }); // one request
 * await model.embed({ values: ['I moved to Lisbon'] }); // none
 */
export function createCachedEmbedder(options: CachedEmbedderOptions): EmbeddingModel {
  const inner = options.model;
  const maxEntries = options.maxEntries ?? 10_000;
  const memory = new Map<string, Float32Array>();

  const remember = (key: string, embedding: Float32Array): void => {
    if (maxEntries <= 0) return;
    memory.delete(key);
    memory.set(key, embedding);
    if (memory.size > maxEntries) {
      const oldest = memory.keys().next();
      if (!oldest.done) memory.delete(oldest.value);
    }
  };
  const recall = (key: string): Float32Array | undefined => {
    const embedding = memory.get(key);
    if (embedding !== undefined) remember(key, embedding);
    return embedding;
  };

  async function embedMisses(
    texts: Map<string, string>,
    embedOptions: EmbedOptions,
  ): Promise<{ found: Map<string, Float32Array>; usage: EmbedResult['usage'] }> {
    const found = new Map<string, Float32Array>();
    const usage = { tokens: 0, calls: 0 };
    const hashes = [...texts.keys()];
    const batchSize = Math.max(1, inner.maxEmbeddingsPerCall);
    for (let start = 0; start < hashes.length; start += batchSize) {
      const batch = hashes.slice(start, start + batchSize);
      const result = await inner.embed({
        values: batch.map((hash) => texts.get(hash)!),
        purpose: embedOptions.purpose,
        abortSignal: embedOptions.abortSignal,
      });
      usage.tokens += result.usage.tokens;
      usage.calls += result.usage.calls;
      if (result.embeddings.length !== batch.length) {
        throw new MnemoError({
          code: 'EMBEDDING_FAILED',
          message: `Model ${embeddingModelKey(inner)} returned ${result.embeddings.length} embeddings for ${batch.length} texts`,
        });
      }
      for (const [index, hash] of batch.entries()) found.set(hash, result.embeddings[index]!);
    }
    return { found, usage };
  }

  async function embed(embedOptions: EmbedOptions): Promise<EmbedResult> {
    const knownDimensions = inner.dimensions > 0;
    const hashes = embedOptions.values.map(hashText);
    const modelKey = embeddingModelKey(inner);
    const resolved = new Map<string, Float32Array>();
    const missing = new Map<string, string>();
    embedOptions.values.forEach((text, index) => {
      const hash = hashes[index]!;
      const cached = knownDimensions ? recall(`${modelKey}\u0000${hash}`) : undefined;
      if (cached !== undefined) resolved.set(hash, cached);
      else missing.set(hash, text);
    });
    if (knownDimensions && options.cache !== undefined && missing.size > 0) {
      const stored = await options.cache.getCachedEmbeddings({
        model: modelKey,
        hashes: [...missing.keys()],
      });
      for (const [hash, embedding] of stored) {
        if (!missing.has(hash) || embedding.length !== inner.dimensions) continue;
        resolved.set(hash, embedding);
        missing.delete(hash);
        remember(`${modelKey}\u0000${hash}`, embedding);
      }
    }
    let usage = { tokens: 0, calls: 0 };
    if (missing.size > 0) {
      const fresh = await embedMisses(missing, embedOptions);
      usage = fresh.usage;
      // The key is taken after the call: a model that learns its dimensions has learned them by now.
      const freshKey = embeddingModelKey(inner);
      for (const [hash, embedding] of fresh.found) {
        resolved.set(hash, embedding);
        remember(`${freshKey}\u0000${hash}`, embedding);
      }
      if (options.cache !== undefined) {
        const entries = [...fresh.found].map(([hash, embedding]) => ({ hash, embedding }));
        await options.cache.putCachedEmbeddings({ model: freshKey, entries });
      }
    }
    return { embeddings: hashes.map((hash) => resolved.get(hash)!.slice()), usage };
  }

  return {
    provider: inner.provider,
    modelId: inner.modelId,
    get dimensions() {
      return inner.dimensions;
    },
    maxEmbeddingsPerCall: inner.maxEmbeddingsPerCall,
    capabilities: inner.capabilities,
    embed,
  };
}
