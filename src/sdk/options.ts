// SDK option schemas: every public method validates its input here before touching the store.
import { z } from 'zod';
import { metadataFilterSchema, metadataSchema } from '../core/metadata.js';
import { memoryKinds } from '../core/records.js';
import { scopeSchema } from '../core/scope.js';
import { timeInputSchema } from '../core/time-input.js';
import { textSchema } from '../core/validate.js';
import { directKinds } from '../ingest/direct-memory.js';
import { idempotencyKeySchema } from '../ingest/idempotency.js';
import { type MaintainProgress, maintainSteps } from '../lifecycle/maintain/maintain-report.js';
import type { MaintenanceRun } from '../lifecycle/maintain/schedule.js';

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
  /**
   * Write one memory of this kind directly, no LLM and no logged message (`episode`, the default, logs
   * the messages as turns). Profile slots and core blocks have their own calls (`profile.set`, `core.set`).
   */
  /**
   * A key that makes the add safe to retry: the first call with it stores and records its result (in the
   * same transaction), a later call with the same key returns that result and writes nothing (24 h).
   */
  idempotencyKey: idempotencyKeySchema.optional(),
  kind: z
    .enum(['episode', ...directKinds], {
      error: `kind must be one of episode, ${directKinds.join(', ')} (profile slots: profile.set; core blocks: core.set)`,
    })
    .optional(),
});
export type AddOptions = z.input<typeof addOptionsSchema>;

export const listOptionsSchema = scopeSchema.extend({
  kinds: z.array(z.enum(memoryKinds)).optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  cursor: textSchema.max(512).optional(),
  includeHistory: z.boolean().optional(),
  /** Valid time: what was true in the world at this time. */
  asOf: timeInputSchema.optional(),
  /** Record time: what Mnemo knew at this time. */
  knownAt: timeInputSchema.optional(),
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

/**
 * An update (`memory.update`, `PATCH /v1/memories/{id}`, MCP `update_memory`, `mnemo update`). A field left
 * out (or `undefined`) stays as it is; `null` clears it, and only `expiresAt` can be cleared (`--expires
 * never` on the CLI). `metadata` replaces the memory's metadata as a whole.
 */
export const updateSchema = z
  .object({
    /** New content: writes a new version and retires the old one (supersession). */
    text: textSchema.trim().min(1).max(100_000).optional(),
    importance: z.number().min(0).max(1).optional(),
    confidence: z.number().min(0).max(1).optional(),
    metadata: metadataSchema.optional(),
    /** A new expiry; `null` clears it, so the memory no longer expires. */
    expiresAt: timeInputSchema.nullable().optional(),
    /**
     * When the new version was said. Default: the original statement's time, so an edit keeps its place in
     * the timeline and "last March" is grounded as it was first said.
     */
    observedAt: timeInputSchema.optional(),
    /** When the new version became true (default: the date its text grounds to, else its observedAt). */
    validFrom: timeInputSchema.optional(),
    /** When the old version stopped being true (default: when the new one became true). */
    validTo: timeInputSchema.optional(),
    reason: textSchema.max(1000).optional(),
  })
  .strict()
  .refine(
    (value) =>
      value.text !== undefined ||
      value.importance !== undefined ||
      value.confidence !== undefined ||
      value.metadata !== undefined ||
      value.expiresAt !== undefined ||
      value.observedAt !== undefined ||
      value.validFrom !== undefined,
    'an update needs at least one of text, observedAt, validFrom, importance, confidence, metadata, expiresAt',
  );
export type MemoryUpdate = z.input<typeof updateSchema>;

export const idSchema = textSchema.trim().min(1).max(128);

/**
 * The scope of maintenance calls (`flush`, `failures`, `reprocess`): every field optional. No field at
 * all means every tenant; `tenantId` alone means that whole tenant.
 */
export const maintenanceScopeSchema = z.object({
  tenantId: scopeSchema.shape.userId,
  userId: scopeSchema.shape.userId,
  agentId: scopeSchema.shape.agentId,
  sessionId: scopeSchema.shape.sessionId,
  spaceId: scopeSchema.shape.spaceId,
});
export type MaintenanceScope = z.input<typeof maintenanceScopeSchema>;

/** What one maintain() run may spend: model calls and memories examined. */
const maintainBudgetSchema = z.object({
  /** Most LLM calls the run makes (consolidation batches, reflections); default 8. 0 = offline only. */
  maxLlmCalls: z.number().int().min(0).max(100_000).optional(),
  /** Most memories the run examines (new since the last run, and fading candidates); default 2 000. */
  maxMemories: z.number().int().min(1).max(10_000_000).optional(),
});

/** Options of `maintain()`: an optional scope (none = every tenant), the steps and the budget. */
export const maintainOptionsSchema = maintenanceScopeSchema.merge(maintainBudgetSchema).extend({
  /** The steps to run (default all): expire, consolidate, reflect, decay. */
  steps: z.array(z.enum(maintainSteps)).min(1).optional(),
  /** Examine every current memory again, not only those new since the last run. */
  full: z.boolean().optional(),
});
export type MaintainOptions = z.input<typeof maintainOptionsSchema> & {
  /** Called as each scope starts and when the run ends. */
  onProgress?: ((progress: MaintainProgress) => void) | undefined;
};

/**
 * Upkeep settings (`createMemory({ maintenance })`): the decay curve, the budget of each run, and a timer
 * that runs maintain() every `intervalMs` (off unless given). `false` turns scheduled upkeep off.
 */
export const maintenanceOptionSchema = z.union([
  z.literal(false),
  maintainBudgetSchema
    .extend({
      /** Runs maintain() on a timer (unref'd, stopped by close()); at least every second, at most weekly. */
      intervalMs: z.number().int().min(1_000).max(604_800_000).optional(),
      /** Days for an unread memory of importance 0.5 to lose half its strength (default 90). */
      halfLifeDays: z.number().positive().max(36_500).optional(),
      /** Strength below which a memory is archived (default 0.05; 0 never archives). */
      archiveBelow: z.number().min(0).max(1).optional(),
      /** Audit rows older than this many days are erased by tenant-wide and whole-store runs (default 365). */
      auditRetentionDays: z.number().positive().max(36_500).optional(),
      /** Told the outcome of every scheduled run (counts, or the error it met), e.g. to log it. */
      onRun: z
        .custom<(run: MaintenanceRun) => void>(
          (value) => typeof value === 'function',
          'onRun must be a function',
        )
        .optional(),
    })
    .strict(),
]);
export type MaintenanceOption = z.input<typeof maintenanceOptionSchema>;

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

/**
 * A search query: any text up to 10,000 characters (empty is allowed and matches nothing lexically). Only its
 * first `searchLimits.queryTerms` analysed terms are searched.
 */
export const querySchema = textSchema.max(10_000);

export const contextOptionsSchema = scopeSchema.extend({
  /** The most tokens the assembled section may take (estimated). */
  budgetTokens: z.number().int().min(1).max(1_000_000).default(1000),
  /** How many recent turns to consider (default 10; 0 leaves them out, e.g. when the prompt carries the conversation). */
  recentTurns: z.number().int().min(0).max(200).optional(),
  /**
   * Search relevant memories only in this session and the long-term memories above it (the user's facts,
   * profile, procedures), not in the user's other sessions. Default false.
   */
  sessionOnly: z.boolean().optional(),
  /** Also draw on the spaces the acting user/agent was granted (default true); items say where they came from. */
  includeSpaces: z.boolean().optional(),
});
export type ContextOptions = z.input<typeof contextOptionsSchema>;
