// Reading REST input: JSON bodies and query strings, validated by zod into MnemoError INVALID_INPUT.
import type { Context } from 'hono';
import type { z } from 'zod';
import { invalidInput } from '../../core/errors.js';
import { parseInput } from '../../core/validate.js';

/**
 * Parses the JSON body and validates it; malformed JSON, a missing body or a wrong shape is INVALID_INPUT.
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
