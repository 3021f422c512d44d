// A LanguageModel over Anthropic's Messages API (Claude), through the AI SDK's Anthropic provider.
import { createAnthropic } from '@ai-sdk/anthropic';
import { APICallError, generateText } from 'ai';
import { MnemoError } from '../core/errors.js';
import {
  appendSchemaInstructions,
  type GenerateOptions,
  type GenerateResult,
  type LanguageModel,
} from './language-model.js';
import { callWithRetries } from './language-model-retry.js';

export interface AnthropicLanguageModelOptions {
  /** Sent as `x-api-key`. */
  apiKey: string;
  /** e.g. `claude-sonnet-4-5` or `claude-haiku-4-5`. */
  model: string;
  /** The API root (default `https://api.anthropic.com/v1`); `/messages` is appended. */
  baseURL?: string | undefined;
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
  /** The context window, when known; reported in `capabilities`. */
  maxContextTokens?: number | undefined;
}

/**
 * Creates a LanguageModel for Claude. JSON is requested `prompt-only`: the schema goes in the system
 * prompt and the answer is parsed tolerantly by `generateStructured`. Anthropic has no
 * `response_format`; the AI SDK emulates JSON mode with a forced tool call or a beta output format
 * that only some models accept, so the prompt route is the one that works with every Claude model and
 * every proxy. Failures throw MnemoError `LLM_FAILED`.
 *
 * @example
 * const llm = createAnthropicLanguageModel({ apiKey: key, model: 'claude-haiku-4-5' });
 * const { text } = await llm.generate({ messages: [{ role: 'user', content: 'Hello' }] });
 */
export function createAnthropicLanguageModel(options: AnthropicLanguageModelOptions): LanguageModel {
  const problems: string[] = [];
  if (options.apiKey.trim() === '') problems.push('apiKey is empty (set MNEMO_LLM_API_KEY)');
  if (options.model.trim() === '') problems.push('model is empty (set MNEMO_LLM_MODEL)');
  if (problems.length > 0) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: `Invalid Anthropic language model options: ${problems.join('; ')}`,
      details: { problems },
    });
  }
  const baseURL = options.baseURL ?? 'https://api.anthropic.com/v1';
  const maxRetries = options.maxRetries ?? 2;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const provider = createAnthropic({
    apiKey: options.apiKey,
    baseURL: baseURL.replace(/\/+$/, ''),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  const chatModel = provider.messages(options.model);

  async function generate(request: GenerateOptions): Promise<GenerateResult> {
    const started = performance.now();
    const system =
      request.responseFormat === undefined
        ? request.system
        : appendSchemaInstructions({ system: request.system, responseFormat: request.responseFormat });
    const outcome = await callWithRetries({
      maxRetries,
      timeoutMs,
      baseDelayMs: options.retryBaseDelayMs ?? 1000,
      abortSignal: request.abortSignal,
      attempt: (signal) =>
        generateText({
          model: chatModel,
          ...(system === undefined ? {} : { system }),
          messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
          ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          maxRetries: 0,
          abortSignal: signal,
        }),
    });
    if (outcome.ok) {
      const result = outcome.value;
      return {
        text: result.text,
        usage: { inputTokens: result.usage.inputTokens ?? 0, outputTokens: result.usage.outputTokens ?? 0 },
        latencyMs: Math.round(performance.now() - started),
        finishReason: result.finishReason,
      };
    }
    const error = outcome.error;
    const problem =
      outcome.reason === 'aborted'
        ? 'the call was aborted by the caller'
        : outcome.reason === 'timeout'
          ? `no answer within ${timeoutMs} ms`
          : APICallError.isInstance(error)
            ? `${error.statusCode === undefined ? 'network error' : `HTTP ${error.statusCode}`}: ${error.message}`
            : error instanceof Error
              ? error.message
              : String(error);
    throw new MnemoError({
      code: 'LLM_FAILED',
      message:
        `Anthropic model '${options.model}' at ${baseURL} failed after ${outcome.attempts} attempt(s): ${problem}. ` +
        'Check MNEMO_LLM_API_KEY and MNEMO_LLM_MODEL (and MNEMO_LLM_BASE_URL for a proxy), or the llm options.',
      details: { baseURL, model: options.model, attempts: outcome.attempts, reason: outcome.reason },
      cause: error,
    });
  }

  return {
    provider: 'anthropic',
    modelId: options.model,
    capabilities: {
      structuredOutput: 'prompt-only',
      ...(options.maxContextTokens === undefined ? {} : { maxContextTokens: options.maxContextTokens }),
    },
    generate,
  };
}
