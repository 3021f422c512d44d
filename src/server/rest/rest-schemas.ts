// The zod schemas of REST requests: they validate every body and query, and generate openapi.json.
import { z } from 'zod';
import { coreBlockLimits } from '../../context/core-blocks.js';
import { workingMemoryLimits, workingValueSchema } from '../../context/working-memory.js';
import { memoryKinds } from '../../core/records.js';
import { scopeSchema } from '../../core/scope.js';
import { timeInputSchema } from '../../core/time-input.js';
import { textSchema } from '../../core/validate.js';
import {
  MAX_MESSAGES_PER_ADD,
  messageContentSchema,
  messageInputSchema,
} from '../../ingest/message-input.js';
import { searchOptionsSchema } from '../../retrieve/search-options.js';
import { addOptionsSchema, contextOptionsSchema, querySchema, updateSchema } from '../../sdk/options.js';

const scopePart = scopeSchema.shape.userId;

/**
 * Scope fields of a request. With API keys, `tenantId` may be left out; if given it must be the key's tenant.
 * `spaceId` names a shared space (the `userId`/`agentId` sent with it act in it, checked against its grants);
 * a key bound to a user, agent or space fills in the fields a request leaves out.
 */
export const restScopeSchema = z
  .object({
    tenantId: scopePart.describe('The tenant; with API keys it defaults to, and must equal, the key tenant.'),
    userId: scopePart,
    agentId: scopePart,
    sessionId: scopePart,
    spaceId: scopePart.describe(
      'A shared space: the memory pool itself (never with sessionId); the userId/agentId sent with it act in it and need a grant on it.',
    ),
  })
  .strict();

/** True when an add names a kind other than `episode`: it writes one memory directly (no LLM, no message). */
function isDirect(body: { kind?: string | undefined }): boolean {
  return body.kind !== undefined && body.kind !== 'episode';
}

/**
 * `POST /v1/memories`: messages (or one text) and the add options. Exactly one of `messages`, `text`; a
 * `kind` other than `episode` writes one memory, so it takes `text` (or one message) and no `infer`/`buffer`.
 */
export const addBodySchema = restScopeSchema
  .extend({
    messages: z.array(messageInputSchema).min(1).max(MAX_MESSAGES_PER_ADD).optional(),
    text: messageContentSchema.optional(),
    infer: addOptionsSchema.shape.infer,
    buffer: addOptionsSchema.shape.buffer,
    observedAt: addOptionsSchema.shape.observedAt,
    metadata: addOptionsSchema.shape.metadata,
    importance: addOptionsSchema.shape.importance,
    expiresAt: addOptionsSchema.shape.expiresAt,
    kind: addOptionsSchema.shape.kind.describe(
      'Write one memory of this kind directly (no LLM, no logged message); default `episode` logs the messages.',
    ),
  })
  .strict()
  .refine((body) => (body.messages === undefined) !== (body.text === undefined), {
    message: 'send exactly one of `messages` (an array of { role, content }) or `text`',
  })
  .refine((body) => !isDirect(body) || (body.messages?.length ?? 1) === 1, {
    message: '`kind` writes one memory: send `text` (or a single message), not a list of messages',
    path: ['messages'],
  })
  .refine((body) => !isDirect(body) || (body.infer !== true && body.buffer !== true), {
    message: '`kind` writes the text as given: `infer` and `buffer` do not apply to it',
    path: ['kind'],
  });

const includeSpaces = z
  .boolean()
  .optional()
  .describe(
    'Also read the spaces the acting user/agent was granted (default true); their results carry `scope.spaceId`.',
  );

/** `POST /v1/search`: the query, the scope and every search option of the SDK. */
export const searchBodySchema = restScopeSchema
  .extend({ query: querySchema, ...searchOptionsSchema.shape, includeSpaces })
  .strict();

