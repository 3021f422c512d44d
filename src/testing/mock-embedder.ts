// A deterministic EmbeddingModel for tests: hashed unit vectors (or given ones), recording every call.
import { MnemoError } from '../core/errors.js';
import type { EmbeddingModel, EmbedOptions, EmbedResult } from '../models/embedding-model.js';
import { estimateTokens } from '../models/token-count.js';

export interface MockEmbedderOptions {
  /** Vector length (default 8, or the length of the given `vectors`). */
  dimensions?: number | undefined;
  /** Fixed vectors for exact texts (normalised to unit length); other texts get a hashed vector. */
  vectors?: Record<string, number[]> | undefined;
  modelId?: string | undefined;
}

export interface MockEmbedder extends EmbeddingModel {
  /** The options of every call, in order. */
  readonly calls: EmbedOptions[];
}

function normalise(values: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += (values[index] ?? 0) ** 2;
  const norm = Math.sqrt(sum);
  const vector = new Float32Array(values.length);
  // An all-zero vector stays zero rather than becoming NaN.
  for (let index = 0; index < values.length; index++)
    vector[index] = norm === 0 ? 0 : (values[index] ?? 0) / norm;
  return vector;
}

/** FNV-1a over the text and the dimension index: the same text always maps to the same vector. */
function hashedVector(text: string, dimensions: number): Float32Array {
  const values = new Array<number>(dimensions);
  for (let dimension = 0; dimension < dimensions; dimension++) {
    let hash = 0x811c9dc5 ^ dimension;
    for (let index = 0; index < text.length; index++) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193);
    }
    values[dimension] = ((hash >>> 0) / 0xffffffff) * 2 - 1;
  }
  return normalise(values);
}

/**
 * Creates a deterministic embedder for tests. Texts listed in `vectors` get exactly that (normalised)
 * vector, so a test can decide which memories are "close"; every other text gets a stable hashed one.
 *
 * @example
 * const embedder = createMockEmbedder({ dimensions: 3, vectors: { Lisbon: [1, 0, 0], Portugal: [0.9, 0.1, 0] } });
 * const { embeddings } = await embedder.embed({ values: ['Lisbon'] });
 */
export function createMockEmbedder(options: MockEmbedderOptions = {}): MockEmbedder {
  const given = Object.entries(options.vectors ?? {});
  const dimensions = options.dimensions ?? given[0]?.[1].length ?? 8;
  if (!Number.isInteger(dimensions) || dimensions <= 0) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: 'createMockEmbedder: dimensions must be a positive integer',
    });
  }
  const fixed = new Map<string, Float32Array>();
  for (const [text, vector] of given) {
    if (vector.length !== dimensions) {
      throw new MnemoError({
        code: 'INVALID_INPUT',
        message: `createMockEmbedder: the vector for '${text}' has ${vector.length} values, expected ${dimensions}`,
      });
    }
    fixed.set(text, normalise(vector));
  }
  const calls: EmbedOptions[] = [];

  async function embed(request: EmbedOptions): Promise<EmbedResult> {
    calls.push(request);
    const embeddings = request.values.map((text) => {
      const vector = fixed.get(text);
      return vector === undefined ? hashedVector(text, dimensions) : Float32Array.from(vector);
    });
    const tokens = request.values.reduce((sum, text) => sum + estimateTokens(text), 0);
    return { embeddings, usage: { tokens, calls: 1 } };
  }

  return {
    provider: 'mock',
    modelId: options.modelId ?? 'mock-embedder',
    dimensions,
    maxEmbeddingsPerCall: 2048,
    capabilities: { semantic: false, offline: true, deterministic: true },
    calls,
    embed,
  };
}
