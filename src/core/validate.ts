// Edge validation: parse with a zod schema or throw a MnemoError INVALID_INPUT that says what is wrong; the
// rules every surface shares for text (no NUL, no lone surrogate) and free-form JSON (bounded depth and size).
import { z } from 'zod';
import { MnemoError } from './errors.js';

export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `Invalid ${what}: ${z.prettifyError(parsed.error)}`,
      details: {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      },
    });
  }
  return parsed.data;
}

/** In `u` mode a surrogate pair is one code point, so this matches only unpaired (lone) surrogates. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What is wrong with a text that Mnemo would store or search, or undefined when it is fine: a NUL character
 * (Postgres cannot store it) or an unpaired UTF-16 surrogate (not Unicode text: encoders silently turn it
 * into U+FFFD, and Postgres refuses it in JSON). Such text is rejected, never rewritten.
 *
 * @example
 * textProblem('caf\u00e9'); // undefined
 * textProblem('a\u0000b'); // 'must not contain NUL (\\u0000) characters'
 */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates (\\uD800-\\uDFFF)';
  return undefined;
}

/**
 * A string that passes `textProblem`: the base of every text schema (contents, names, scope ids, queries,
 * metadata keys, labels). Chain the usual checks after it: `textSchema.trim().min(1).max(200)`.
 */
export const textSchema = z.string().check((context) => {
  const problem = textProblem(context.value);
  if (problem !== undefined) context.issues.push({ code: 'custom', message: problem, input: context.value });
});

/** Bounds of a free-form JSON value (metadata, a working-memory entry). */
export interface JsonLimits {
  /** Most levels of nested objects and arrays; the value itself is level 1. */
  maxDepth: number;
  /** Most characters of the value serialised as JSON. */
  maxChars: number;
}

/** Metadata: at most 32 levels deep and 16 KiB as JSON. */
export const metadataLimits: JsonLimits = { maxDepth: 32, maxChars: 16_384 };

export interface JsonProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Checks that `value` is plain JSON within `limits`, with every string and key passing `textProblem`,
 * WITHOUT recursion (an explicit stack), and stops at the first problem: a 4,000-level value costs as much
 * as a 33-level one and cannot overflow the call stack. Run it before anything that recurses (zod's
 * `z.json()`, `JSON.stringify`, a database driver) touches the value.
 *
 * @example
 * jsonProblem({ a: [1, 'x'] }, metadataLimits); // undefined
 * jsonProblem({ a: { b: 1 } }, { maxDepth: 1, maxChars: 100 }); // { path: ['a'], message: 'nests deeper than 1 levels …' }
 */
export function jsonProblem(value: unknown, limits: JsonLimits): JsonProblem | undefined {
  const stack: Array<{ value: unknown; depth: number; path: Array<string | number> }> = [
    { value, depth: 1, path: [] },
  ];
  let chars = 0;
  const tooLarge = (path: Array<string | number>): JsonProblem => ({
    path,
    message: `must serialise to at most ${limits.maxChars} characters of JSON`,
  });
  while (stack.length > 0) {
    const item = stack.pop()!;
    const current = item.value;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem !== undefined) return { path: item.path, message: problem };
      chars += current.length + 2;
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) return { path: item.path, message: 'numbers must be finite' };
      chars += String(current).length;
    } else if (typeof current === 'boolean' || current === null) {
      chars += 5;
    } else if (Array.isArray(current) || isPlainObject(current)) {
      if (item.depth > limits.maxDepth) {
        return { path: item.path, message: `must not nest deeper than ${limits.maxDepth} levels` };
      }
      chars += 2;
      if (Array.isArray(current)) {
        for (let index = 0; index < current.length; index += 1) {
          chars += 1;
          if (chars > limits.maxChars) return tooLarge(item.path);
          stack.push({ value: current[index], depth: item.depth + 1, path: [...item.path, index] });
        }
      } else {
        for (const key of Object.keys(current)) {
          const problem = textProblem(key);
          if (problem !== undefined) return { path: [...item.path, key], message: `key ${problem}` };
          chars += key.length + 4;
          if (chars > limits.maxChars) return tooLarge(item.path);
          stack.push({ value: current[key], depth: item.depth + 1, path: [...item.path, key] });
        }
      }
    } else {
      return {
        path: item.path,
        message: 'must be JSON (a string, finite number, boolean, null, array or object)',
      };
    }
    if (chars > limits.maxChars) return tooLarge(item.path);
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Guards `schema` with `jsonProblem`: the value is checked iteratively first, and `schema` (which may recurse,
 * like `z.json()`) only sees values within `limits`. openapi.json documents `schema`.
 *
 * @example
 * const metadataSchema = boundedJson(metadataLimits, z.record(z.string(), z.json()));
 */
export function boundedJson<Schema extends z.ZodType>(
  limits: JsonLimits,
  schema: Schema,
): z.ZodType<z.output<Schema>, z.input<Schema>> {
  const guarded = z.preprocess((value, context) => {
    const problem = jsonProblem(value, limits);
    if (problem !== undefined) {
      context.issues.push({ code: 'custom', message: problem.message, path: problem.path, input: value });
    }
    return value;
  }, schema);
  // A preprocess types its input as unknown; callers pass what `schema` accepts.
  return guarded as unknown as z.ZodType<z.output<Schema>, z.input<Schema>>;
}

/** Request bodies nest at most this many levels of objects and arrays (metadata's 32 plus the envelope). */
export const MAX_BODY_NESTING = 64;

/**
 * The deepest nesting of `[`/`{` in a JSON text, counted by a scan that skips strings, stopping as soon as
 * it passes `limit`. Lets a server refuse a deeply nested body before parsing it.
 *
 * @example
 * jsonTextNesting('{"a":[1,{"b":"[["}]}', 64); // 3
 */
export function jsonTextNesting(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d || code === 0x7d) {
      depth -= 1;
    }
  }
  return deepest;
}
