// Structured output from any chat model: tolerant JSON extraction, zod validation and one repair round-trip.
import { z } from 'zod';
import { isMnemoError, MnemoError } from '../core/errors.js';
import type {
  GenerateOptions,
  GenerateResult,
  LanguageModel,
  LanguageModelMessage,
  LanguageModelUsage,
} from './language-model.js';

export type ParseStructuredOutputResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: string; raw: string };

/** Removes `<think>…</think>` blocks; reports whether an unterminated one was cut from the start. */
function stripThinking(text: string): { text: string; unterminated: boolean } {
  let result = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '');
  // Some servers strip the opening tag and leave only the closing one.
  const orphanClose = /<\/(think|thinking|reasoning)>/gi;
  let lastClose = -1;
  for (let match = orphanClose.exec(result); match !== null; match = orphanClose.exec(result)) {
    lastClose = match.index + match[0].length;
  }
  if (lastClose >= 0) result = result.slice(lastClose);
  const open = /^\s*<(think|thinking|reasoning)>/i.exec(result);
  if (open !== null) return { text: result.slice(open[0].length), unterminated: true };
  return { text: result, unterminated: false };
}

/** The end index (exclusive) of the balanced JSON object/array starting at `start`, or -1. */
function findBalancedEnd(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{') stack.push('}');
    else if (char === '[') stack.push(']');
    else if (char === '}' || char === ']') {
      if (stack.pop() !== char) return -1;
      if (stack.length === 0) return index + 1;
    }
  }
  return -1;
}

/** Every top-level balanced `{…}` or `[…]` span, in order, skipping spans nested in an earlier one. */
function balancedCandidates(text: string): string[] {
  const candidates: string[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '{' || char === '[') {
      const end = findBalancedEnd(text, index);
      if (end > 0) {
        candidates.push(text.slice(index, end));
        index = end;
        continue;
      }
    }
    index++;
  }
  return candidates;
}

/** Drops commas directly before `}` or `]`, outside strings. */
export function removeTrailingCommas(json: string): string {
  let result = '';
  let inString = false;
  for (let index = 0; index < json.length; index++) {
    const char = json[index] as string;
    if (inString) {
      result += char;
      if (char === '\\') {
        result += json[index + 1] ?? '';
        index++;
      } else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    if (char === ',') {
      const rest = /^\s*([}\]])/.exec(json.slice(index + 1));
      if (rest !== null) continue;
    }
    result += char;
  }
  return result;
}

