// An EmbeddingModel over any OpenAI-compatible /embeddings endpoint (OpenAI, Ollama, vLLM, LM Studio…).
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embedMany } from 'ai';
import { MnemoError } from '../core/errors.js';
import type { EmbeddingModel, EmbedOptions, EmbedResult } from './embedding-model.js';
import { estimateTokens } from './token-count.js';

export interface OpenAICompatibleEmbedderOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`; `/embeddings` is appended. */
  baseURL: string;
  /** The model name the server knows, e.g. `text-embedding-3-small` or `nomic-embed-text`. */
  model: string;
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string | undefined;
  /**
   * The vector length the model returns. When omitted it is learned from the first response and then
   * fixed; `dimensions` reads 0 until then. Any later response of another length throws EMBEDDING_FAILED.
   */
  dimensions?: number | undefined;
  /**
   * Also send `dimensions` in the request, for models that can shorten their vectors (OpenAI
   * text-embedding-3-*). Off by default because some servers reject the field.
   */
  requestDimensions?: boolean | undefined;
  /** Values per HTTP request (default 96). */
  maxEmbeddingsPerCall?: number | undefined;
  /** Retries per request on retryable errors (default 2; 0 disables). */
  maxRetries?: number | undefined;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch | undefined;
  /** Extra headers for every request. */
  headers?: Record<string, string> | undefined;
  /**
   * The model's noise level: cosine below which texts are unrelated (see EmbeddingCapabilities). Unknown
   * by default, because it differs widely between models (≈0.2–0.3 for OpenAI text-embedding-3, ≈0.6–0.7
   * for bge/e5-style models); measure it on your data and set it to floor vector results.
   */
  similarityFloor?: number | undefined;
}

function embeddingFailed(
  options: OpenAICompatibleEmbedderOptions,
  problem: string,
  cause?: unknown,
): MnemoError {
  return new MnemoError({
    code: 'EMBEDDING_FAILED',
    message:
      `Embedding with model '${options.model}' at ${options.baseURL} failed: ${problem}. ` +
      'Check MNEMO_EMBED_BASE_URL and MNEMO_EMBED_MODEL (and MNEMO_EMBED_API_KEY), or the embedder options.',
    details: { baseURL: options.baseURL, model: options.model },
    cause,
  });
}

function validateOptions(options: OpenAICompatibleEmbedderOptions): void {
  const positiveInteger = (value: number | undefined): boolean =>
    value === undefined || (Number.isInteger(value) && value > 0);
  const problems: string[] = [];
  if (options.baseURL.trim() === '') problems.push('baseURL is empty (set MNEMO_EMBED_BASE_URL)');
  if (options.model.trim() === '') problems.push('model is empty (set MNEMO_EMBED_MODEL)');
  if (!positiveInteger(options.dimensions)) problems.push('dimensions must be a positive integer');
  const floor = options.similarityFloor;
  if (floor !== undefined && !(Number.isFinite(floor) && floor >= -1 && floor <= 1))
    problems.push('similarityFloor must be a number from -1 to 1');
  if (!positiveInteger(options.maxEmbeddingsPerCall))
    problems.push('maxEmbeddingsPerCall must be a positive integer');
  if (
    options.maxRetries !== undefined &&
    !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)
  ) {
    problems.push('maxRetries must be a non-negative integer');
  }
  if (problems.length > 0) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: `Invalid OpenAI-compatible embedder options: ${problems.join('; ')}`,
      details: { problems },
    });
  }
}

/** L2-normalises a vector from the server, rejecting what cannot be a usable embedding. */
function toUnitVector(values: readonly number[], fail: (problem: string) => MnemoError): Float32Array {
  let sum = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) throw fail('the server returned a non-finite number in an embedding');
    sum += value * value;
  }
  if (sum === 0) throw fail('the server returned an all-zero embedding');
  const scale = 1 / Math.sqrt(sum);
  return Float32Array.from(values, (value) => value * scale);
}

/**
 * Creates an embedder for any server that speaks the OpenAI embeddings API (POST `{baseURL}/embeddings`),
 * through the AI SDK. Vectors come back L2-normalised; batches are split by `maxEmbeddingsPerCall` and sent
 * one after another; failures become a MnemoError `EMBEDDING_FAILED` with the original error as `cause`.
 * No request is made until `embed()` is called.
 *
 * @example
 * const model = createOpenAICompatibleEmbedder({ baseURL: 'http://localhost:11434/v1', model: 'nomic-embed-text' });
 * const { embeddings } = await model.embed({ values: ['I moved to Lisbon'] });
 */
export function createOpenAICompatibleEmbedder(options: OpenAICompatibleEmbedderOptions): EmbeddingModel {
  validateOptions(options);
  const provider = createOpenAICompatible({
    name: 'mnemo-embed',
    baseURL: options.baseURL.replace(/\/+$/, ''),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const aiModel = provider.embeddingModel(options.model);
  const batchSize = options.maxEmbeddingsPerCall ?? 96;
  const maxRetries = options.maxRetries ?? 2;
  const providerOptions =
    options.requestDimensions && options.dimensions !== undefined
      ? { openaiCompatible: { dimensions: options.dimensions } }
      : undefined;
  let dimensions = options.dimensions ?? 0;
  const fail = (problem: string, cause?: unknown): MnemoError => embeddingFailed(options, problem, cause);

  async function embedBatch(values: string[], abortSignal: AbortSignal | undefined) {
    try {
      return await embedMany({
        model: aiModel,
        // Most servers reject an empty input string; a single space embeds as "nothing".
        values: values.map((value) => (value === '' ? ' ' : value)),
        maxRetries,
        maxParallelCalls: 1,
        ...(abortSignal === undefined ? {} : { abortSignal }),
        ...(providerOptions === undefined ? {} : { providerOptions }),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw fail(reason, error);
    }
  }

  async function embed(embedOptions: EmbedOptions): Promise<EmbedResult> {
    const embeddings: Float32Array[] = [];
    const usage = { tokens: 0, calls: 0 };
    for (let start = 0; start < embedOptions.values.length; start += batchSize) {
      const batch = embedOptions.values.slice(start, start + batchSize);
      const result = await embedBatch(batch, embedOptions.abortSignal);
      usage.calls += 1;
      usage.tokens += Number.isFinite(result.usage.tokens)
        ? result.usage.tokens
        : batch.reduce((sum, value) => sum + estimateTokens(value), 0);
      if (result.embeddings.length !== batch.length) {
        throw fail(`asked for ${batch.length} embeddings, got ${result.embeddings.length}`);
      }
      for (const raw of result.embeddings) {
        if (raw.length === 0) throw fail('the server returned an empty embedding');
        if (dimensions === 0) dimensions = raw.length;
        if (raw.length !== dimensions) {
          throw fail(`expected ${dimensions}-dimensional embeddings, got ${raw.length}`);
        }
        embeddings.push(toUnitVector(raw, fail));
      }
    }
    return { embeddings, usage };
  }

  return {
    provider: 'openai-compatible',
    modelId: options.model,
    get dimensions() {
      return dimensions;
    },
    maxEmbeddingsPerCall: batchSize,
    capabilities: {
      semantic: true,
      offline: false,
      deterministic: false,
      ...(options.similarityFloor === undefined ? {} : { similarityFloor: options.similarityFloor }),
    },
    embed,
  };
}
