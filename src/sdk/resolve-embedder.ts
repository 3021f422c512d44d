// Turns the `embedder` option into an EmbeddingModel: the built-in one by default, remote ones cached.

import { createBuiltinEmbedder } from '../models/builtin-embedder.js';
import { createCachedEmbedder, type EmbeddingCacheBackend } from '../models/cached-embedder.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { createOpenAICompatibleEmbedder } from '../models/openai-compatible-embedder.js';

/** Embedder configuration, discriminated by provider. */
export type EmbedderConfig =
  | { provider: 'builtin'; dimensions?: number | undefined }
  | {
      provider: 'openai-compatible';
      baseURL: string;
      model: string;
      apiKey?: string | undefined;
      dimensions?: number | undefined;
      /** Cosine below which the model's results are noise (see EmbeddingCapabilities.similarityFloor). */
      similarityFloor?: number | undefined;
      fetch?: typeof fetch | undefined;
    };

export function resolveEmbedder(
  option: EmbeddingModel | EmbedderConfig | false | undefined,
  cache: EmbeddingCacheBackend,
): EmbeddingModel | undefined {
  if (option === false) return undefined;
  if (option === undefined) return createBuiltinEmbedder();
  if ('embed' in option) return option;
  if (option.provider === 'builtin') return createBuiltinEmbedder({ dimensions: option.dimensions });
  // Remote calls cost money and time: cache them by (model, text hash), in memory and in the store.
  return createCachedEmbedder({ model: createOpenAICompatibleEmbedder(option), cache });
}

/**
 * A remote embedder learns its vector size from its first answer; learn it now, so the embedding-space key
 * (`provider:model:dimensions`) is right from the first write and search. Other embedders are left alone.
 *
 * @example
 * const embedder = resolveEmbedder({ provider: 'openai-compatible', baseURL, model: 'nomic-embed-text' }, store);
 * await learnDimensions(embedder); // embedder.dimensions is now 768
 */
export async function learnDimensions(embedder: EmbeddingModel | undefined): Promise<void> {
  if (embedder === undefined || embedder.dimensions !== 0) return;
  await embedder.embed({ values: ['dimension probe'], purpose: 'document' });
}
