// The zod schemas of the upkeep routes: the maintain and purge bodies (validated), and the MaintainReport and
// MemoryRecord they answer with (named components of openapi.json, checked against real answers in tests).
import { z } from 'zod';
import { memoryKinds, origins, trustLevels } from '../../core/records.js';
import { maintainSteps } from '../../lifecycle/maintain/maintain-report.js';
import { maintainOptionsSchema } from '../../sdk/options.js';
import { recordScope } from './graph-schemas.js';
import { restScopeSchema } from './rest-schemas.js';

const { steps, maxLlmCalls, maxMemories, full } = maintainOptionsSchema.shape;

/**
 * `POST /v1/maintain`: an optional scope inside the key's tenant (none: the whole tenant), the steps and the
 * budget of the run.
 */
export const maintainBodySchema = restScopeSchema
  .extend({
    steps: steps.describe(
      `The steps to run, in this order in each scope (default all): ${maintainSteps.join(', ')}.`,
    ),
    maxLlmCalls: maxLlmCalls.describe('Most LLM calls the run makes, 0-100000 (default 8; 0: offline only).'),
    maxMemories: maxMemories.describe('Most memories the run examines, 1-10000000 (default 2000).'),
    full: full.describe('Examine every current memory again, not only those new since the last run.'),
  })
  .strict();

/** `POST /v1/purge`: an optional scope inside the key's tenant (none: the whole tenant). */
export const purgeBodySchema = restScopeSchema;

/** The scope of `unmerge` and `unarchive`, in the body (or in the query string, not both). */
export const memoryScopeBodySchema = restScopeSchema;

const isoTime = z.string().describe('ISO-8601 UTC.');
const jsonObject = z.record(z.string(), z.unknown());

const usageSchema = z
  .object({
    llmCalls: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    embeddingCalls: z.number().int(),
    latencyMs: z.number(),
  })
  .meta({ id: 'Usage', description: 'What the language model and the embedder cost.' });

export const maintainReportSchema = z
  .object({
    startedAt: isoTime,
    finishedAt: isoTime,
    scopes: z.object({
      examined: z.number().int().describe('Exact scopes (tenant, user, agent, session) worked on.'),
      skipped: z.number().int().describe('Scopes another process held: left for the next run.'),
    }),
    examined: z.number().int().describe('Memories examined (new since the last run, and fading candidates).'),
    purged: z.number().int().describe('Expired memories erased.'),
    auditPurged: z
      .number()
      .int()
      .describe('Audit rows past their retention erased (runs over the whole tenant only).'),
    merged: z.array(
      z.object({
        id: z.string().describe('The new memory.'),
        sources: z.array(z.string()).describe('The memories it supersedes (undo with unmerge).'),
        text: z.string(),
        by: z.enum(['offline', 'llm']),
      }),
    ),
    superseded: z.array(
      z.object({
        id: z.string().describe('The older memory, now retired.'),
        by: z.string().describe('The newer memory that stays current.'),
        rule: z.enum(['negation', 'relation', 'llm']),
      }),
    ),
    refused: z
      .array(
        z.object({
          ids: z.array(z.string()),
          missing: z
            .array(z.string())
            .describe('Words or entities of a source the merge would have dropped.'),
          by: z.enum(['offline', 'llm']),
        }),
      )
      .describe('Merges the loss guard refused.'),
    insights: z.object({
      written: z.array(z.object({ id: z.string(), text: z.string(), sources: z.array(z.string()) })),
      retired: z.array(z.string()).describe('Insights whose sources no longer stand.'),
      kept: z.array(z.string()).describe('Insights re-checked and kept.'),
    }),
    archived: z
      .array(z.object({ id: z.string(), strength: z.number() }))
      .describe('Memories whose strength faded below the threshold (undo with unarchive).'),
    usage: usageSchema,
    remaining: z
      .object({
        memories: z.number().int().describe('New memories not yet examined.'),
        scopes: z.number().int().describe('Scopes not reached.'),
        reflections: z.number().int().describe('Reflections skipped for want of LLM calls.'),
      })
      .describe('What the budget left for the next run.'),
    complete: z.boolean().describe('True when nothing was left for the next run.'),
  })
  .meta({ id: 'MaintainReport', description: 'What one maintain run did, what it cost and what it left.' });

export const memoryRecordSchema = z
  .object({
    id: z.string(),
    scope: recordScope,
    kind: z.enum(memoryKinds),
    text: z.string(),
    indexText: z.string(),
    attributes: jsonObject.describe('Derived facts: speaker, grounded dates, entities, …'),
    metadata: jsonObject,
    importance: z.number(),
    confidence: z.number(),
    source: z.object({
      messageIds: z.array(z.string()),
      attributedTo: z.string().optional(),
      origin: z.enum(origins),
      trust: z.enum(trustLevels),
    }),
    observedAt: isoTime,
    validFrom: isoTime.optional(),
    validTo: isoTime.optional(),
    createdAt: isoTime,
    retiredAt: isoTime.optional(),
    supersededBy: z.string().optional(),
    supersedes: z.string().optional(),
    expiresAt: isoTime.optional(),
    accessCount: z.number().int(),
    lastAccessedAt: isoTime.optional(),
    archivedAt: isoTime.optional(),
    embeddingModel: z.string().optional(),
    hash: z.string(),
  })
  .meta({ id: 'MemoryRecord', description: 'One memory, as every memory route answers it.' });

/** `POST /v1/memories/{id}/unmerge`. */
export const unmergeResultSchema = z.object({
  restored: z.array(memoryRecordSchema).describe('The sources of the merge, current again.'),
  erasedId: z.string().describe('The merged memory, erased (a tombstone stays in its history).'),
});

/** `POST /v1/purge`. */
export const purgeResultSchema = z.object({ purged: z.number().int() });
