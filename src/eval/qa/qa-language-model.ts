// The benchmark's language-model client: one non-streaming chat call per answer or judgement, with usage.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText } from 'ai';
import { MnemoError } from '../../core/errors.js';
import { estimateTokens } from '../../models/token-count.js';

export interface QaLanguageModelOptions {
  /** The API root, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1` (MNEMO_LLM_BASE_URL). */
  baseURL: string;
  /** The chat model the server knows, e.g. `gpt-4o-mini` or `qwen2.5:7b` (MNEMO_LLM_MODEL). */
  model: string;
  /** Sent as `Authorization: Bearer …` when given (MNEMO_LLM_API_KEY). */
  apiKey?: string;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
  /** Retries per call on retryable errors (429, 5xx, network); default 2, 0 disables. */
  maxRetries?: number;
  /** Abort a call (retries included) after this many milliseconds; default 120 000. */
  timeoutMs?: number;
}

export interface QaGenerateOptions {
  system: string;
  prompt: string;
  /** Upper bound on generated tokens (default 256). */
  maxOutputTokens?: number;
  abortSignal?: AbortSignal;
}

export interface QaGenerateResult {
  text: string;
  /** Prompt tokens as the server reports them (estimated locally when the server reports none). */
  inputTokens: number;
  /** Completion tokens as the server reports them (estimated locally when the server reports none). */
  outputTokens: number;
  /** Wall time of the call, retries included. */
  latencyMs: number;
}

/** What the QA benchmark needs from a language model: a deterministic (temperature 0) text call. */
export interface QaLanguageModel {
  readonly modelId: string;
  generate(options: QaGenerateOptions): Promise<QaGenerateResult>;
}

/**
 * Removes the `<think>…</think>` blocks that reasoning models served through OpenAI-compatible servers
 * (Ollama, vLLM) put in the message content, and surrounding whitespace.
 *
 * @example
 * stripThinking('<think>The user said…</think>\nLisbon'); // 'Lisbon'
 */
export function stripThinking(text: string): string {
  return text.replace(/<think>[\s\S]*?(<\/think>|$)/gi, '').trim();
}

function llmFailed(options: QaLanguageModelOptions, problem: string, cause?: unknown): MnemoError {
  return new MnemoError({
    code: 'LLM_FAILED',
    message:
      `The QA language model '${options.model}' at ${options.baseURL} failed: ${problem}. ` +
      'Check MNEMO_LLM_BASE_URL and MNEMO_LLM_MODEL (and MNEMO_LLM_API_KEY), or the llm options.',
    details: { baseURL: options.baseURL, model: options.model },
    cause,
  });
}

function validateOptions(options: QaLanguageModelOptions): void {
  const problems: string[] = [];
  if (options.baseURL.trim() === '') problems.push('baseURL is empty (set MNEMO_LLM_BASE_URL)');
  if (options.model.trim() === '') problems.push('model is empty (set MNEMO_LLM_MODEL)');
  if (
    options.maxRetries !== undefined &&
    !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)
  ) {
    problems.push('maxRetries must be a non-negative integer');
  }
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    problems.push('timeoutMs must be a positive number');
  }
  if (problems.length > 0) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: `Invalid QA language model options: ${problems.join('; ')}`,
      details: { problems },
    });
  }
}

/**
 * Creates the language model the QA benchmark answers and judges with, over any OpenAI-compatible chat
 * endpoint (POST `{baseURL}/chat/completions`) through the AI SDK. Calls run at temperature 0; HTTP and
 * network failures (after `maxRetries` retries) and timeouts become a MnemoError `LLM_FAILED` with the
 * original error as `cause`. No request is made until `generate()` is called.
 *
 * @example
 * const llm = createQaLanguageModel({ baseURL: 'http://localhost:11434/v1', model: 'qwen2.5:7b' });
 * const { text, inputTokens } = await llm.generate({ system: 'Answer briefly.', prompt: 'Capital of France?' });
 */
export function createQaLanguageModel(options: QaLanguageModelOptions): QaLanguageModel {
  validateOptions(options);
  const provider = createOpenAICompatible({
    name: 'mnemo-qa',
    baseURL: options.baseURL.replace(/\/+$/, ''),
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const chatModel = provider.chatModel(options.model);
  const maxRetries = options.maxRetries ?? 2;
  const timeoutMs = options.timeoutMs ?? 120_000;

  async function generate(call: QaGenerateOptions): Promise<QaGenerateResult> {
    const started = performance.now();
    try {
      const result = await generateText({
        model: chatModel,
        system: call.system,
        prompt: call.prompt,
        temperature: 0,
        maxOutputTokens: call.maxOutputTokens ?? 256,
        maxRetries,
        timeout: timeoutMs,
        ...(call.abortSignal === undefined ? {} : { abortSignal: call.abortSignal }),
      });
      const latencyMs = performance.now() - started;
      return {
        text: stripThinking(result.text),
        inputTokens: result.usage.inputTokens ?? estimateTokens(call.system) + estimateTokens(call.prompt),
        outputTokens: result.usage.outputTokens ?? estimateTokens(result.text),
        latencyMs,
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw llmFailed(options, reason, error);
    }
  }

  return { modelId: options.model, generate };
}
