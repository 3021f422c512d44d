// The LanguageModel seam: one interface for every chat model Mnemo calls (OpenAI-compatible, Anthropic, mocks).
import type { JSONSchema7 } from 'ai';

/** How a model can be asked for JSON, from strongest to weakest guarantee. */
export type StructuredOutputMode = 'json-schema' | 'json-object' | 'prompt-only';

export interface LanguageModelCapabilities {
  /**
   * `json-schema`: the server enforces the schema (`response_format: json_schema`).
   * `json-object`: the server only guarantees some JSON (`response_format: json_object`).
   * `prompt-only`: the schema is described in the system prompt and the answer parsed tolerantly.
   */
  structuredOutput: StructuredOutputMode;
  /** The context window, when known. */
  maxContextTokens?: number;
}

export interface LanguageModelMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Asks for JSON that follows `schema` (a JSON Schema, e.g. from `z.toJSONSchema`). */
export interface JsonResponseFormat {
  type: 'json';
  schema: JSONSchema7 | Record<string, unknown>;
  /** A short identifier for the schema, e.g. `extracted_facts`. */
  name: string;
}

export interface GenerateOptions {
  system?: string | undefined;
  messages: LanguageModelMessage[];
  maxOutputTokens?: number | undefined;
  temperature?: number | undefined;
  abortSignal?: AbortSignal | undefined;
  responseFormat?: JsonResponseFormat | undefined;
}

export interface LanguageModelUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface GenerateResult {
  /** The model's text answer (for JSON requests: the raw text, parse it with `parseStructuredOutput`). */
  text: string;
  usage: LanguageModelUsage;
  latencyMs: number;
  finishReason?: string;
}

/**
 * A chat model. Capabilities are data, so callers never guess how to ask for JSON.
 *
 * @example
 * const llm = createOpenAICompatibleLanguageModel({ baseURL: 'http://127.0.0.1:11434/v1', model: 'qwen2.5:7b' });
 * const { text } = await llm.generate({ messages: [{ role: 'user', content: 'Say hi' }] });
 */
export interface LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  readonly capabilities: LanguageModelCapabilities;
  generate(options: GenerateOptions): Promise<GenerateResult>;
}

/**
 * The system-prompt paragraph that asks for JSON matching a schema, used when the server cannot
 * enforce the schema itself (`json-object` and `prompt-only` modes).
 *
 * @example
 * const system = appendSchemaInstructions({ system: 'Extract facts.', responseFormat });
 */
export function appendSchemaInstructions(options: {
  system: string | undefined;
  responseFormat: JsonResponseFormat;
}): string {
  const instructions =
    `Answer with a single JSON value named "${options.responseFormat.name}" that matches this JSON Schema, ` +
    'and nothing else: no prose, no code fences.\n' +
    JSON.stringify(options.responseFormat.schema);
  return options.system === undefined || options.system.trim() === ''
    ? instructions
    : `${options.system}\n\n${instructions}`;
}
