// A LanguageModel over any OpenAI-compatible /chat/completions endpoint (OpenAI, Ollama, vLLM, LM Studio…).
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateText, type JSONSchema7, type OutputInterface } from 'ai';
import { MnemoError } from '../core/errors.js';
import {
  appendSchemaInstructions,
  type GenerateOptions,
  type GenerateResult,
  type LanguageModel,
  type LanguageModelCapabilities,
  type StructuredOutputMode,
} from './language-model.js';
import { callWithRetries, type RetryOutcome } from './language-model-retry.js';

export interface OpenAICompatibleLanguageModelOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  baseURL: string;
  /** The model name the server knows, e.g. `gpt-4o-mini` or `qwen2.5:7b`. */
  model: string;
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string | undefined;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch | undefined;
  /** Extra headers for every request. */
  headers?: Record<string, string> | undefined;
  /** Retries on timeouts, HTTP 408/409/429/5xx and network errors (default 2; 0 disables). */
  maxRetries?: number | undefined;
  /** Per-attempt timeout in milliseconds (default 120000). */
  timeoutMs?: number | undefined;
  /** The first retry backoff in milliseconds, doubled on each retry (default 1000). */
  retryBaseDelayMs?: number | undefined;
  /**
   * The strongest JSON mode to try first (default `json-schema`). When the server rejects it with an
   * HTTP 400 about `response_format`, the model falls back to `json-object`, then `prompt-only`, and
   * keeps the mode that worked.
   */
  structuredOutput?: StructuredOutputMode | undefined;
  /** The context window, when known; reported in `capabilities`. */
  maxContextTokens?: number | undefined;
  /** Called when the model degrades its structured-output mode. */
  onWarning?: ((message: string) => void) | undefined;
}

const modeOrder: readonly StructuredOutputMode[] = ['json-schema', 'json-object', 'prompt-only'];

function validateOptions(options: OpenAICompatibleLanguageModelOptions): void {
  const problems: string[] = [];
  if (options.baseURL.trim() === '') problems.push('baseURL is empty (set MNEMO_LLM_BASE_URL)');
  if (options.model.trim() === '') problems.push('model is empty (set MNEMO_LLM_MODEL)');
  const nonNegativeInteger = (value: number | undefined): boolean =>
    value === undefined || (Number.isInteger(value) && value >= 0);
  if (!nonNegativeInteger(options.maxRetries)) problems.push('maxRetries must be a non-negative integer');
  if (!nonNegativeInteger(options.retryBaseDelayMs))
    problems.push('retryBaseDelayMs must be a non-negative integer');
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
    problems.push('timeoutMs must be a positive integer');
  }
  if (options.structuredOutput !== undefined && !modeOrder.includes(options.structuredOutput)) {
    problems.push(`structuredOutput must be one of ${modeOrder.join(', ')}`);
  }
  if (problems.length > 0) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: `Invalid OpenAI-compatible language model options: ${problems.join('; ')}`,
      details: { problems },
    });
  }
}

/** An AI SDK output spec that sets `responseFormat` but leaves parsing to Mnemo's tolerant parser. */
function rawJsonOutput(responseFormat: {
  schema?: JSONSchema7;
  name?: string;
}): OutputInterface<string, string, never> {
  return {
    name: 'mnemo-raw-json',
    responseFormat: Promise.resolve({ type: 'json', ...responseFormat }),
    parseCompleteOutput: async ({ text }) => text,
    parsePartialOutput: async ({ text }) => ({ partial: text }),
    createElementStreamTransform: () => undefined,
  };
}

/** True when a 400 blames the `response_format` field, i.e. the server does not support that JSON mode. */
export function isResponseFormatRejection(error: unknown): boolean {
  if (!APICallError.isInstance(error) || error.statusCode !== 400) return false;
  const text = `${error.message} ${error.responseBody ?? ''}`;
  return /response_format|json_schema|json_object|structured output/i.test(text);
}

function describeOutcome(outcome: Extract<RetryOutcome<unknown>, { ok: false }>, timeoutMs: number): string {
  const error = outcome.error;
  const attempts = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
  if (outcome.reason === 'aborted') return 'the call was aborted by the caller';
  if (outcome.reason === 'timeout') return `no answer within ${timeoutMs} ms (${attempts})`;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode === undefined ? 'network error' : `HTTP ${error.statusCode}`;
    const hint = error.statusCode === 401 || error.statusCode === 403 ? ' (is the API key right?)' : '';
    return `${status}${hint}: ${error.message} (${attempts})`;
  }
  return `${error instanceof Error ? error.message : String(error)} (${attempts})`;
}

