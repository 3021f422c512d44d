// SDK option schemas: every public method validates its input here before touching the store.
import { z } from 'zod';
import { memoryKinds } from '../core/records.js';
import { scopeSchema } from '../core/scope.js';
import { timeInputSchema } from '../core/time-input.js';
import { metadataFilterSchema, metadataSchema } from '../ingest/message-input.js';

/** The scope fields every method takes, flattened into its options. */
export const scopeFieldsSchema = scopeSchema;

export const addOptionsSchema = scopeSchema.extend({
  /** Extract facts with an LLM (inferred mode). Raw mode (false) is the default without an LLM. */
  infer: z.boolean().optional(),
  /**
   * Store the messages now and queue them for inference in batches (the session's `minBatch` messages,
   * or its oldest waited `maxWaitMs`, or `flush()`), instead of one model call per add.
   */
  buffer: z.boolean().optional(),
  observedAt: timeInputSchema.optional(),
  metadata: metadataSchema.optional(),
  importance: z.number().min(0).max(1).optional(),
  expiresAt: timeInputSchema.optional(),
  /** Mark these memories as imported (origin `import`). */
  imported: z.boolean().optional(),
});
export type AddOptions = z.input<typeof addOptionsSchema>;

export const listOptionsSchema = scopeSchema.extend({
  kinds: z.array(z.enum(memoryKinds)).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
  includeHistory: z.boolean().optional(),
  asOf: timeInputSchema.optional(),
  order: z.enum(['asc', 'desc']).optional(),
  filters: z
    .object({
      metadata: metadataFilterSchema.optional(),
      observedFrom: timeInputSchema.optional(),
      observedTo: timeInputSchema.optional(),
    })
    .optional(),
});
export type ListOptions = z.input<typeof listOptionsSchema>;

export const updateSchema = z
  .object({
    /** New content: writes a new version and retires the old one (supersession). */
    text: z.string().trim().min(1).max(100_000).optional(),
    importance: z.number().min(0).max(1).optional(),
    confidence: z.number().min(0).max(1).optional(),
    metadata: metadataSchema.optional(),
    expiresAt: timeInputSchema.nullable().optional(),
    /** When the old version stopped being true (default: now). Only with `text`. */
    validTo: timeInputSchema.optional(),
    reason: z.string().max(1000).optional(),
  })
  .refine(
    (value) =>
      value.text !== undefined ||
      value.importance !== undefined ||
      value.confidence !== undefined ||
      value.metadata !== undefined ||
      value.expiresAt !== undefined,
    'an update needs at least one of text, importance, confidence, metadata, expiresAt',
  );
export type MemoryUpdate = z.input<typeof updateSchema>;

export const idSchema = z.string().trim().min(1).max(128);

/**
 * The scope of maintenance calls (`flush`, `failures`, `reprocess`): every field optional. No field at
 * all means every tenant; `tenantId` alone means that whole tenant.
 */
export const maintenanceScopeSchema = z.object({
  tenantId: scopeSchema.shape.userId,
  userId: scopeSchema.shape.userId,
  agentId: scopeSchema.shape.agentId,
  sessionId: scopeSchema.shape.sessionId,
});
export type MaintenanceScope = z.input<typeof maintenanceScopeSchema>;

/** Options of `failures()`: an optional scope and a page size. */
export const failuresOptionsSchema = maintenanceScopeSchema.extend({
  limit: z.number().int().min(1).max(10_000).default(100),
});
export type FailuresOptions = z.input<typeof failuresOptionsSchema>;

/** Options of `reprocess()`: an optional scope, and optionally the message ids to re-extract. */
export const reprocessOptionsSchema = maintenanceScopeSchema.extend({
  messageIds: z.array(idSchema).min(1).max(10_000).optional(),
});
export type ReprocessOptions = z.input<typeof reprocessOptionsSchema>;

/** Batch policy of buffered ingestion (`createMemory({ buffer })`). */
export const batchPolicySchema = z
  .object({
    minBatch: z.number().int().min(1).max(1_000).optional(),
    maxWaitMs: z.number().int().min(0).optional(),
    maxBatch: z.number().int().min(1).max(1_000).optional(),
  })
  .strict();

/** The background timer (`createMemory({ background })`): at least every 10 ms, at most daily. */
export const backgroundOptionSchema = z
  .object({ intervalMs: z.number().int().min(10).max(86_400_000) })
  .strict();

/** Automatic session summaries (`createMemory({ summaries })`). */
export const summariesOptionSchema = z.union([
  z.boolean(),
  z
    .object({
      afterTokens: z.number().int().min(1).optional(),
      idleMs: z.number().int().min(0).optional(),
    })
    .strict(),
]);

/** A search query: any text up to 10,000 characters (empty is allowed and matches nothing lexically). */
export const querySchema = z.string().max(10_000);

export const contextOptionsSchema = scopeSchema.extend({
  /** The most tokens the assembled section may take (estimated). */
  budgetTokens: z.number().int().min(1).max(1_000_000).default(1000),
  /** How many recent turns to consider. */
  recentTurns: z.number().int().min(0).max(200).optional(),
});
export type ContextOptions = z.input<typeof contextOptionsSchema>;
