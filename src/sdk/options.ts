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

/** A search query: any text up to 10,000 characters (empty is allowed and matches nothing lexically). */
export const querySchema = z.string().max(10_000);

export const contextOptionsSchema = scopeSchema.extend({
  /** The most tokens the assembled section may take (estimated). */
  budgetTokens: z.number().int().min(1).max(1_000_000).default(1000),
  /** How many recent turns to consider. */
  recentTurns: z.number().int().min(0).max(200).optional(),
});
export type ContextOptions = z.input<typeof contextOptionsSchema>;
