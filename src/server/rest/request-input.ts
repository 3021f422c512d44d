// Reading REST input: JSON bodies (nesting bounded before parsing) and query strings, validated by zod into
// MnemoError INVALID_INPUT.
import type { Context } from 'hono';
import type { z } from 'zod';
import { invalidInput } from '../../core/errors.js';
import { jsonTextNesting, MAX_BODY_NESTING, parseInput } from '../../core/validate.js';
import { isJsonContentType, unsupportedMediaType } from './browser-guard.js';

/**
 * Parses the JSON body and validates it: a body not sent as `application/json` is UNSUPPORTED_MEDIA_TYPE
 * (415); malformed JSON, a missing body, a body nesting deeper than
 * `MAX_BODY_NESTING` levels (refused before parsing, so nothing downstream recurses into it) or a wrong shape
 * is INVALID_INPUT.
 *
 * @example
 * const body = await readJsonBody(c, searchBodySchema, 'search request');
 */
export async function readJsonBody<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>> {
  const text = await c.req.text();
  if (text.trim() === '') throw invalidInput(`The ${what} needs a JSON body.`);
  // Only JSON, declared as such: a body without that type may come from a page on another site.
  const type = c.req.header('content-type');
  if (!isJsonContentType(type)) throw unsupportedMediaType(type);
  if (jsonTextNesting(text, MAX_BODY_NESTING) > MAX_BODY_NESTING) {
    throw invalidInput(
      `The ${what} body nests deeper than ${MAX_BODY_NESTING} levels of objects and arrays; metadata and working-memory values may nest at most 32.`,
      { limit: MAX_BODY_NESTING },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidInput(`The ${what} body is not valid JSON: ${(error as Error).message}`, undefined, error);
  }
  return parseInput(schema, value, what);
}

/**
 * Like `readJsonBody`, but an empty body stands for `{}`.
 *
 * @example
 * const scope = await readOptionalJsonBody(c, flushBodySchema, 'flush request');
 */
export async function readOptionalJsonBody<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>> {
  // Hono caches the body text, so reading it twice is free.
  if ((await c.req.text()).trim() === '') return parseInput(schema, {}, what);
  return readJsonBody(c, schema, what);
}

/**
 * Validates the query string. Repeated keys are joined with commas (so `kinds=a&kinds=b` equals `kinds=a,b`).
 *
 * @example
 * const query = readQuery(c, listQuerySchema, 'list query');
 */
export function readQuery<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
  what: string,
): z.output<Schema> {
  const raw: Record<string, string> = {};
  for (const [key, values] of Object.entries(c.req.queries())) raw[key] = values.join(',');
  return parseInput(schema, raw, what);
}
