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
  purpose?: 'query' | 'document';
  abortSignal?: AbortSignal;
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
