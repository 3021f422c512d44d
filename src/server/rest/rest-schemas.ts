// The zod schemas of REST requests: they validate every body and query, and generate openapi.json.
import { z } from 'zod';
import { memoryKinds } from '../../core/records.js';
import { scopeSchema } from '../../core/scope.js';
import { timeInputSchema } from '../../core/time-input.js';
import { MAX_MESSAGE_CHARS, MAX_MESSAGES_PER_ADD, messageInputSchema } from '../../ingest/message-input.js';
import { searchOptionsSchema } from '../../retrieve/search-options.js';
import { addOptionsSchema, contextOptionsSchema, querySchema, updateSchema } from '../../sdk/options.js';

const scopePart = scopeSchema.shape.userId;

/** Scope fields of a request. With API keys, `tenantId` may be left out; if given it must be the key's tenant. */
export const restScopeSchema = z
  .object({
    tenantId: scopePart.describe('The tenant; with API keys it defaults to, and must equal, the key tenant.'),
    userId: scopePart,
    agentId: scopePart,
    sessionId: scopePart,
  })
  .strict();

/** `POST /v1/memories`: messages (or one text) and the add options. Exactly one of `messages`, `text`. */
export const addBodySchema = restScopeSchema
  .extend({
    messages: z.array(messageInputSchema).min(1).max(MAX_MESSAGES_PER_ADD).optional(),
    text: z.string().trim().min(1).max(MAX_MESSAGE_CHARS).optional(),
    infer: addOptionsSchema.shape.infer,
    buffer: addOptionsSchema.shape.buffer,
    observedAt: addOptionsSchema.shape.observedAt,
    metadata: addOptionsSchema.shape.metadata,
    importance: addOptionsSchema.shape.importance,
    expiresAt: addOptionsSchema.shape.expiresAt,
  })
  .strict()
  .refine((body) => (body.messages === undefined) !== (body.text === undefined), {
    message: 'send exactly one of `messages` (an array of { role, content }) or `text`',
  });

/** `POST /v1/search`: the query, the scope and every search option of the SDK. */
export const searchBodySchema = restScopeSchema
  .extend({ query: querySchema, ...searchOptionsSchema.shape })
  .strict();

/** `POST /v1/context`: the query, the scope and the token budget of the assembled context. */
export const contextBodySchema = restScopeSchema
  .extend({
    query: querySchema,
    budgetTokens: contextOptionsSchema.shape.budgetTokens,
    recentTurns: contextOptionsSchema.shape.recentTurns,
  })
  .strict();

/** `PATCH /v1/memories/{id}`: the SDK update (new text supersedes; other fields patch in place). */
export const updateBodySchema = updateSchema;

const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Query of `GET /v1/memories`. `kinds` is comma-separated (or repeated). */
export const listQuerySchema = restScopeSchema
  .extend({
    kinds: z
      .string()
      .transform((value) => value.split(',').filter((kind) => kind !== ''))
      .pipe(z.array(z.enum(memoryKinds)))
      .optional()
      .describe(`Comma-separated kinds: ${memoryKinds.join(', ')}`),
    limit: z
      .string()
      .regex(/^\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(1).max(1000))
      .optional(),
    cursor: z.string().max(512).optional(),
    includeHistory: booleanQuery.optional(),
    asOf: z
      .string()
      .transform((value, context) => parseTimeQuery(value, context))
      .optional(),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .strict();

/** Query of the routes that take only a scope (get, patch, delete, history, forget scope, usage). */
export const scopeQuerySchema = restScopeSchema;

/** `POST /v1/flush`: an optional scope; without user, agent or session it flushes the key's whole tenant. */
export const flushBodySchema = restScopeSchema;

export type AddBody = z.output<typeof addBodySchema>;
export type SearchBody = z.output<typeof searchBodySchema>;
export type ListQuery = z.output<typeof listQuerySchema>;

function parseTimeQuery(value: string, context: z.RefinementCtx): number {
  const parsed = timeInputSchema.safeParse(/^\d+$/.test(value) ? Number(value) : value);
  if (!parsed.success) {
    context.addIssue({ code: 'custom', message: `not a valid date/time: ${value}` });
    return z.NEVER;
  }
  return parsed.data;
}
