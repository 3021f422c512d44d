// The EmbeddingModel seam: one interface for the built-in offline embedder and any remote one.

export interface EmbeddingCapabilities {
  /** Captures meaning beyond shared words (true for neural models). */
  semantic: boolean;
  /** Runs with no network. */
  offline: boolean;
  /** Same input, same vector, always. */
  deterministic: boolean;
  /**
   * Cosine similarity below which a query and a text are unrelated for this model (its noise level). A
   * search keeps a vector candidate only at or above it, so a query about nothing stored returns nothing.
   * Absent: unknown, and vector candidates are not floored.
   */
  similarityFloor?: number;
}

export interface EmbedOptions {
  values: string[];
  /** Some models embed queries and documents differently. */
  purpose?: 'query' | 'document' | undefined;
  abortSignal?: AbortSignal | undefined;
}

export interface EmbedResult {
  /** One unit-length vector per value, in order. */
  embeddings: Float32Array[];
  usage: { tokens: number; calls: number };
}

/**
 * A text embedding model. Capabilities are data, so callers never guess.
 *
 * @example
 * const model = createBuiltinEmbedder();
 * const { embeddings } = await model.embed({ values: ['I moved to Lisbon'] });
 */
export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  readonly dimensions: number;
  /** The largest batch one call accepts; callers split bigger batches. */
  readonly maxEmbeddingsPerCall: number;
  readonly capabilities: EmbeddingCapabilities;
  embed(options: EmbedOptions): Promise<EmbedResult>;
}

/** The id stored with every vector: `provider:model:dimensions`. */
export function embeddingModelKey(
  model: Pick<EmbeddingModel, 'provider' | 'modelId' | 'dimensions'>,
): string {
  return `${model.provider}:${model.modelId}:${model.dimensions}`;
}

/**
 * The one wording of an embedding-space mismatch (the store's vectors come from another model), used by
 * every writer (`ingest/embed-documents.ts`), by search and by `status()`: what happened, then the fix.
 *
 * @example
 * embeddingSpaceMismatch({ stored: 'builtin:hash-256:256', embedder: 'openai:text-embedding-3-small:1536',
 *   consequence: 'memories were stored without vectors' })
 * // "The store's vectors come from builtin:hash-256:256 but the embedder is openai:…; memories were stored
 * //  without vectors. Run `mnemo reembed` to switch the store to the new model."
 */
export function embeddingSpaceMismatch(input: {
  stored: string;
  embedder: string;
  consequence: string;
}): string {
  return (
    `The store's vectors come from ${input.stored} but the embedder is ${input.embedder}; ${input.consequence}. ` +
    'Run `mnemo reembed` to switch the store to the new model.'
  );
}