function llmFailed(
  options: OpenAICompatibleLanguageModelOptions,
  problem: string,
  details: Record<string, unknown>,
  cause: unknown,
): MnemoError {
  return new MnemoError({
    code: 'LLM_FAILED',
    message:
      `Language model '${options.model}' at ${options.baseURL} failed: ${problem}. ` +
      'Check MNEMO_LLM_BASE_URL, MNEMO_LLM_MODEL and MNEMO_LLM_API_KEY (or the llm options).',
    details: { baseURL: options.baseURL, model: options.model, ...details },
    cause,
  });
}

/** The system prompt and AI SDK output spec for a request in a given JSON mode. */
function promptForMode(
  request: GenerateOptions,
  mode: StructuredOutputMode | undefined,
): { system: string | undefined; output: OutputInterface<string, string, never> | undefined } {
  const format = request.responseFormat;
  if (format === undefined || mode === undefined) return { system: request.system, output: undefined };
  // Without server-side schema enforcement the model learns the schema from the system prompt.
  const system =
    mode === 'json-schema'
      ? request.system
      : appendSchemaInstructions({ system: request.system, responseFormat: format });
  if (mode === 'prompt-only') return { system, output: undefined };
  const output = rawJsonOutput(
    mode === 'json-schema' ? { schema: format.schema as JSONSchema7, name: format.name } : {},
  );
  return { system, output };
}

/**
 * Creates a LanguageModel for any server speaking the OpenAI chat-completions API, through the AI SDK.
 * JSON requests use `response_format: json_schema` when the server supports it and fall back to
 * `json_object`, then to a schema in the system prompt. Failures throw MnemoError `LLM_FAILED`.
 *
 * @example
 * const llm = createOpenAICompatibleLanguageModel({ baseURL: 'http://127.0.0.1:11434/v1', model: 'qwen2.5:7b' });
 * const { text, usage } = await llm.generate({ messages: [{ role: 'user', content: 'Hello' }] });
 */
export function createOpenAICompatibleLanguageModel(
  options: OpenAICompatibleLanguageModelOptions,
): LanguageModel {
  validateOptions(options);
  const maxRetries = options.maxRetries ?? 2;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
  const provider = createOpenAICompatible({
    name: 'mnemo',
    baseURL: options.baseURL.replace(/\/+$/, ''),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    supportsStructuredOutputs: true,
  });
  const chatModel = provider.chatModel(options.model);
  let mode: StructuredOutputMode = options.structuredOutput ?? 'json-schema';

  const capabilities: LanguageModelCapabilities = {
    get structuredOutput(): StructuredOutputMode {
      return mode;
    },
    ...(options.maxContextTokens === undefined ? {} : { maxContextTokens: options.maxContextTokens }),
  };

  async function attemptWithMode(request: GenerateOptions, callMode: StructuredOutputMode | undefined) {
    const { system, output } = promptForMode(request, callMode);
    return callWithRetries({
      maxRetries,
      timeoutMs,
      baseDelayMs: retryBaseDelayMs,
      abortSignal: request.abortSignal,
      attempt: (signal) =>
        generateText({
          model: chatModel,
          ...(system === undefined ? {} : { system }),
          messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
          ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          ...(output === undefined ? {} : { output }),
          // Mnemo validates with zod afterwards; strict mode would reject schemas with optional fields.
          providerOptions: { openaiCompatible: { strictJsonSchema: false } },
          maxRetries: 0,
          abortSignal: signal,
        }),
    });
  }

  async function generate(request: GenerateOptions): Promise<GenerateResult> {
    const started = performance.now();
    for (;;) {
      const callMode = request.responseFormat === undefined ? undefined : mode;
      const outcome = await attemptWithMode(request, callMode);
      if (outcome.ok) {
        const result = outcome.value;
        return {
          text: result.text,
          usage: { inputTokens: result.usage.inputTokens ?? 0, outputTokens: result.usage.outputTokens ?? 0 },
          latencyMs: Math.round(performance.now() - started),
          finishReason: result.finishReason,
        };
      }
      const next = callMode === undefined ? undefined : modeOrder[modeOrder.indexOf(callMode) + 1];
      if (
        next !== undefined &&
        outcome.reason === 'not-retryable' &&
        isResponseFormatRejection(outcome.error)
      ) {
        // Another concurrent call may already have degraded further; never climb back up.
        if (modeOrder.indexOf(next) > modeOrder.indexOf(mode)) mode = next;
        options.onWarning?.(
          `Language model '${options.model}' rejected structured output mode '${callMode}'; using '${mode}' from now on.`,
        );
        continue;
      }
      throw llmFailed(
        options,
        describeOutcome(outcome, timeoutMs),
        { attempts: outcome.attempts, reason: outcome.reason },
        outcome.error,
      );
    }
  }

  return { provider: 'openai-compatible', modelId: options.model, capabilities, generate };
}