/** `POST /v1/context`: the query, the scope and the token budget of the assembled context. */
export const contextBodySchema = restScopeSchema
  .extend({
    query: querySchema,
    budgetTokens: contextOptionsSchema.shape.budgetTokens,
    recentTurns: contextOptionsSchema.shape.recentTurns,
    sessionOnly: contextOptionsSchema.shape.sessionOnly.describe(
      "Search only this session and the long-term memories above it, not the user's other sessions.",
    ),
    includeSpaces: includeSpaces.describe(
      'Also draw on the spaces the acting user/agent was granted (default true); their items say `from: space:<id>`.',
    ),
  })
  .strict();

/** `PATCH /v1/memories/{id}`: the SDK update (new text supersedes; other fields patch in place). */
export const updateBodySchema = updateSchema;

/** A boolean in a query string: `true` or `false`. */
export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');
/** A time in a query string: ISO-8601 or epoch milliseconds. */
export const timeQuery = z.string().transform((value, context) => parseTimeQuery(value, context));

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
    cursor: textSchema.max(512).optional(),
    includeHistory: booleanQuery.optional(),
    asOf: timeQuery.optional().describe('Valid time: what was true in the world at this time.'),
    knownAt: timeQuery.optional().describe('Record time: what Mnemo knew at this time.'),
    order: z.enum(['asc', 'desc']).optional(),
  })
  .strict();

/** Query of the routes that take only a scope (get, patch, delete, history, forget scope, usage). */
export const scopeQuerySchema = restScopeSchema;

/** `POST /v1/flush`: an optional scope; without user, agent or session it flushes the key's whole tenant. */
export const flushBodySchema = restScopeSchema;

/** `PUT /v1/core/{label}`: the block's value and settings, and the user and/or agent it belongs to. */
export const coreSetBodySchema = restScopeSchema
  .extend({
    value: textSchema
      .max(coreBlockLimits.max)
      .describe('The whole text of the block, at most `limit` characters.'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(coreBlockLimits.max)
      .optional()
      .describe(
        `Most characters the value may hold (default: the block's current limit, else ${coreBlockLimits.default}).`,
      ),
    readOnly: z
      .boolean()
      .optional()
      .describe('Refuse append/replace (an agent editing its own memory); PUT still changes the block.'),
    description: textSchema
      .max(1_000)
      .optional()
      .describe('What the block is for (kept with the block; not part of the context text).'),
  })
  .strict();

/** `POST /v1/core/{label}/append`: text added on a new line at the end of the block. */
export const coreAppendBodySchema = restScopeSchema
  .extend({ text: textSchema.min(1).max(coreBlockLimits.max) })
  .strict();

/** `POST /v1/core/{label}/replace`: every occurrence of `oldText` becomes `newText` (empty deletes it). */
export const coreReplaceBodySchema = restScopeSchema
  .extend({
    oldText: textSchema.min(1).max(coreBlockLimits.max),
    newText: textSchema.max(coreBlockLimits.max),
  })
  .strict();

/** `PUT /v1/working/{key}`: any JSON value, an optional expiry, and the session it belongs to. */
export const workingSetBodySchema = restScopeSchema
  .extend({
    value: workingValueSchema.describe(
      `Any JSON value, at most ${workingMemoryLimits.depth} levels deep and ${workingMemoryLimits.valueChars} characters serialised.`,
    ),
    ttlMs: z
      .number()
      .int()
      .min(1)
      .max(workingMemoryLimits.ttlMs)
      .optional()
      .describe('Time to live in milliseconds (not together with expiresAt).'),
    expiresAt: timeInputSchema
      .optional()
      .describe('When the entry goes away: ISO-8601 or epoch ms, in the future.'),
  })
  .strict();

/** `PUT /v1/profile/{topic}.{slot}`: the slot's new value. */
export const profileSetBodySchema = restScopeSchema
  .extend({ value: textSchema.trim().min(1).max(2_000) })
  .strict();

/** Query of `GET /v1/profile`: the scope and, optionally, the time the profile is read as of. */
export const profileQuerySchema = restScopeSchema
  .extend({ asOf: timeQuery.optional().describe('Read the profile as it was at this time.') })
  .strict();

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
