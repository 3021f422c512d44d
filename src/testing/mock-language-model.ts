// A scripted LanguageModel for tests: records every call and replays responses in order.
import { MnemoError } from '../core/errors.js';
import type {
  GenerateOptions,
  GenerateResult,
  LanguageModel,
  LanguageModelCapabilities,
  StructuredOutputMode,
} from '../models/language-model.js';
import { estimateTokens } from '../models/token-count.js';

/** What a scripted response function receives. */
export interface MockLanguageModelCall {
  /** 0-based position of this call. */
  index: number;
  options: GenerateOptions;
}

/** A scripted answer: its text, a function of the call, or an error to throw. */
export type MockLanguageModelResponse = string | ((call: MockLanguageModelCall) => string) | Error;

export interface MockLanguageModelOptions {
  responses: MockLanguageModelResponse[];
  /** Reported in `capabilities` (default `json-schema`). */
  structuredOutput?: StructuredOutputMode | undefined;
  provider?: string | undefined;
  modelId?: string | undefined;
}

export interface MockLanguageModel extends LanguageModel {
  /** The options of every call, in order (failed ones included). */
  readonly calls: GenerateOptions[];
  /** Scripted responses not used yet. */
  readonly remaining: number;
}

function estimateInputTokens(options: GenerateOptions): number {
  const system = options.system === undefined ? 0 : estimateTokens(options.system);
  return options.messages.reduce((sum, message) => sum + estimateTokens(message.content), system);
}

/**
 * Creates a LanguageModel that replays `responses` in order and records each call's options. Usage is
 * a token estimate of the prompt and the answer. It throws when the script runs out, so a test notices
 * an unexpected extra call.
 *
 * @example
 * const llm = createMockLanguageModel({ responses: ['{"facts":[]}', new Error('boom')] });
 * await memory.add({ messages, userId: 'alice' }); // uses llm
 * expect(llm.calls).toHaveLength(1);
 */
export function createMockLanguageModel(options: MockLanguageModelOptions): MockLanguageModel {
  const responses = [...options.responses];
  const calls: GenerateOptions[] = [];
  const capabilities: LanguageModelCapabilities = {
    structuredOutput: options.structuredOutput ?? 'json-schema',
  };

  async function generate(request: GenerateOptions): Promise<GenerateResult> {
    const index = calls.length;
    calls.push(request);
    const response = responses[index];
    if (response === undefined) {
      throw new MnemoError({
        code: 'INTERNAL',
        message: `createMockLanguageModel: call #${index + 1} has no scripted response (${responses.length} scripted)`,
        details: { index, scripted: responses.length },
      });
    }
    if (response instanceof Error) throw response;
    const text = typeof response === 'function' ? response({ index, options: request }) : response;
    return {
      text,
      usage: { inputTokens: estimateInputTokens(request), outputTokens: estimateTokens(text) },
      latencyMs: 0,
      finishReason: 'stop',
    };
  }

  return {
    provider: options.provider ?? 'mock',
    modelId: options.modelId ?? 'mock-language-model',
    capabilities,
    calls,
    get remaining() {
      return Math.max(0, responses.length - calls.length);
    },
    generate,
  };
}
