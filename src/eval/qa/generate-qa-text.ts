// One deterministic text call of the QA benchmark over the project's LanguageModel seam, with usage and time.
import type { LanguageModel } from '../../models/language-model.js';
import { estimateTokens } from '../../models/token-count.js';

export interface GenerateQaTextOptions {
  /** Any LanguageModel (OpenAI-compatible, Anthropic, a mock); its retries and timeouts apply. */
  llm: LanguageModel;
  system: string;
  prompt: string;
  /** Upper bound on generated tokens (default 256). */
  maxOutputTokens?: number | undefined;
  abortSignal?: AbortSignal | undefined;
}

export interface QaGenerateResult {
  /** The reply without `<think>` blocks. */
  text: string;
  /** Prompt tokens as the model reports them (estimated locally when it reports none). */
  inputTokens: number;
  /** Completion tokens as the model reports them (estimated locally when it reports none). */
  outputTokens: number;
  /** Wall time of the call, the model's retries included. */
  latencyMs: number;
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

/**
 * Asks `llm` for a plain-text reply at temperature 0 (one user message after `system`). Servers that
 * report no usage (the adapters then say 0) get a local token estimate, so token counts stay meaningful.
 * Failures are the model's own typed errors (MnemoError `LLM_FAILED`, naming `MNEMO_LLM_*`).
 *
 * @example
 * const { text, inputTokens } = await generateQaText({ llm, system: 'Answer briefly.', prompt: 'Capital of France?' });
 */
export async function generateQaText(options: GenerateQaTextOptions): Promise<QaGenerateResult> {
  const started = performance.now();
  const result = await options.llm.generate({
    system: options.system,
    messages: [{ role: 'user', content: options.prompt }],
    temperature: 0,
    maxOutputTokens: options.maxOutputTokens ?? 256,
    abortSignal: options.abortSignal,
  });
  const latencyMs = performance.now() - started;
  const { inputTokens, outputTokens } = result.usage;
  return {
    text: stripThinking(result.text),
    inputTokens:
      inputTokens > 0 ? inputTokens : estimateTokens(options.system) + estimateTokens(options.prompt),
    outputTokens: outputTokens > 0 || result.text === '' ? outputTokens : estimateTokens(result.text),
    latencyMs,
  };
}
