// Edge validation: parse with a zod schema or throw a MnemoError INVALID_INPUT that says what is wrong.
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