function parseJsonLoosely(candidate: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(candidate) };
  } catch (error) {
    try {
      return { ok: true, value: JSON.parse(removeTrailingCommas(candidate)) };
    } catch {
      // The first error names the real problem; the repaired text's error would be confusing.
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`)
    .join('; ');
}

function candidateTexts(text: string): string[] {
  const stripped = stripThinking(text);
  const body = stripped.text.trim();
  const fenced = [...body.matchAll(/```[a-zA-Z0-9_-]*\s*\n?([\s\S]*?)```/g)].map((match) =>
    (match[1] ?? '').trim(),
  );
  const balanced = balancedCandidates(body);
  // After an unterminated think block the answer is at the end, so later spans come first.
  if (stripped.unterminated) balanced.reverse();
  return [...new Set([body, ...fenced, ...balanced])].filter((candidate) => candidate !== '');
}

/**
 * Extracts and validates JSON from a model's answer. Tolerates code fences, prose around the JSON,
 * `<think>` blocks (also an unterminated leading one) and trailing commas; picks the first candidate
 * that matches the schema. Never throws.
 *
 * @example
 * const result = parseStructuredOutput({ text: 'Sure!\n```json\n{"facts": []}\n```', schema: z.object({ facts: z.array(z.string()) }) });
 * if (result.ok) console.log(result.value.facts);
 */
export function parseStructuredOutput<T>(options: {
  text: string;
  schema: z.ZodType<T>;
}): ParseStructuredOutputResult<T> {
  const raw = options.text;
  let schemaError: string | undefined;
  let jsonError: string | undefined;
  for (const candidate of candidateTexts(raw)) {
    const parsed = parseJsonLoosely(candidate);
    if (!parsed.ok) {
      jsonError ??= parsed.error;
      continue;
    }
    const validated = options.schema.safeParse(parsed.value);
    if (validated.success) return { ok: true, value: validated.data };
    schemaError ??= `the JSON does not match the schema: ${describeIssues(validated.error)}`;
  }
  if (schemaError !== undefined) return { ok: false, error: schemaError, raw };
  if (raw.trim() === '') return { ok: false, error: 'the answer was empty', raw };
  return {
    ok: false,
    error: `no valid JSON found in the answer (${jsonError ?? 'no JSON object or array'})`,
    raw,
  };
}

/**
 * The JSON Schema sent to the model for a zod schema (without `$schema`, to keep prompts short).
 *
 * @example
 * toResponseJsonSchema(z.object({ name: z.string() })) // { type: 'object', properties: { name: { type: 'string' } }, … }
 */
export function toResponseJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return jsonSchema;
}

export interface GenerateStructuredOptions<T> {
  model: LanguageModel;
  system?: string | undefined;
  messages: LanguageModelMessage[];
  schema: z.ZodType<T>;
  /** A short identifier for the schema, sent with `json_schema` requests, e.g. `extracted_facts`. */
  name: string;
  /** Repair round-trips after an unusable answer (default 1; 0 disables). */
  maxRepairs?: number | undefined;
  maxOutputTokens?: number | undefined;
  temperature?: number | undefined;
  abortSignal?: AbortSignal | undefined;
}

export interface GenerateStructuredResult<T> {
  value: T;
  /** Summed over every call, repairs included. */
  usage: LanguageModelUsage;
  /** Model calls made: 1, or more when repairs were needed. */
  calls: number;
  latencyMs: number;
}

function repairPrompt(error: string): string {
  return (
    `Your previous answer could not be used: ${error}. ` +
    'Reply again with only the corrected JSON that matches the schema: no prose, no code fences, no comments.'
  );
}

/**
 * Asks a model for JSON matching a zod schema, parses it tolerantly and, when the answer is unusable,
 * makes one repair call that says exactly what was wrong. Throws MnemoError `LLM_OUTPUT_INVALID`
 * (details: `raw`, `error`) when the repaired answer is still unusable, and `LLM_FAILED` when a call fails.
 *
 * @example
 * const { value, usage, calls } = await generateStructured({
 *   model: llm, name: 'facts', schema: z.object({ facts: z.array(z.string()) }),
 *   system: 'Extract durable facts about the user.', messages: [{ role: 'user', content: 'I moved to Lisbon.' }],
 * });
 */
export async function generateStructured<T>(
  options: GenerateStructuredOptions<T>,
): Promise<GenerateStructuredResult<T>> {
  const maxRepairs = options.maxRepairs ?? 1;
  const responseFormat = {
    type: 'json' as const,
    schema: toResponseJsonSchema(options.schema),
    name: options.name,
  };
  let messages = [...options.messages];
  const usage = { inputTokens: 0, outputTokens: 0 };
  let latencyMs = 0;
  for (let calls = 1; ; calls++) {
    const result = await callModel(options.model, {
      system: options.system,
      messages,
      responseFormat,
      maxOutputTokens: options.maxOutputTokens,
      temperature: options.temperature,
      abortSignal: options.abortSignal,
    });
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;
    latencyMs += result.latencyMs;
    const parsed = parseStructuredOutput({ text: result.text, schema: options.schema });
    if (parsed.ok) return { value: parsed.value, usage, calls, latencyMs };
    if (calls > maxRepairs) {
      throw new MnemoError({
        code: 'LLM_OUTPUT_INVALID',
        message:
          `Model '${options.model.modelId}' returned unusable '${options.name}' output after ${calls} call(s): ` +
          `${parsed.error}. Try a stronger model (MNEMO_LLM_MODEL) or one that supports JSON output.`,
        details: { raw: parsed.raw, error: parsed.error, calls, usage },
      });
    }
    // A new array, so the messages a model (or a recording mock) already received never change.
    messages = [
      ...messages,
      { role: 'assistant', content: result.text },
      { role: 'user', content: repairPrompt(parsed.error) },
    ];
  }
}

/**
 * One model call. Whatever a model throws that is not already a MnemoError (a custom model's plain Error,
 * a network failure) becomes LLM_FAILED, so the write path records it and `reprocess` can replay it.
 */
async function callModel(model: LanguageModel, request: GenerateOptions): Promise<GenerateResult> {
  try {
    return await model.generate(request);
  } catch (error) {
    if (isMnemoError(error)) throw error;
    throw new MnemoError({
      code: 'LLM_FAILED',
      message: `Model '${model.modelId}' failed: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}
