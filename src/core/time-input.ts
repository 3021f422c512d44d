// Time values at the edges: ISO strings, Dates or epoch ms in; epoch ms inside.
import { z } from 'zod';

/** Accepts an ISO-8601 string, a Date, or epoch milliseconds; yields epoch ms. */
export const timeInputSchema = z.union([z.string(), z.date(), z.number()]).transform((value, context) => {
  const ms =
    typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (!Number.isFinite(ms)) {
    context.addIssue({ code: 'custom', message: `not a valid date/time: ${String(value)}` });
    return z.NEVER;
  }
  return ms;
});

export type TimeInput = z.input<typeof timeInputSchema>;
